"""The station window: cold start to a usable login window, and memory when idle.

Method: an enrolled station home (the test kit's: 大佛街道, clerk1, a few persons; no
server reachable, so the sync agent runs its offline rounds and backs off) in the
machine's temporary directory, on an Xvfb display at 1366×768.

* ``cold_start``: wall time from spawning ``python -m station_client --home H`` (the
  command a desktop shortcut runs) until the login window is mapped and takes input
  (the app writes ``SSB_UI_READY_FILE`` then: Python start-up, imports, Tk, fonts, the
  first screen and the station name read on the worker thread). Each run is a fresh
  process; the first run is reported apart (a cold file cache), the rest as median and
  max. With ``--bundle DIR`` the PyInstaller bundle's ``station-client`` is timed too.
* ``idle_rss``: a child process opens the window, logs clerk1 in (the real login: scrypt,
  the data key, the catalog and its pinyin index, the sync agent started), sits idle
  for ``--idle`` seconds (30) with its event loop running, then reports its resident set
  size (``VmRSS``) and peak (``VmHWM``) from ``/proc/self/status``.

Targets: cold start under 2 s, idle memory under 150 MB.

Run: ``xvfb-run -a -s "-screen 0 1366x768x24 -nolisten tcp -noreset" .venv/bin/python -m bench.station_ui``;
writes ``bench/results/station_ui.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "station_ui.json"


def make_home(root: Path) -> Path:
    from datetime import UTC, datetime

    from station_client.paths import StationPaths
    from station_client.store import meta
    from sync_server.tls import create_city_pki
    from tests.support.stationkit import make_station_home

    home = make_station_home(StationPaths.of(root / "station"))
    home.login("clerk1", now=datetime.now(UTC))  # the clerk's key is wrapped on this PC
    meta.put(home.db, meta.SERVER_URL, "https://127.0.0.1:9")
    home.paths.ca.write_bytes(create_city_pki(root / "pki", ["127.0.0.1"]).ca_cert.read_bytes())
    home.db.close()
    return home.paths.home


def cold_start(command: list[str], home: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        ready = Path(tempfile.mkdtemp(dir=home.parent)) / "ready"
        env = {**os.environ, "SSB_UI_READY_FILE": str(ready)}
        started = time.perf_counter()
        process = subprocess.Popen(
            [*command, "--home", str(home)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            while not ready.exists():
                if process.poll() is not None:
                    raise RuntimeError(process.stderr.read().decode() if process.stderr else "exited")
                if time.perf_counter() - started > 60:
                    raise RuntimeError("no login window after 60 s")
                time.sleep(0.002)
            times.append(time.perf_counter() - started)
        finally:
            process.terminate()
            process.wait(30)
    return times


def child(home: Path, idle: float) -> None:
    """Run in a child process: log in, idle, print the memory as JSON."""
    from station_client.ui.app import StationApp
    from station_client.ui.login import LoginScreen
    from station_client.ui.workbench import WorkbenchScreen
    from tests.support.stationkit import PASSWORDS

    app = StationApp(home)

    def wait(condition: object, timeout: float = 60) -> None:
        end = time.monotonic() + timeout
        while not condition():  # type: ignore[operator]
            if time.monotonic() > end:
                raise RuntimeError("timed out")
            app.update()
            time.sleep(0.01)

    wait(lambda: isinstance(app.top, LoginScreen) and app.top.winfo_ismapped())
    login = app.top
    login.username.insert(0, "clerk1")
    login.password.insert(0, PASSWORDS["clerk1"])
    login.on_enter()
    wait(lambda: isinstance(app.top, WorkbenchScreen) and app.reference is not None and app.agent is not None)
    logged_in = time.monotonic()
    app.after(int(idle * 1000), app.quit)
    app.mainloop()
    status = Path("/proc/self/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    kb = {k: int(fields[k].split()[0]) for k in ("VmRSS", "VmHWM")}
    print(
        json.dumps(
            {
                "rss_mb": kb["VmRSS"] / 1024,
                "peak_mb": kb["VmHWM"] / 1024,
                "idle_s": time.monotonic() - logged_in,
            }
        )
    )
    app.shutdown()


def summary(times: list[float]) -> dict[str, float]:
    rest = times[1:] or times
    return {
        "first_s": round(times[0], 3),
        "median_s": round(statistics.median(rest), 3),
        "max_s": round(max(rest), 3),
        "runs": len(times),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--idle", type=float, default=30.0)
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "station-client")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.idle)
        return 0
    if not os.environ.get("DISPLAY"):
        print("needs a display: run under xvfb-run", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        home = make_home(Path(tmp))
        source = cold_start([sys.executable, "-m", "station_client"], home, args.runs)
        bundle_exe = args.bundle / "station-client"
        bundled = cold_start([str(bundle_exe)], home, args.runs) if bundle_exe.exists() else None
        done = subprocess.run(
            [sys.executable, "-m", "bench.station_ui", "--child", str(home), "--idle", str(args.idle)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=args.idle + 120,
        )
        memory = json.loads(done.stdout.strip().splitlines()[-1])
    result = {
        "benchmark": "station_ui",
        "cold_start_source": summary(source),
        "cold_start_bundle": summary(bundled) if bundled else None,
        "idle_rss_mb": round(memory["rss_mb"], 1),
        "idle_peak_mb": round(memory["peak_mb"], 1),
        "idle_seconds": round(memory["idle_s"], 1),
        "targets": {"cold_start_s": 2.0, "idle_rss_mb": 150},
        "display": "Xvfb 1366x768x24",
        "machine": f"{platform.system()} {platform.machine()}, Python {platform.python_version()}",
    }
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
