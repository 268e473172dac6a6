"""``sync-server serve``: HTTPS only, through uvicorn, after checking the server can work."""

from __future__ import annotations

import os
import ssl
from typing import Any

import click

from sync_server.api import workers as worker_processes
from sync_server.commands.common import (
    CommandError,
    IntRange,
    connect,
    data_dir_option,
    require_migrated,
    settings_for,
)
from sync_server.settings import DATA_DIR_ENV, Settings

# An import string plus factory=True lets uvicorn build the app in every worker process.
APP_FACTORY = "sync_server.api.asgi:create_app_from_env"
# How long an idle keep-alive connection stays open. Well above the station's own idle expiry
# (station_client.transport.KEEPALIVE_EXPIRY_SECONDS, 5 s) and its pauses between the requests
# of a round: the station, not the server, closes an idle connection, so the station never
# sends on a connection the server has just closed (uvicorn's default, 5 s, raced it).
KEEP_ALIVE_SECONDS = 75


def uvicorn_config(settings: Settings, *, keep_alive: int = KEEP_ALIVE_SECONDS) -> dict[str, Any]:
    """What uvicorn is started with, in one process or in each worker."""
    return {
        "app": APP_FACTORY,
        "factory": True,
        "ssl_certfile": str(settings.server_cert_path),
        "ssl_keyfile": str(settings.server_key_path),
        "server_header": False,
        "timeout_keep_alive": keep_alive,
    }


def check_ready(settings: Settings) -> None:
    """Refuse to start, with the reason, when the server could not answer correctly."""
    settings.require_safe_secret()
    for path, what in ((settings.server_cert_path, "服务器证书"), (settings.server_key_path, "服务器私钥")):
        if not path.is_file():
            raise CommandError(
                "serve_tls_missing",
                f"找不到{what} {path}。请确认数据目录正确；证书由 `sync-server init` 生成。",
            )
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(
            settings.server_cert_path, settings.server_key_path
        )
    except (ssl.SSLError, OSError) as exc:
        raise CommandError(
            "serve_tls_invalid",
            f"服务器证书或私钥无法使用（{exc}）。请确认 tls/ 目录中的文件未被改动，必要时从备份恢复。",
        ) from exc
    db = connect(settings.effective_database_url, must_exist=True)
    try:
        require_migrated(db, settings.data_dir)
    finally:
        db.dispose()


@click.command("serve")
@data_dir_option
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址。")
@click.option("--port", type=IntRange(1, 65535), default=8443, show_default=True, help="监听端口。")
@click.option("--workers", type=IntRange(1, 64), default=1, show_default=True, help="工作进程数。")
@click.option(
    "--keep-alive",
    type=IntRange(10, 3600),
    default=KEEP_ALIVE_SECONDS,
    show_default=True,
    help="空闲连接保持的秒数（须长于服务站两次请求之间的间隔）。",
)
def serve(data_dir: str | None, host: str, port: int, workers: int, keep_alive: int) -> None:
    """启动同步服务器（仅 HTTPS）。"""
    import uvicorn

    settings = settings_for(data_dir)
    check_ready(settings)
    os.environ[DATA_DIR_ENV] = str(settings.data_dir)  # read by the factory in each worker
    click.echo(f"同步服务器启动：https://{host}:{port}（{workers} 个工作进程，按 Ctrl+C 停止）")
    config = uvicorn_config(settings, keep_alive=keep_alive)
    if workers > 1 and worker_processes.supported():
        # A listening socket per worker: the kernel shares the stations out (see api/workers.py).
        try:
            worker_processes.Supervisor(config, host, port, workers).run()
        except worker_processes.WorkersFailed as exc:
            raise CommandError(
                "serve_workers_failed", f"{exc}。请查看上面的错误信息；常见原因是端口 {port} 已被占用。"
            ) from None
        return
    uvicorn.run(**config, host=host, port=port, workers=workers)
