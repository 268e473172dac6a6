"""``sync-server init``: a new data directory with settings, the city CA and the first administrator."""

from __future__ import annotations

import ipaddress
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import click

from sync_server.commands.common import (
    CommandError,
    cli_actor,
    connect,
    data_dir_option,
    require_data_dir,
    utcnow,
)
from sync_server.settings import SETTINGS_FILE, write_settings_file

DEFAULT_HOSTS = ("localhost", "127.0.0.1")
FIRST_ADMIN = "admin"
_HOST_NAME = re.compile(
    r"(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)


@dataclass(frozen=True)
class InitResult:
    data_dir: Path
    database: str  # the URL without its password
    revision: str | None
    ca_cert: Path
    ca_fingerprint: str
    document_ca_cert: Path
    server_fingerprint: str
    hosts: tuple[str, ...]
    admin_username: str
    admin_password: str


def _check_hosts(hosts: tuple[str, ...]) -> tuple[str, ...]:
    for host in hosts:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            if not _HOST_NAME.fullmatch(host):
                raise CommandError(
                    "init_host_invalid",
                    f"主机名「{host}」无效。--host 须为域名（如 sbj.leshan.gov.cn）或 IP 地址（如 10.1.2.3）。",
                ) from None
    return hosts


def _public_url(host: str) -> str:
    bracketed = f"[{host}]" if ":" in host else host
    return f"https://{bracketed}:8443"


def fingerprint(hex_digest: str) -> str:
    """``AB:CD:…``, the form people compare by eye."""
    return ":".join(hex_digest[i : i + 2] for i in range(0, len(hex_digest), 2)).upper()


def _create_first_admin(url: str) -> tuple[str | None, str]:
    """Migrate the database and create ``admin``; refuse a database that already has staff."""
    import sqlalchemy as sa

    from sync_server.db.migrate import current_revision, upgrade
    from sync_server.db.tables import staff
    from sync_server.services.admin.reference import publish_reference_data
    from sync_server.services.admin.staff import add_staff

    db = connect(url, must_exist=False)
    try:
        upgrade(db)
        with db.write() as conn:
            if conn.execute(sa.select(sa.func.count()).select_from(staff)).scalar_one():
                raise CommandError(
                    "init_database_in_use",
                    "该数据库已经有账号，已被另一个数据目录初始化。若要为同一数据库增加一台服务器，"
                    "请复制原数据目录（含 settings.toml 和 tls/），不要重新 init；否则请换一个空数据库。",
                )
            issued = add_staff(
                conn,
                username=FIRST_ADMIN,
                role="admin",
                display_name="系统管理员",
                now=utcnow(),
                actor=cli_actor(),
            )
            publish_reference_data(conn, utcnow(), actor=cli_actor())
        return current_revision(db), issued.password
    finally:
        db.dispose()


def initialise(data_dir: Path, *, database_url: str | None, hosts: tuple[str, ...]) -> InitResult:
    """Create the data directory. Settings are written last: they mark a finished init."""
    from sqlalchemy.engine import make_url

    from sync_server.services.admin import audit_anchor, document_ca
    from sync_server.tls import certificate_sha256, create_city_pki

    data_dir = data_dir.expanduser().resolve()
    if (data_dir / SETTINGS_FILE).exists():
        raise CommandError(
            "init_already_initialised",
            f"数据目录 {data_dir} 已经初始化过（有 {SETTINGS_FILE}），不会覆盖：覆盖会让各服务站固定信任的根证书失效。"
            "如确需重建，请换一个新目录。",
        )
    hosts = _check_hosts(hosts or DEFAULT_HOSTS)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        data_dir.chmod(0o700)
    except OSError as exc:
        raise CommandError(
            "init_data_dir_unusable", f"无法创建数据目录 {data_dir}（{exc.strerror}）。请检查路径和权限。"
        ) from exc
    url = database_url or f"sqlite:///{data_dir / 'server.db'}"
    tls = create_city_pki(data_dir / "tls", list(hosts))
    document_ca.create(data_dir, now=utcnow())  # signs the stations' PDF receipt certificates
    audit_anchor.create_key(data_dir)  # signs the audit checkpoints (back it up separately)
    revision, password = _create_first_admin(url)
    values: dict[str, str | int] = {
        "secret_key": secrets.token_urlsafe(48),
        "public_url": _public_url(hosts[0]),
    }
    if database_url:
        values["database_url"] = database_url
    write_settings_file(data_dir, values)
    return InitResult(
        data_dir=data_dir,
        database=make_url(url).render_as_string(hide_password=True),
        revision=revision,
        ca_cert=tls.ca_cert,
        ca_fingerprint=fingerprint(certificate_sha256(tls.ca_cert.read_bytes())),
        document_ca_cert=document_ca.ca_dir(data_dir) / document_ca.CERT_FILE,
        server_fingerprint=fingerprint(certificate_sha256(tls.server_cert.read_bytes())),
        hosts=hosts,
        admin_username=FIRST_ADMIN,
        admin_password=password,
    )


@click.command("init")
@data_dir_option
@click.option("--database-url", metavar="URL", help="PostgreSQL 地址；不指定则使用数据目录中的 SQLite 文件。")
@click.option("--host", "hosts", multiple=True, metavar="主机", help="服务器证书的域名或 IP，可多次指定。")
def init(data_dir: str | None, database_url: str | None, hosts: tuple[str, ...]) -> None:
    """新建数据目录：配置、市级根证书与服务器证书、数据库结构和首个管理员账号。"""
    result = initialise(require_data_dir(data_dir), database_url=database_url, hosts=hosts)
    click.echo(f"已初始化数据目录：{result.data_dir}")
    click.echo(f"  数据库：{result.database}（结构版本 {result.revision}）")
    click.echo(f"  市级根证书（各服务站安装时须预置并固定信任此文件）：{result.ca_cert}")
    click.echo(f"  根证书指纹 SHA-256：{result.ca_fingerprint}")
    click.echo(f"  服务器证书指纹 SHA-256：{result.server_fingerprint}")
    click.echo(f"  文档签名根证书（核验电子缴费收据的签名）：{result.document_ca_cert}")
    click.echo(f"  服务器证书适用于：{'、'.join(result.hosts)}")
    click.echo(f"首个管理员账号：{result.admin_username}")
    click.echo(f"一次性密码：{result.admin_password}")
    click.echo("（密码只显示这一次，请妥善转交；首次登录后必须修改。）")
    click.echo(f"下一步：sync-server serve --data-dir {result.data_dir}")
