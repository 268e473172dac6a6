"""Started with no display, the client says so in one clear line and exits non-zero, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys


def test_no_display_gives_one_chinese_line_and_a_non_zero_status(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY")}
    for args in ([], ["gui"]):
        done = subprocess.run(
            [sys.executable, "-m", "station_client.cli", *args, "--home", str(tmp_path / "station")],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        assert done.returncode != 0
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, done.stderr
        assert "无法打开工作站窗口" in lines[0] and "DISPLAY" in lines[0]
        assert "Traceback" not in done.stderr + done.stdout
