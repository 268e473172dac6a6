"""``sync-server``: the city server's command line.

A thin layer over plain functions: each command parses its arguments, calls the
library, and prints. Errors a person can fix are printed as one Chinese line on
stderr with a non-zero exit status, never as a traceback.
"""

from __future__ import annotations

import sys

import click

from schema.errors import ContractError


class _Group(click.Group):
    """A click group that turns our errors into one clear line and exit status 2."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ContractError as exc:
            click.echo(f"错误（{exc.code}）：{exc.message}", err=True)
            sys.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """乐山市社保综合柜员制 市级同步服务器。"""


def _register_commands() -> None:
    from sync_server.commands import catalog

    main.add_command(catalog.catalog)


_register_commands()
