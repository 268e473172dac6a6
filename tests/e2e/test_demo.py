"""`make demo` tells the truth: the script brings up the server, seeds it with weeks of
casework, enrols the demo station and reports it in step; it stops its server on SIGTERM as
on Ctrl-C, refuses a port in use before claiming anything, and shows an enrolment code only
while it still works. Run here with a small registry, three weeks and free ports; the
demo directory is made once for the module and reused, as `make demo` reuses ./demo-data."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from sync_server.db.engine import Database
from sync_server.db.tables import cases, determinations, ledger_entries, payment_plan_lines, stations
from sync_server.demo.seed import DEMO_STATIONS, DESK_STATION
from sync_server.errors import ApiError
from sync_server.services.admin.stations import verify_enrolment_code

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}\b")
STARTED = "演示环境已启动"
BEIJING = dt.timezone(dt.timedelta(hours=8))

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


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """The first `make demo`: init, seed with history, serve, enrol the desk, summary, stop."""
    directory = tmp_path_factory.mktemp("demo") / "demo"
    return directory, _run(directory)


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
