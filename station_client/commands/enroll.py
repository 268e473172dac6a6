"""``station-client enroll``: enrol this PC as a station, pull reference data and staff,
and print the recovery key once."""

from __future__ import annotations

import ssl
from pathlib import Path

import click
import httpx

from station_client.commands.common import (
    RECOVERY_ENV,
    Failure,
    guarded,
    home_option,
    open_existing,
    paths_of,
    secret,
)
from station_client.paths import StationPaths
from station_client.services import backup as backups
from station_client.services.enrolment import enrol, initial_pull


def _client(server: str, ca: Path) -> httpx.Client:
    from station_client.transport import make_client

    try:
        return make_client(server, ca)
    except ssl.SSLError as exc:
        raise Failure(
            "ca_unusable", f"根证书文件 {ca} 无法读取（{exc.reason or exc}）：请使用综合业务科提供的 ca.pem。"
        ) from exc


def _restored_key(paths: StationPaths) -> str | None:
    """The recovery key when the home holds a store restored from a backup, else None."""
    if not paths.db.exists():
        return None
    db = open_existing(paths)
    try:
        restored = backups.needs_enrol(db)
    finally:
        db.close()
    return secret(RECOVERY_ENV, "恢复密钥（重新注册从备份恢复的数据）") if restored else None


@click.command("enroll")
@home_option
@click.option("--server", required=True, help="市局同步服务器地址，如 https://ssb.leshan.gov.cn:8443")
@click.option(
    "--ca",
    "ca",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="市局根证书（ca.pem），本机将固定信任它。",
)
@click.option("--code", required=True, help="综合业务科发放的一次性注册码。")
@click.option("--name", "station_name", default=None, help="服务站名称（可选）。")
@guarded
def enroll(home: str | None, server: str, ca: Path, code: str, station_name: str | None) -> None:
    """用注册码将本机注册为服务站，下载参考数据和人员名单，并显示一次恢复密钥。"""
    if not server.lower().startswith("https://"):
        raise Failure(
            "server_url_not_https", "服务器地址必须以 https:// 开头（只允许加密连接）：请核对后重新输入。"
        )
    paths = paths_of(home)
    ca_pem = ca.read_bytes()
    if b"-----BEGIN CERTIFICATE-----" not in ca_pem:
        raise Failure("ca_unusable", f"{ca} 不是 PEM 格式的证书：请使用综合业务科提供的 ca.pem。")
    key = _restored_key(paths)
    with _client(server, ca) as client:
        result = enrol(
            paths,
            server_url=server,
            ca_pem=ca_pem,
            code=code,
            client=client,
            station_name=station_name,
            recovery_key=key,
        )
        click.echo(f"注册成功：服务站 {result.station_code}（数据目录 {paths.home}）。")
        if result.resumed:  # a home restored from a backup: same data, same recovery key
            click.echo("从备份恢复的数据已重新注册为原服务站，恢复密钥不变；未上报的业务继续上报。")
        else:
            click.echo("")
            click.echo("恢复密钥（只显示这一次，请抄写或打印后交站长锁柜保管）：")
            click.echo(f"    {result.recovery_key}")
            click.echo("所有柜员密码都丢失时，用它恢复本机数据；本机第一位柜员首次登录时也需要输入它。")
            click.echo("")
        problem = initial_pull(paths, result.dek, client)
    if result.resumed:
        click.echo("备份之后受理、本机没有的业务（同步后）请用 station-client lost 查看。")
    if problem is None:
        click.echo("已下载业务目录、费率表、人员名单和本乡镇参保登记信息。")
    else:
        click.echo(f"注意：首次同步未完成（{problem}）联网后会自动补齐，也可运行 station-client sync。")
