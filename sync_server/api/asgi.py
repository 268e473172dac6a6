"""The ASGI entry point for uvicorn: ``sync_server.api.asgi:create_app_from_env`` (factory).

uvicorn imports this in every worker process, so the app is built from the environment
(``SSB_DATA_DIR``, set by ``sync-server serve``) rather than from arguments.

Each worker also gets ready before its first request (:func:`prepare_worker`): the
catalog, rate book and divisions are loaded, and the garbage collector is tuned for a
server whose requests each build tens of thousands of short-lived objects.
"""

from __future__ import annotations

import gc
import os

from fastapi import FastAPI

from sync_server.api.app import create_app
from sync_server.settings import DATA_DIR_ENV, SettingsError, load_settings

# Collect the youngest generation after this many net allocations instead of 700. A push
# of 500 operations allocates a few hundred thousand objects, nearly all freed by reference
# counting; with the default threshold the collector ran hundreds of times per push and
# took about a sixth of its time. Cycles are still collected, a little later.
GC_THRESHOLDS = (50_000, 20, 10)


def prepare_worker() -> None:
    """Load reference data now, then keep the collector off everything loaded so far."""
    from schema.catalog import load_catalog
    from schema.divisions import load_divisions
    from schema.rates import load_rates

    load_catalog()
    load_rates()
    load_divisions()
    gc.collect()
    gc.freeze()  # modules, catalog, rates: never garbage, never scanned again
    gc.set_threshold(*GC_THRESHOLDS)


def create_app_from_env() -> FastAPI:
    data_dir = os.environ.get(DATA_DIR_ENV)
    if not data_dir:
        raise SettingsError(
            "settings_missing",
            f"未设置环境变量 {DATA_DIR_ENV}。请用 `sync-server serve --data-dir 目录` 启动服务器。",
        )
    app = create_app(load_settings(data_dir))
    prepare_worker()
    return app
