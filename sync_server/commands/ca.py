"""``sync-server ca init-documents``: the document CA for installs made before ``init`` created it."""

from __future__ import annotations

import click

from sync_server.commands.common import data_dir_option, settings_for, utcnow


@click.group("ca")
def ca() -> None:
    """市级证书：文档签名根证书（电子收据的签名）。"""


@ca.command("init-documents")
@data_dir_option
def init_documents(data_dir: str | None) -> None:
    """创建文档签名根证书（已有则保持不变）：服务站用它签发的证书为电子缴费收据签名。"""
    from sync_server.commands.init import fingerprint
    from sync_server.services.admin import document_ca
    from sync_server.tls import certificate_sha256

    settings = settings_for(data_dir)
    created = document_ca.create(settings.data_dir, now=utcnow())
    found = created or document_ca.load(settings.data_dir)
    assert found is not None
    folder = document_ca.ca_dir(settings.data_dir)
    click.echo(("已创建" if created else "已有") + f"文档签名根证书：{folder / document_ca.CERT_FILE}")
    click.echo(f"  指纹 SHA-256：{fingerprint(certificate_sha256(found.pem.encode()))}")
    click.echo(f"  私钥：{folder / document_ca.KEY_FILE}（仅本账号可读；请与 tls/ 一同备份）")
    click.echo("已注册的服务站在下次同步时自动申请本站的文档签名证书。")
