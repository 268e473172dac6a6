"""``station-client``: the station's command line, a thin layer over the services.

Commands live one per module in :mod:`station_client.commands` and are imported only
when used (fast start, and a build without the sync agent still runs the rest)::

    enroll      commands/enroll.py      enrol this PC with the city server
    intake      commands/intake.py      take one case from a JSON file; --template prints the form
    cases       commands/cases.py       the station's cases (本站业务), by list or status, searched
    case show   commands/case_show.py   one case: applicant, decision, form, materials, fee, history
    supplement  commands/supplement.py  补正 of a returned case from a JSON file; --template prints it
    handover    commands/handover.py    the city's decision handed to the applicant (审核结果待交付)
    person find commands/person.py      a person of the township's slice by ID number, name or pinyin
    receipt     commands/receipt.py     a case's receipt printed again to a PDF file
    status      commands/status.py      outbox, attachments, last sync, catalog version
    passwd      commands/passwd.py      a clerk changes their password (the one-time one first)
    sync        commands/sync.py        one sync round (written with the sync agent)
    backup      commands/backup.py      the encrypted store copied to the backup folder; --configure DIR
    restore     commands/restore.py     a backup put into a new home (recovery key), then enroll again
    lost        commands/restore.py     cases the city holds that a restored store lacked
    gui         commands/gui.py         the station's window (also what ``station-client`` alone opens)

The desk's commands (from intake to receipt) log a clerk in (``--user``, the password from
``SSB_PASSWORD`` or a prompt), call the window's services, write the same audit entries,
and take ``--json``: one JSON document on stdout, a refusal as ``{"code", "message", "detail"}``.

Add a command by adding its module and one line to :data:`COMMANDS`.
"""

from __future__ import annotations

import importlib

import click

from station_client import __version__

# name → (module, attribute): the module holds a click command of that name.
COMMANDS: dict[str, tuple[str, str]] = {
    "enroll": ("station_client.commands.enroll", "enroll"),
    "intake": ("station_client.commands.intake", "intake"),
    "cases": ("station_client.commands.cases", "cases"),
    "case": ("station_client.commands.case_show", "case"),
    "supplement": ("station_client.commands.supplement", "supplement"),
    "handover": ("station_client.commands.handover", "handover"),
    "person": ("station_client.commands.person", "person"),
    "receipt": ("station_client.commands.receipt", "receipt"),
    "status": ("station_client.commands.status", "status"),
    "passwd": ("station_client.commands.passwd", "passwd"),
    "sync": ("station_client.commands.sync", "sync"),
    "backup": ("station_client.commands.backup", "backup"),
    "restore": ("station_client.commands.restore", "restore"),
    "lost": ("station_client.commands.restore", "lost"),
    "gui": ("station_client.commands.gui", "gui"),
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use; a missing module hides its command."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if self.get_command(ctx, name) is not None)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # not shipped (yet); a broken import inside still fails loudly
                return None
            raise
        command = getattr(module, attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(
    cls=LazyGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(
    __version__, "--version", "-V", prog_name="station-client", message="%(prog)s %(version)s"
)
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="服务站数据目录（不带命令打开窗口时使用；各命令另有自己的 --home）。",
)
@click.pass_context
def main(ctx: click.Context, home: str | None) -> None:
    """乡镇社保服务站 工作站客户端。不带命令时打开工作站窗口。"""
    if ctx.invoked_subcommand is None:
        command = ctx.command.get_command(ctx, "gui") if isinstance(ctx.command, click.Group) else None
        if command is None:
            click.echo(ctx.get_help())
            return
        ctx.invoke(command, home=home)


if __name__ == "__main__":
    main()
