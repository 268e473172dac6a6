"""The station side of the crash test, run as its own process: ``python sync_crash_station.py HOME``.

Opens the home, unlocks the data key with the recovery key (``SSB_RECOVERY_KEY``), arms
the crash point named in ``SSB_CRASH_AT`` (``<point>`` or ``<point>:<times>``, see
``station_client.sync.crash_points``), says ``ready`` and runs one sync round in this
thread, in batches of ``SSB_BATCH_LIMIT`` operations. The crash point kills the process
with SIGKILL; a round that never reaches it prints ``survived`` and exits 0, which the
test reports as a failure.
"""

from __future__ import annotations

import os
import sys

from station_client.crypto.wraps import unwrap_with_recovery
from station_client.store import keys, open_store
from station_client.sync import crash_points
from station_client.sync.agent import SyncAgent


def main(home: str) -> None:
    db = open_store(home, create=False)
    wrap = keys.get_wrap(db, "recovery")
    assert wrap is not None
    dek = unwrap_with_recovery(wrap, os.environ["SSB_RECOVERY_KEY"])
    db.close()
    crash_points.arm_from_spec(os.environ["SSB_CRASH_AT"])
    agent = SyncAgent(home, dek, batch_limit=int(os.environ.get("SSB_BATCH_LIMIT", "20")))
    print("ready", flush=True)
    report = agent.run_once()
    agent.close()
    print(f"survived {report}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
