"""The station side of the SIGKILL test, run as its own process: ``python sync_crash_station.py HOME``.

Opens the home, unlocks the data key with the recovery key (``SSB_RECOVERY_KEY``), says
``ready`` and runs the sync agent's own loop (small batches, so there are many
transactions to die in; backoff as in production) until it is killed. It is meant to be
killed: it never stops on its own.
"""

from __future__ import annotations

import os
import sys
import time

from station_client.crypto.wraps import unwrap_with_recovery
from station_client.store import keys, open_store
from station_client.sync.agent import SyncAgent


def main(home: str) -> None:
    db = open_store(home, create=False)
    wrap = keys.get_wrap(db, "recovery")
    assert wrap is not None
    dek = unwrap_with_recovery(wrap, os.environ["SSB_RECOVERY_KEY"])
    db.close()
    agent = SyncAgent(home, dek, batch_limit=20, interval=5.0)
    print("ready", flush=True)
    agent.start()
    while True:
        time.sleep(60)


if __name__ == "__main__":
    main(sys.argv[1])
