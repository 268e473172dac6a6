"""`make demo` tells the truth: the script brings up the server, seeds it, enrols the demo
station and reports it in step (run here with a small registry and a free port)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_starts_the_system_and_enrols_a_station(tmp_path: Path) -> None:
    args = [sys.executable, str(ROOT / "scripts" / "demo.py"), "--dir", str(tmp_path / "demo")]
    args += ["--persons", "2000", "--port", str(_free_port()), "--no-wait"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "演示环境已启动" in done.stdout
    assert "已与服务器一致" in done.stdout  # station-client status after enrolment and first pull
    assert "review.pension" in done.stdout and "supervisor" in done.stdout
    assert "市局业务系统（浏览器）：https://127.0.0.1:" in done.stdout and "/console" in done.stdout
    assert (tmp_path / "demo" / "server" / "tls" / "ca.pem").exists()
    assert "Traceback" not in done.stdout + done.stderr
