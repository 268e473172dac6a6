"""`make demo`: the whole system on the embedded default (SQLite), with demo data.

Runs the real commands, in order, under ./demo-data (kept between runs):
1. `sync-server init` and `sync-server seed-demo --weeks 6` (first run only: the registry,
   then six weeks of casework at the other demo stations through the real ingest and
   review services; accounts saved to demo-data/accounts.txt). A first run that did not
   finish is started again from scratch;
2. `sync-server serve` over HTTPS on 127.0.0.1:8443, after checking that the port is free
   and bringing a kept data directory up to this release: its schema upgraded (as
   `sync-server db upgrade`) and the demo stations given the contact and receipt stock
   an older seed did not give them (both said in the output when they happen);
3. `station-client enroll` for the demo station of 大佛街道 (first run only; its recovery
   key saved to demo-data/station-recovery.txt) and `station-client status`,
then prints the URL, the CA path, where the recovery key is, the demo accounts and the
enrolment codes still usable, and keeps the server running until Ctrl-C or SIGTERM (both
stop the server). `--no-wait` stops the server after the summary (used by the tests).
"""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEMO_STATION = "511102004-00"
HISTORY_WEEKS = 6
SEEDED = ".demo-seeded"  # written in the server directory once init and seed-demo have finished
CODE = re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}\b")


class Stopped(Exception):
    """SIGTERM or SIGHUP: stop the server as Ctrl-C does."""


def _stop(signum: int, _frame: object) -> None:
    raise Stopped(signal.Signals(signum).name)


def _tool(name: str) -> str:
    path = BIN / name
    return str(path) if path.exists() else name


def run(args: list[str], *, tee: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run a command, its output shown as it comes (the seed reports its progress) and returned."""
    print(f"\n$ {' '.join(args)}", flush=True)
    command = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, env=env)
    assert command.stdout is not None
    lines = []
    try:
        for line in command.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            lines.append(line)
        command.wait()
    finally:
        if command.poll() is None:  # stopped half-way (Ctrl-C, SIGTERM): the command stops too
            command.kill()
            command.wait()
        command.stdout.close()
    output = "".join(lines)
    if command.returncode != 0:
        raise SystemExit(f"演示中止：命令失败（退出码 {command.returncode}）：{' '.join(args)}")
    if tee is not None:
        tee.write_text(output, encoding="utf-8")
    return output


def port_in_use(port: int) -> bool:
    """Whether something already listens on 127.0.0.1:``port`` (a server left from an earlier run…)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return True
            raise
    return False


def live_codes(server_dir: Path, text: str) -> set[str]:
    """The enrolment codes in ``text`` that can still enrol a station (not used, not expired)."""
    from sync_server.commands.common import open_database
    from sync_server.errors import ApiError
    from sync_server.services.admin.stations import verify_enrolment_code

    live = set()
    with open_database(str(server_dir)) as (_, db), db.read() as conn:
        for code in set(CODE.findall(text)):
            try:
                verify_enrolment_code(conn, code, dt.datetime.now(dt.UTC))
            except ApiError:
                continue
            live.add(code)
    return live


def without_void_codes(text: str, live: set[str]) -> str:
    """The stations and accounts tables of seed-demo's ``text`` without the void codes: a row
    whose code is used or expired goes, and a table left without rows goes with its heading."""
    kept = []
    for block in text.split("\n\n"):
        if not block.startswith("演示"):  # the seed's progress lines
            continue
        rows = block.splitlines()
        coded = [row for row in rows if CODE.search(row)]
        rows = [row for row in rows if all(code in live for code in CODE.findall(row))]
        if coded and not any(CODE.search(row) for row in rows):
            continue
        kept.append("\n".join(rows))
    return "\n\n".join(kept)


def upgrade_database(server_dir: Path) -> tuple[str | None, str | None]:
    """Bring a kept data directory's schema up to this release (``sync-server db upgrade``):
    a directory seeded by an older release lacks the newer tables, and serving it would answer
    500 on the first request that needs them. (revision before, after)."""
    from sync_server.commands.common import connect, settings_for
    from sync_server.db import migrate

    settings = settings_for(str(server_dir))
    db = connect(settings.effective_database_url, must_exist=True)
    try:
        before = migrate.current_revision(db)
        if before != migrate.head_revision():
            migrate.upgrade(db)
        return before, migrate.current_revision(db)
    finally:
        db.dispose()


def furnish_stations(server_dir: Path) -> list[str]:
    """The demo stations' contact and receipt stock, for those that never had them (data seeded
    by an older release): what was given, as lines to print."""
    from sync_server.commands.common import cli_actor, open_database
    from sync_server.demo.seed import DEMO_STATIONS
    from sync_server.demo.seed_stations import RECEIPTS_PER_STATION, furnish

    ids = [f"{township}-{point:02d}" for township, point, _ in DEMO_STATIONS]
    with open_database(str(server_dir)) as (_, db), db.write() as conn:
        done = furnish(conn, ids, now=dt.datetime.now(dt.UTC), actor=cli_actor())
    lines = []
    if done.contacts:
        lines.append(f"已补登 {len(done.contacts)} 个演示服务站的联系电话和地址。")
    if done.ranges:
        desk = "".join(
            f"，本站 {station} 为 {text}" for station, text in done.ranges if station == DEMO_STATION
        )
        lines.append(
            f"已给 {len(done.ranges)} 个演示服务站补发缴费收据号段（每站 {RECEIPTS_PER_STATION} 张{desk}；"
            f"查看：{_tool('sync-server')} receipts show --data-dir {server_dir}）。"
        )
    return lines


def wait_until_healthy(url: str, ca: Path, server: subprocess.Popen[bytes], seconds: float = 60) -> None:
    context = ssl.create_default_context(cafile=str(ca))
    deadline = time.monotonic() + seconds
    with httpx.Client(verify=context, timeout=2) as client:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise SystemExit("演示中止：服务器进程已退出，请查看上面的错误信息。")
            try:
                if client.get(f"{url}/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
    raise SystemExit(f"演示中止：{seconds:.0f} 秒内服务器未就绪。")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=ROOT / "demo-data")
    # 20,000 persons with their histories (~800,000 records) seed in about ten seconds on SQLite.
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument(
        "--weeks", type=int, default=HISTORY_WEEKS, help="weeks of casework seeded (first run)"
    )
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument("--no-wait", action="store_true")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGHUP, _stop)
    try:
        demo(args)
    except (KeyboardInterrupt, Stopped):
        print("\n演示服务器已停止。", flush=True)


def demo(args: argparse.Namespace) -> None:

    demo: Path = args.dir.resolve()
    server_dir, station_home = demo / "server", demo / "station-dafo"
    accounts = demo / "accounts.txt"
    url = f"https://127.0.0.1:{args.port}"
    sync_server, station_client = _tool("sync-server"), _tool("station-client")
    demo.mkdir(parents=True, exist_ok=True)

    if (server_dir / "settings.toml").exists() and not (server_dir / SEEDED).exists():
        print(f"上次生成演示数据未完成（或为旧版演示数据），重新生成：{server_dir}", flush=True)
        shutil.rmtree(server_dir)
        shutil.rmtree(station_home, ignore_errors=True)
    if not (server_dir / "settings.toml").exists():
        run(
            [
                sync_server,
                "init",
                "--data-dir",
                str(server_dir),
                "--host",
                "localhost",
                "--host",
                "127.0.0.1",
            ],
            tee=demo / "admin.txt",
        )
        run(
            [sync_server, "seed-demo", "--data-dir", str(server_dir), "--persons", str(args.persons),
             "--weeks", str(args.weeks)],
            tee=accounts,
        )  # fmt: skip
        (server_dir / SEEDED).write_text("seed-demo finished\n", encoding="utf-8")
    ca = server_dir / "tls" / "ca.pem"

    if port_in_use(args.port):
        raise SystemExit(
            f"演示中止：端口 {args.port} 已被占用，可能是上次的演示服务器仍在运行。"
            f"请先停止它（查看占用者：ss -ltnp 'sport = :{args.port}'），"
            f'或换一个端口：make demo DEMO_ARGS="--port 9443"。'
        )
    before, after = upgrade_database(server_dir)
    if before != after:
        print(
            f"演示数据目录来自旧版本：数据库结构已从 {before or '空库'} 升级到 {after}"
            f"（同 {sync_server} db upgrade --data-dir {server_dir}）。",
            flush=True,
        )
    for line in furnish_stations(server_dir):  # data seeded before the demo stations had them
        print(line, flush=True)
    server = subprocess.Popen(
        [
            sync_server,
            "serve",
            "--data-dir",
            str(server_dir),
            "--host",
            "127.0.0.1",
            "--port",
            str(args.port),
        ],
        start_new_session=True,
    )
    try:
        wait_until_healthy(url, ca, server)
        if server.poll() is not None:  # someone else answered: ours could not start
            raise SystemExit("演示中止：服务器进程已退出，请查看上面的错误信息。")
        if not (station_home / "station.db").exists():
            issued = run([sync_server, "station", "new-code", DEMO_STATION, "--data-dir", str(server_dir)])
            match = re.search(r"注册码：(\S+)", issued)
            if match is None:
                raise SystemExit("演示中止：没有拿到注册码。")
            run(
                [
                    station_client,
                    "enroll",
                    "--home",
                    str(station_home),
                    "--server",
                    url,
                    "--ca",
                    str(ca),
                    "--code",
                    match.group(1),
                ],
                tee=demo / "station-recovery.txt",
            )
        run([station_client, "status", "--home", str(station_home)])

        print("\n================ 演示环境已启动 ================")
        print(f"市级同步服务器：{url}   （健康检查 {url}/healthz）")
        print(
            f"市局业务系统（浏览器）：{url}/console   （审核 review.pension，科长 chief.pension，"
            "监管 supervisor，综合业务科 demo.admin；浏览器需信任下面的市级根证书）"
        )
        print(f"市级根证书（服务站固定信任）：{ca}")
        print(f"演示服务站（{DEMO_STATION} 大佛街道社保所）数据目录：{station_home}")
        print(f"  查看同步状态：{station_client} status --home {station_home}")
        print(
            f"  立即同步：    SSB_PASSWORD=<柜员密码> {station_client} sync --home {station_home} --user clerk.dafo.1"
        )
        recovery = demo / "station-recovery.txt"
        print(
            f"  恢复密钥：保存在 {recovery}（注册时显示过一次）。本机第一位柜员首次登录时需要输入它；"
            "所有柜员密码都丢失时，也用它恢复本机数据。"
        )
        print(f"演示账号与注册码（{accounts}）：")
        if accounts.exists():
            # An enrolment code works once and for a limited time: the used and expired ones are not shown again.
            text = accounts.read_text(encoding="utf-8")
            print(without_void_codes(text, live_codes(server_dir, text)))
            print(
                "（注册码只能用一次且有时限，已用或过期的不再显示。要再注册一个服务站，运行 "
                f"{sync_server} station add --division <乡镇代码> --name <名称> --data-dir {server_dir} "
                "登记并取得注册码。）"
            )
        else:
            print("（见首次运行的输出）")
        if args.no_wait:
            return
        print("按 Ctrl-C 停止服务器。", flush=True)
        server.wait()
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
