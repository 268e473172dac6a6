"""The administrator's commands, run as a person would: happy paths and clear refusals.

Every storage test runs on SQLite and PostgreSQL: the data directory is made with
``init --database-url`` pointing at the ``database_url`` fixture (an already-migrated,
empty database, which init must accept).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from schema.passwords import verify_password
from sync_server.cli import main
from sync_server.db.engine import Database
from sync_server.db.migrate import head_revision
from sync_server.db.tables import audit_log, cases, changes, staff, stations
from sync_server.services.admin.stations import enrol_code_hash

CLEAN_ENV = {"SSB_DATA_DIR": None, "SSB_DATABASE_URL": None, "SSB_SECRET_KEY": None}


def run(*args: object, env: dict[str, str | None] | None = None) -> Result:
    runner = CliRunner()
    return runner.invoke(
        main, [str(a) for a in args], env={**CLEAN_ENV, **(env or {})}, catch_exceptions=False
    )


def refused(result: Result, code: str | None = None) -> str:
    """The one-line refusal of a failed command (asserting it is one, in Chinese, with no traceback)."""
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith("错误"), result.output
    if code is not None:
        assert f"（{code}）" in result.stderr
    return result.stderr


def one_time_password(output: str) -> str:
    match = re.search(r"一次性密码：(\S+)", output)
    assert match, output
    return match.group(1)


@pytest.fixture
def data_dir(tmp_path: Path, database_url: str) -> Path:
    path = tmp_path / "server"
    result = run("init", "--data-dir", path, "--database-url", database_url)
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def database(database_url: str):
    db = Database.from_url(database_url)
    yield db
    db.dispose()


# ---- init ---------------------------------------------------------------------------


def test_init_creates_settings_pki_schema_and_a_first_admin(
    tmp_path: Path, database_url: str, database: Database
) -> None:
    path = tmp_path / "d"
    result = run(
        "init",
        "--data-dir",
        path,
        "--database-url",
        database_url,
        "--host",
        "sbj.leshan.test",
        "--host",
        "10.1.2.3",
    )
    assert result.exit_code == 0, result.output
    settings = (path / "settings.toml").read_text(encoding="utf-8")
    secret = re.search(r'secret_key = "([^"]+)"', settings)
    assert secret and len(secret.group(1)) >= 48
    assert f'database_url = "{database_url}"' in settings
    assert 'public_url = "https://sbj.leshan.test:8443"' in settings
    assert (path / "settings.toml").stat().st_mode & 0o077 == 0
    for name in ("ca.pem", "ca-key.pem", "server.pem", "server-key.pem"):
        assert (path / "tls" / name).is_file()
    assert str(path / "tls" / "ca.pem") in result.output
    assert re.search(r"根证书指纹 SHA-256：([0-9A-F]{2}:){31}[0-9A-F]{2}", result.output)
    with database.read() as conn:
        admin = conn.execute(sa.select(staff).where(staff.c.username == "admin")).one()
    assert admin.role == "admin" and admin.must_change_password
    assert verify_password(one_time_password(result.output), admin.password_hash)


def test_init_on_the_default_sqlite_file(tmp_path: Path) -> None:
    result = run("init", "--data-dir", tmp_path / "d")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "d" / "server.db").is_file()
    assert "database_url" not in (tmp_path / "d" / "settings.toml").read_text(encoding="utf-8")


def test_init_refuses_an_initialised_data_dir(data_dir: Path) -> None:
    before = (data_dir / "tls" / "ca.pem").read_bytes()
    assert "已经初始化过" in refused(run("init", "--data-dir", data_dir), "init_already_initialised")
    assert (data_dir / "tls" / "ca.pem").read_bytes() == before


def test_init_refuses_a_database_another_data_dir_uses(
    data_dir: Path, tmp_path: Path, database_url: str
) -> None:
    refused(
        run("init", "--data-dir", tmp_path / "other", "--database-url", database_url), "init_database_in_use"
    )
    assert not (tmp_path / "other" / "settings.toml").exists()  # a retry with another database is possible


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--database-url", "postgresql://postgres@127.0.0.1:1/nowhere"], "database_unreachable"),
        (["--database-url", "nosuchdb://x/y"], "database_url_invalid"),
        (["--host", "bad host!"], "init_host_invalid"),
    ],
)
def test_init_refuses_bad_arguments(tmp_path: Path, args: list[str], code: str) -> None:
    refused(run("init", "--data-dir", tmp_path / "d", *args), code)
    assert not (tmp_path / "d" / "settings.toml").exists()


def test_a_missing_data_dir_is_explained() -> None:
    assert "--data-dir" in refused(run("station", "list"), "data_dir_missing")


def test_the_data_dir_can_come_from_the_environment(data_dir: Path) -> None:
    result = run("station", "list", env={"SSB_DATA_DIR": str(data_dir)})
    assert result.exit_code == 0 and "还没有服务站" in result.output


def test_usage_errors_are_worded_in_chinese(data_dir: Path) -> None:
    assert "缺少必需的参数 --division" in refused(
        run("station", "add", "--data-dir", data_dir, "--name", "x")
    )
    assert "没有 --bogus 这个选项" in refused(run("station", "list", "--data-dir", data_dir, "--bogus"))
    assert "是不是 station" in refused(run("statoin"))
    assert "0–99" in refused(
        run(
            "station",
            "add",
            "--data-dir",
            data_dir,
            "--division",
            "511102004",
            "--name",
            "x",
            "--point",
            "100",
        )
    )


# ---- db upgrade ---------------------------------------------------------------------


def test_db_upgrade_prints_the_revision(data_dir: Path) -> None:
    result = run("db", "upgrade", "--data-dir", data_dir)
    assert result.exit_code == 0 and f"最新版本：{head_revision()}" in result.output


def test_db_upgrade_on_an_uninitialised_dir_says_to_init(tmp_path: Path) -> None:
    assert "sync-server init" in refused(run("db", "upgrade", "--data-dir", tmp_path), "settings_missing")


# ---- serve --------------------------------------------------------------------------


def test_serve_refuses_without_its_certificate(data_dir: Path) -> None:
    (data_dir / "tls" / "server-key.pem").unlink()
    assert "服务器私钥" in refused(run("serve", "--data-dir", data_dir), "serve_tls_missing")


def test_serve_refuses_an_unreachable_database(data_dir: Path) -> None:
    env = {"SSB_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nowhere"}
    refused(run("serve", "--data-dir", data_dir, env=env), "database_unreachable")


def test_serve_refuses_a_missing_or_unmigrated_database(data_dir: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    env = {"SSB_DATABASE_URL": f"sqlite:///{empty}"}
    refused(run("serve", "--data-dir", data_dir, env=env), "database_missing")
    assert not empty.exists()  # not created by looking
    sa.create_engine(f"sqlite:///{empty}").connect().close()
    assert "db upgrade" in refused(run("serve", "--data-dir", data_dir, env=env), "database_not_migrated")


def test_serve_refuses_a_bad_port(data_dir: Path) -> None:
    assert "1–65535" in refused(run("serve", "--data-dir", data_dir, "--port", "99999"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_https_with_the_city_certificate(data_dir: Path) -> None:
    port = _free_port()
    exe = Path(sys.executable).with_name("sync-server")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SSB_")}
    proc = subprocess.Popen(
        [exe, "serve", "--data-dir", data_dir, "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        pinned = ssl.create_default_context(cafile=str(data_dir / "tls" / "ca.pem"))
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"https://127.0.0.1:{port}/readyz", verify=pinned, timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert response.status_code == 200 and response.json() == {"status": "ready"}
        with pytest.raises(httpx.TransportError):  # plain HTTP is not served
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()


# ---- stations -----------------------------------------------------------------------


def test_station_add_list_new_code_revoke(data_dir: Path, database: Database) -> None:
    added = run(
        "station", "add", "--data-dir", data_dir, "--division", "511102004", "--name", "市中区大佛街道社保所"
    )
    assert added.exit_code == 0, added.output
    assert "511102004-00" in added.output and "待注册" in added.output
    code = re.search(r"注册码：([A-Z0-9]{4}(-[A-Z0-9]{4}){3})", added.output)
    assert code
    point = run(
        "station", "add", "--data-dir", data_dir, "--division", "大佛街道", "--name", "嘉州社区服务点"
    )
    assert "511102004-01" in point.output

    listing = run("station", "list", "--data-dir", data_dir)
    assert listing.exit_code == 0
    assert (
        "市中区大佛街道社保所" in listing.output
        and "市中区" in listing.output
        and "共 2 个服务站" in listing.output
    )

    renewed = run("station", "new-code", "--data-dir", data_dir, "511102004-00")
    new_code = re.search(r"注册码：(\S+)", renewed.output)
    assert renewed.exit_code == 0 and new_code and new_code.group(1) != code.group(1)
    with database.read() as conn:
        stored = conn.execute(
            sa.select(stations.c.enrol_code_hash).where(stations.c.id == "511102004-00")
        ).scalar()
    assert stored == enrol_code_hash(new_code.group(1))

    revoked = run("station", "revoke", "--data-dir", data_dir, "511102004-01")
    assert revoked.exit_code == 0 and "已注销" in revoked.output
    assert "已注销" in run("station", "list", "--data-dir", data_dir, "--status", "revoked").output
    refused(run("station", "revoke", "--data-dir", data_dir, "511102004-01"), "station_already_revoked")


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["add", "--division", "511102", "--name", "区社保局"], "station_division_not_township"),
        (["add", "--division", "成都", "--name", "x"], "division_unknown"),
        (["revoke", "511102004-09"], "station_not_found"),
        (["new-code", "12345"], "station_code_invalid"),
        (["list", "--status", "lost"], None),
    ],
)
def test_station_commands_refuse_bad_arguments(data_dir: Path, args: list[str], code: str | None) -> None:
    refused(run("station", args[0], "--data-dir", data_dir, *args[1:]), code)


# ---- staff --------------------------------------------------------------------------


def test_staff_lifecycle_reaches_the_station_feed(data_dir: Path, database: Database) -> None:
    run("station", "add", "--data-dir", data_dir, "--division", "511123100", "--name", "玉津镇社保所")
    added = run(
        "staff",
        "add",
        "--data-dir",
        data_dir,
        "--username",
        "zhang.li",
        "--role",
        "clerk",
        "--station",
        "511123100-00",
        "--name",
        "张丽",
    )
    assert added.exit_code == 0, added.output
    first = one_time_password(added.output)
    reviewer = run(
        "staff",
        "add",
        "--data-dir",
        data_dir,
        "--username",
        "review.a",
        "--role",
        "reviewer",
        "--section",
        "pension",
    )
    assert reviewer.exit_code == 0, reviewer.output
    listing = run("staff", "list", "--data-dir", data_dir)
    assert "张丽" in listing.output and "养老保险科" in listing.output and "共 3 个账号" in listing.output

    reset = run("staff", "reset-password", "--data-dir", data_dir, "zhang.li")
    second = one_time_password(reset.output)
    assert reset.exit_code == 0 and second != first
    assert run("staff", "disable", "--data-dir", data_dir, "zhang.li").exit_code == 0
    refused(run("staff", "disable", "--data-dir", data_dir, "zhang.li"), "staff_unchanged")

    with database.read() as conn:
        feed = conn.execute(sa.select(changes).where(changes.c.kind == "staff").order_by(changes.c.id)).all()
    assert [(c.scope, c.key, c.version) for c in feed] == [
        ("station:511123100-00", "zhang.li", v) for v in (1, 2, 3)
    ]
    assert verify_password(second, feed[1].data["password_hash"])
    assert feed[2].data["disabled"] is True


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["add", "--username", "Zhang", "--role", "clerk"], "staff_username_invalid"),
        (["add", "--username", "wang", "--role", "boss"], "staff_role_invalid"),
        (["add", "--username", "wang", "--role", "reviewer"], "staff_needs_section"),
        (["add", "--username", "wang", "--role", "clerk", "--station", "511102004-00"], "station_not_found"),
        (["add", "--username", "admin", "--role", "supervisor"], "staff_exists"),
        (["disable", "admin"], "staff_last_admin"),
        (["reset-password", "nobody"], "staff_not_found"),
    ],
)
def test_staff_commands_refuse_bad_arguments(data_dir: Path, args: list[str], code: str) -> None:
    message = refused(run("staff", args[0], "--data-dir", data_dir, *args[1:]), code)
    assert "请" in message


# ---- audit --------------------------------------------------------------------------


def test_audit_verify_passes_then_names_a_tampered_entry(data_dir: Path, database: Database) -> None:
    run("station", "add", "--data-dir", data_dir, "--division", "511181100", "--name", "绥山镇社保所")
    intact = run("audit", "verify", "--data-dir", data_dir)
    assert (
        intact.exit_code == 0 and "审计日志完整：共 5 条" in intact.output
    )  # init: admin + 3 reference versions; station add
    with database.write() as conn:
        conn.execute(sa.update(audit_log).where(audit_log.c.seq == 1).values(actor="mallory"))
    broken = run("audit", "verify", "--data-dir", data_dir)
    assert broken.exit_code == 1 and "Traceback" not in broken.output
    assert "第 1 条" in broken.stderr and "改动" in broken.stderr


# ---- cases --------------------------------------------------------------------------


def _case(number: str, status: str, name: str) -> dict[str, object]:
    at = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
    return {
        "case_id": f"00000000-0000-0000-0000-00000000000{number[-1]}",
        "case_number": number,
        "station_id": "511102004-00",
        "township_code": "511102004",
        "county_code": "511102",
        "item_code": "YL0101",
        "tier": "complex",
        "status": status,
        "applicant_kind": "person",
        "applicant_key": "511102199001010017",
        "applicant_name": name,
        "clerk": "zhang.li",
        "payload": {"form": {"姓名": name}},
        "accepted_at_station": at,
        "accepted_at": at,
        "received_at": at,
        "due_date": dt.date(2026, 3, 16),
    }


def test_cases_lists_with_masked_names_and_json(data_dir: Path, database: Database) -> None:
    assert "没有符合条件的案件" in run("cases", "--data-dir", data_dir).output
    with database.write() as conn:
        conn.execute(
            sa.insert(cases),
            [
                _case("511102004-00-20260302-1", "routed", "张三丰"),
                _case("511102004-00-20260302-2", "approved", "李四"),
            ],
        )
    table = run("cases", "--data-dir", data_dir)
    assert table.exit_code == 0
    assert "张**" in table.output and "李*" in table.output and "张三丰" not in table.output
    assert "待认领" in table.output and "2026-03-16" in table.output
    routed = run("cases", "--data-dir", data_dir, "--status", "routed", "--station", "511102004-00", "--json")
    records = json.loads(routed.output)
    assert [r["case_number"] for r in records] == ["511102004-00-20260302-1"]
    assert records[0]["applicant_name"] == "张三丰" and records[0]["due_date"] == "2026-03-16"
    assert records[0]["accepted_at"].startswith("2026-03-02")
    assert "没有符合条件的案件" in run("cases", "--data-dir", data_dir, "--station", "511181100-00").output


def test_cases_refuses_an_unknown_status(data_dir: Path) -> None:
    assert "routed（待认领）" in refused(run("cases", "--data-dir", data_dir, "--status", "lost"))


# ---- seed-demo ----------------------------------------------------------------------


def test_seed_demo_prints_stations_accounts_and_time(data_dir: Path, database: Database) -> None:
    result = run("seed-demo", "--data-dir", data_dir, "--persons", "400", "--seed", "3")
    assert result.exit_code == 0, result.output
    assert "完成：400 名人员" in result.output and "用时" in result.output
    assert "仅供演示" in result.output and "clerk.dafo.1" in result.output and "supervisor" in result.output
    assert len(re.findall(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", result.output)) >= 4
    again = run("seed-demo", "--data-dir", data_dir, "--persons", "400")
    refused(again, "seed_database_not_empty")
    assert "审计日志完整" in run("audit", "verify", "--data-dir", data_dir).output


def test_seed_demo_refuses_a_bad_count(data_dir: Path) -> None:
    assert "整数" in refused(run("seed-demo", "--data-dir", data_dir, "--persons", "many"))


def test_audit_verify_names_a_row_whose_json_no_longer_parses(data_dir: Path, database: Database) -> None:
    with database.write() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(sa.text("UPDATE audit_log SET detail = '{\"broken' WHERE seq = 2"))
        else:  # JSONB always parses: the damage a hand edit can do is a value that is not an object
            conn.execute(sa.text("UPDATE audit_log SET detail = '[1]'::jsonb WHERE seq = 2"))
    broken = run("audit", "verify", "--data-dir", data_dir)
    assert broken.exit_code == 1 and "Traceback" not in broken.output
    assert "第 2 条已被破坏" in broken.stderr
