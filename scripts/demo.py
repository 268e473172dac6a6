"""`make demo`: the whole system on the embedded default (SQLite), with demo data.

Runs the real commands, in order, under ./demo-data (kept between runs):
1. `sync-server init` and `sync-server seed-demo` (first run only; accounts saved to
   demo-data/accounts.txt),
2. `sync-server serve` over HTTPS on 127.0.0.1:8443,
3. `station-client enroll` for the demo station of 大佛街道 (first run only) and
   `station-client status`,
then prints the URL, the CA path and the demo accounts and keeps the server running
until Ctrl-C. `--no-wait` stops the server after the summary (used by the test of this
script).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEMO_STATION = "511102004-00"


def _tool(name: str) -> str:
    path = BIN / name
    return str(path) if path.exists() else name


def run(args: list[str], *, tee: Path | None = None, env: dict[str, str] | None = None) -> str:
    print(f"\n$ {' '.join(args)}", flush=True)
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    if done.returncode != 0:
        raise SystemExit(f"演示中止：命令失败（退出码 {done.returncode}）：{' '.join(args)}")
    if tee is not None:
        tee.write_text(done.stdout, encoding="utf-8")
    return done.stdout


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
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument("--no-wait", action="store_true")
    args = parser.parse_args()

    demo: Path = args.dir.resolve()
    server_dir, station_home = demo / "server", demo / "station-dafo"
    accounts = demo / "accounts.txt"
    url = f"https://127.0.0.1:{args.port}"
    sync_server, station_client = _tool("sync-server"), _tool("station-client")
    demo.mkdir(parents=True, exist_ok=True)

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
            [sync_server, "seed-demo", "--data-dir", str(server_dir), "--persons", str(args.persons)],
            tee=accounts,
        )
    ca = server_dir / "tls" / "ca.pem"

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
        print(f"演示账号与注册码（{accounts}）：")
        print(accounts.read_text(encoding="utf-8") if accounts.exists() else "（见首次运行的输出）")
        if args.no_wait:
            return
        print("按 Ctrl-C 停止服务器。", flush=True)
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
