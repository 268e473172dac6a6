"""`make demo` tells the truth: the script brings up the server, seeds it with weeks of
casework, enrols the demo station and reports it in step; it stops its server on SIGTERM as
on Ctrl-C, refuses a port in use before claiming anything, and shows an enrolment code only
while it still works. Run here with a small registry, three weeks and free ports; the
demo directory is made once for the module and reused, as `make demo` reuses ./demo-data.
The desk it enrols takes a fee at once (the seed gave the demo stations a 缴费收据 range and
a contact), and a directory kept from an older release is upgraded before it is served."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from sync_server.db import migrate
from sync_server.db.engine import Database
from sync_server.db.migrate import current_revision, head_revision
from sync_server.db.tables import (
    cases,
    determinations,
    enrolments,
    ledger_entries,
    payment_plan_lines,
    persons,
    stations,
)
from sync_server.demo.seed import DEMO_STATIONS, DESK_STATION
from sync_server.demo.seed_stations import DEMO_CONTACTS
from sync_server.errors import ApiError
from sync_server.services.admin.stations import verify_enrolment_code
from sync_server.services.finance import receipt_stock

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}\b")
STARTED = "演示环境已启动"
BEIJING = dt.timezone(dt.timedelta(hours=8))
BIN = Path(sys.executable).parent
CLERK = "clerk.dafo.1"

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _demo(directory: Path, *extra: str, port: int | None = None) -> list[str]:
    args = [sys.executable, str(ROOT / "scripts" / "demo.py"), "--dir", str(directory), "--persons", "2000"]
    return [*args, "--weeks", "3", "--port", str(port or _free_port()), *extra]


def _run(directory: Path, *extra: str, port: int | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    return subprocess.run(
        _demo(directory, "--no-wait", *extra, port=port), capture_output=True, text=True, timeout=600, check=False,
        env=env,
    )  # fmt: skip


def _summary(output: str) -> str:
    return output[output.index(STARTED) :]


def _database(directory: Path) -> Database:
    return Database.from_url(f"sqlite:///{directory / 'server' / 'server.db'}")


def _void(directory: Path, codes: set[str]) -> set[str]:
    db = _database(directory)
    void = set()
    with db.read() as conn:
        for code in codes:
            try:
                verify_enrolment_code(conn, code, dt.datetime.now(dt.UTC))
            except ApiError:
                void.add(code)
    db.dispose()
    return void


@contextlib.contextmanager
def _running(directory: Path, port: int) -> Iterator[None]:
    """`make demo` serving (until Ctrl-C) while the block runs; stopped by SIGTERM after it."""
    with subprocess.Popen(_demo(directory, port=port), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          text=True) as demo:  # fmt: skip
        assert demo.stdout is not None
        seen = []
        for line in demo.stdout:
            seen.append(line)
            if "按 Ctrl-C 停止服务器" in line:
                break
        try:
            assert any(STARTED in line for line in seen), "".join(seen)
            yield
        finally:
            demo.send_signal(signal.SIGTERM)
            demo.stdout.read()
            demo.wait(timeout=60)


@pytest.fixture(scope="module")
def desk_port() -> int:
    """The first demo's port: the desk station it enrols keeps that server address."""
    return _free_port()


@pytest.fixture(scope="module")
def first(
    tmp_path_factory: pytest.TempPathFactory, desk_port: int
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """The first `make demo`: init, seed with history, serve, enrol the desk, summary, stop."""
    directory = tmp_path_factory.mktemp("demo") / "demo"
    return directory, _run(directory, port=desk_port)


def test_demo_starts_the_system_and_enrols_a_station(
    first: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    directory, done = first
    assert done.returncode == 0, done.stdout + done.stderr
    assert STARTED in done.stdout
    assert "已与服务器一致" in done.stdout  # station-client status after enrolment and first pull
    assert "review.pension" in done.stdout and "supervisor" in done.stdout
    assert "市局业务系统（浏览器）：https://127.0.0.1:" in done.stdout and "/console" in done.stdout
    assert (directory / "server" / "tls" / "ca.pem").exists()
    assert "Traceback" not in done.stdout + done.stderr


def test_demo_says_where_the_recovery_key_is_and_that_the_first_login_needs_it(
    first: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    directory, done = first
    recovery = directory / "station-recovery.txt"
    key = re.search(r"恢复密钥（只显示这一次.*?）：\s*(\S+)", recovery.read_text(encoding="utf-8"))
    assert key is not None
    summary = _summary(done.stdout)
    assert f"恢复密钥：保存在 {recovery}" in summary
    assert "第一位柜员首次登录时需要输入它" in summary


def test_demo_seeds_weeks_of_casework_across_the_city(
    first: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    directory, done = first
    history = re.search(
        r"业务历史：(\d+) 个工作日.*?受理 ([\d,]+) 笔（其中待遇资格认证 ([\d,]+) 笔），后台核准 ([\d,]+) 笔、"
        r"驳回 ([\d,]+) 笔、退回补正 ([\d,]+) 笔（已补正 ([\d,]+) 笔），窗口收费 ([\d,.]+) 元",
        done.stdout,
    )
    assert history is not None, done.stdout
    days, accepted, certified, approved, rejected, returned, supplemented, fees = (
        int(n.replace(",", "").split(".")[0]) for n in history.groups()
    )
    assert 13 <= days <= 15 and accepted > 300 and certified > 20
    assert approved > rejected > 0 and returned > supplemented > 0 and fees > 0
    today = dt.datetime.now(BEIJING).date()
    db = _database(directory)
    with db.read() as conn:
        by_status = dict(
            conn.execute(sa.select(cases.c.status, sa.func.count()).group_by(cases.c.status)).all()
        )
        open_cases = sa.and_(cases.c.status.in_(["routed", "claimed"]), cases.c.tier == "complex")
        overdue = conn.execute(
            sa.select(sa.func.count()).where(open_cases, cases.c.due_date < today)
        ).scalar_one()
        per_station = dict(conn.execute(sa.select(cases.c.station_id, sa.func.count()).group_by(cases.c.station_id)).all())  # fmt: skip
        counties = set(conn.execute(sa.select(cases.c.registration_county).distinct()).scalars())
        first_case = conn.execute(sa.select(sa.func.min(cases.c.accepted_at))).scalar_one()
        fees_posted = conn.execute(sa.select(sa.func.count()).select_from(ledger_entries)).scalar_one()
        certifications = conn.execute(
            sa.select(sa.func.count()).where(determinations.c.kind == "pension_certification")
        ).scalar_one()
        desk = conn.execute(sa.select(stations.c.last_seq).where(stations.c.id == DESK_STATION)).scalar_one()
    db.dispose()
    assert by_status["approved"] == approved and by_status["rejected"] == rejected
    assert by_status["returned"] == returned - supplemented  # the others were supplemented and decided
    assert (
        by_status["completed"] > 0 and by_status["routed"] > 0
    )  # finished at the desk; waiting in the queues
    assert overdue > 0
    assert set(per_station) == {f"{t}-{p:02d}" for t, p, _ in DEMO_STATIONS} - {DESK_STATION}
    assert len({s[:6] for s in per_station}) == 11  # a station at work in every county
    assert len(counties - {None}) >= 10  # 参保地 all over the city: the clearing has work
    assert (today - first_case.astimezone(BEIJING).date()).days >= 14
    assert fees_posted > 0 and certifications == certified
    assert desk == 0  # the desk station the demo enrols starts its outbox at 1


def test_the_payment_plan_pays_certified_pensioners(
    first: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    directory, _ = first
    month = dt.datetime.now(BEIJING).strftime("%Y-%m")
    plan = subprocess.run(
        [str(Path(sys.executable).parent / "sync-server"), "plans", "pay", "--data-dir", str(directory / "server"),
         "--month", month, "--by", "finance.maker"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert plan.returncode == 0, plan.stdout + plan.stderr
    db = _database(directory)
    with db.read() as conn:
        paid = conn.execute(
            sa.select(sa.func.count()).where(
                payment_plan_lines.c.kind.in_(["employee_pension", "resident_pension"]),
                payment_plan_lines.c.reason.is_(None),
            )
        ).scalar_one()
    db.dispose()
    assert paid > 0


def _client(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run([str(BIN / "station-client"), *args], capture_output=True, text=True, timeout=300,
                          check=False, env={**os.environ, **env})  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _flexible_worker(directory: Path) -> sa.Row[tuple[str, str]]:
    """Someone paying their own contributions (灵活就业), of 大佛街道 if possible: the small test
    registry's flexible workers may all have paid during the seeded weeks already, which is
    fine, G14 can be paid again."""
    db = _database(directory)
    with db.read() as conn:
        worker = conn.execute(
            sa.select(persons.c.name, persons.c.id_number)
            .join(enrolments, enrolments.c.id_number == persons.c.id_number)
            .where(enrolments.c.insurance_type == "enterprise_pension", enrolments.c.kind == "flexible",
                   enrolments.c.status == "active", persons.c.status == "alive")
            .order_by((persons.c.township_code == DESK_STATION[:9]).desc(),
                      persons.c.id_number.in_(sa.select(cases.c.applicant_key)), persons.c.id_number)
            .limit(1)
        ).one()  # fmt: skip
    db.dispose()
    return worker


def test_the_demo_desk_takes_a_fee_and_prints_the_receipt_number_and_its_contact(
    first: tuple[Path, subprocess.CompletedProcess[str]], desk_port: int, tmp_path: Path
) -> None:
    """A flexible worker pays at the demo desk (G14), as the clerk does it from the command line:
    the fee takes a 票据号码 from the range the seed allocated, the push is accepted, and the
    缴费收据 shows the number and the station's phone and address."""
    directory, _ = first
    home = str(directory / "station-dafo")
    accounts = (directory / "accounts.txt").read_text(encoding="utf-8")
    password = next(line.split()[-1] for line in accounts.splitlines() if line.startswith(CLERK))
    recovery = re.search(
        r"恢复密钥（只显示这一次.*?）：\s*(\S+)",
        (directory / "station-recovery.txt").read_text(encoding="utf-8"),
    )
    assert recovery is not None
    env = {"SSB_PASSWORD": password, "SSB_RECOVERY_KEY": recovery.group(1)}
    worker = _flexible_worker(directory)
    month = dt.datetime.now(BEIJING).strftime("%Y-%m")
    case = tmp_path / "G14.json"
    case.write_text(json.dumps({
        "item_code": "G14", "applicant": {"name": worker.name, "id_number": worker.id_number},
        "form": {"base": "6117", "period_start": month, "period_end": month, "include_medical": True},
        "materials_provided": ["id_card"], "scans": [],
    }, ensure_ascii=False), encoding="utf-8")  # fmt: skip
    pdf = tmp_path / "缴费收据.pdf"
    with _running(directory, desk_port):
        _client("sync", "--home", home, "--user", CLERK, env=env)  # the first login takes the recovery key
        taken = json.loads(_client("intake", "--home", home, "--user", CLERK, "--item", "G14", "--input",
                                   str(case), "--json", env=env))  # fmt: skip
        _client("sync", "--home", home, "--user", CLERK, env=env)
        _client("receipt", taken["case_number"], "--home", home, "--user", CLERK, "--kind", "payment",
                "--out", str(pdf), env=env)  # fmt: skip
    db = _database(directory)
    with db.read() as conn:
        pushed = conn.execute(
            sa.select(cases.c.status).where(cases.c.case_number == taken["case_number"])
        ).scalar_one()
        (stock,) = receipt_stock.station_ranges(conn, DESK_STATION)
    db.dispose()
    assert pushed == "completed"  # the city took the desk's G14
    printed = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    )
    text = "".join(printed.stdout.split())
    number = re.search(rf"票据号码{stock.series}-(\d{{8}})", text)
    assert number is not None, text
    assert stock.first <= int(number.group(1)) <= stock.last
    phone, address = DEMO_CONTACTS[DESK_STATION]
    assert phone in text and address in text and "未登记" not in text


def test_no_void_enrolment_code_is_shown(first: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    directory, done = first
    server = directory / "server"
    seed_output = done.stdout[done.stdout.index("seed-demo") : done.stdout.index("station new-code")]
    seeded = set(CODE.findall(seed_output))
    assert seeded and seeded <= _void(
        directory, seeded
    )  # the desk's code was replaced when the demo enrolled it
    assert not CODE.findall(_summary(done.stdout))
    # Later: one code still good, one expired; the seed's used one is still in accounts.txt's first version.
    sync_server = str(Path(sys.executable).parent / "sync-server")
    added = [
        subprocess.run(
            [sync_server, "station", "add", "--data-dir", str(server), "--division", "511102004", "--name", name],
            capture_output=True, text=True, timeout=120, check=True,
            env={**os.environ, "SSB_ENROLMENT_CODE_HOURS": hours},
        ).stdout
        for name, hours in (("大佛街道演示新站", "24"), ("大佛街道过期站", "0"))
    ]  # fmt: skip
    live, expired = (CODE.findall(out)[0] for out in added)
    accounts = directory / "accounts.txt"
    table = "\n".join(
        f"511102004-0{n}  乐山市市中区大佛街道  {code}" for n, code in enumerate((*seeded, live, expired))
    )
    accounts.write_text(
        f"演示服务站（注册码只显示这一次）：\n{table}\n\n{accounts.read_text(encoding='utf-8')}"
    )
    again = _run(directory)
    assert again.returncode == 0, again.stdout + again.stderr
    assert CODE.findall(_summary(again.stdout)) == [live]
    assert expired in _void(directory, {expired}) and not seeded & set(CODE.findall(again.stdout))


def test_a_port_in_use_is_reported_before_anything_is_claimed(
    first: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    directory, _ = first
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _run(directory, port=port)
    assert done.returncode != 0
    assert f"端口 {port} 已被占用" in done.stderr
    assert STARTED not in done.stdout and "Traceback" not in done.stderr


def test_sigterm_stops_the_server_as_ctrl_c_does(
    first: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    directory, _ = first
    port = _free_port()
    command = _demo(directory, port=port)
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as demo:
        assert demo.stdout is not None
        seen = []
        for line in demo.stdout:  # until the demo waits for Ctrl-C
            seen.append(line)
            if "按 Ctrl-C 停止服务器" in line:
                break
        assert any(STARTED in line for line in seen), "".join(seen)
        demo.send_signal(signal.SIGTERM)
        rest = demo.stdout.read()
        assert demo.wait(timeout=60) == 0
    assert "演示服务器已停止" in rest
    with socket.socket() as probe:  # nobody listens on the port any more
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    again = _run(directory, port=port)  # and the next demo gets it
    assert again.returncode == 0, again.stdout + again.stderr
    assert STARTED in again.stdout


def test_a_data_dir_from_an_older_release_is_upgraded_before_it_is_served(
    first: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    """demo-data/ kept from a release before the document certificates and the receipt stock
    (schema 0011, demo stations without contact): the demo upgrades it, says so, gives the demo
    stations what the older seed did not, and a desk enrols again (no 500 on enrol)."""
    directory, _ = first
    db = _database(directory)
    migrate.downgrade(db, "0011")
    with db.engine.begin() as conn:
        conn.execute(sa.update(stations).values(phone=None, address=None, contact_version=0))
    db.dispose()
    shutil.move(directory / "station-dafo", directory / "station-dafo-before")  # a new desk computer
    done = _run(directory)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"数据库结构已从 0011 升级到 {head_revision()}" in done.stdout
    assert f"已补登 {len(DEMO_STATIONS)} 个演示服务站的联系电话和地址" in done.stdout
    assert f"已给 {len(DEMO_STATIONS)} 个演示服务站补发缴费收据号段" in done.stdout
    assert "已与服务器一致" in done.stdout and "Traceback" not in done.stdout + done.stderr
    db = _database(directory)
    assert current_revision(db) == head_revision()
    with db.read() as conn:
        desk = conn.execute(sa.select(stations).where(stations.c.id == DESK_STATION)).one()
        ranges = receipt_stock.station_ranges(conn, DESK_STATION)
    db.dispose()
    assert (desk.phone, desk.address) == DEMO_CONTACTS[DESK_STATION] and len(ranges) == 1
