"""``station-client``: the station's command line (the desktop UI arrives with its issue)."""

from __future__ import annotations

import click


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """乡镇社保服务站 工作站客户端。"""
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())
