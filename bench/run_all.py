"""`make bench`: run every benchmark in turn (each writes bench/results/<name>.json)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = [
    "server_push.py",
    "station_backlog.py",
    "station_pull.py",
    "station_intake.py",
    "station_lookup.py",
    "console_queue.py",
    "approve.py",  # keeps its seeded 1,000,000-person template for the two below
    "month_report.py",
    "plans.py",
    "station_ui.py",  # needs a display: make bench runs under xvfb-run
]


def main() -> int:
    failed = []
    for name in SCRIPTS:
        print(f"\n=== {name} ===", flush=True)
        if subprocess.run([sys.executable, str(HERE / name)], check=False).returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
