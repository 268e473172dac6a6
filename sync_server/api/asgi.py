"""The ASGI entry point for uvicorn: ``sync_server.api.asgi:create_app_from_env`` (factory).

uvicorn imports this in every worker process, so the app is built from the environment
(``SSB_DATA_DIR``, set by ``sync-server serve``) rather than from arguments.
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from sync_server.api.app import create_app
from sync_server.settings import DATA_DIR_ENV, SettingsError, load_settings


def create_app_from_env() -> FastAPI:
    data_dir = os.environ.get(DATA_DIR_ENV)
    if not data_dir:
        raise SettingsError(
            "settings_missing",
            f"未设置环境变量 {DATA_DIR_ENV}。请用 `sync-server serve --data-dir 目录` 启动服务器。",
        )
    return create_app(load_settings(data_dir))
