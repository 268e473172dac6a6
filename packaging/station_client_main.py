"""Entry point of the PyInstaller bundle: ``station-client`` (window) and ``station-client-cli``.

A windowed Windows build has no console: ``sys.stdout``/``sys.stderr`` are None there,
so they are pointed at the null device before click writes to them.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
    from station_client.cli import main

    main()
