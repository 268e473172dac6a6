"""``sync-server``: the city server's command line.

A thin layer over plain functions: each command parses its arguments, calls the
library, and prints. Errors a person can fix are printed as one Chinese line on
stderr with a non-zero exit status, never as a traceback: our ContractErrors, click's
usage errors (reworded in Chinese) and database connection failures.
"""

from __future__ import annotations

import sys

import click

from schema.errors import ContractError


def _param_name(param: click.Parameter | None) -> str:
    if param is None:
        return "参数"
    if isinstance(param, click.Argument):
        return param.metavar or param.human_readable_name
    return "/".join(param.opts)


def _usage_message(exc: click.UsageError) -> str:
    """click words usage errors in English; say them in Chinese."""
    hint = f"运行 `{exc.ctx.command_path} --help` 查看用法。" if exc.ctx is not None else ""
    maybe = getattr(exc, "possibilities", None)
    maybe_text = f"（是不是 {'、'.join(maybe)}？）" if maybe else ""
    if isinstance(exc, click.MissingParameter):
        return f"缺少必需的参数 {_param_name(exc.param)}。{hint}"
    if isinstance(exc, click.NoSuchOption):
        return f"没有 {exc.option_name} 这个选项{maybe_text}。{hint}"
    if isinstance(exc, click.exceptions.NoSuchCommand):
        return f"没有 {exc.command_name} 这个命令{maybe_text}。{hint}"
    if isinstance(exc, click.BadParameter):
        return f"参数 {_param_name(exc.param)} 的值无效：{exc.message}{hint}"
    if exc.message.startswith("Got unexpected extra argument"):
        return f"多出了参数 {exc.message.partition('(')[2].rstrip(')')}。{hint}"
    return f"命令用法有误（{exc.message}）。{hint}"


def _database_error(exc: Exception) -> str | None:
    from sqlalchemy.exc import InterfaceError, OperationalError

    if isinstance(exc, OperationalError | InterfaceError):
        first = (str(getattr(exc, "orig", exc)).strip().splitlines() or [""])[0][:200]
        return f"数据库出错（{first}）。请确认数据库可用后重试；如反复出现，请联系系统管理员。"
    return None


class _Group(click.Group):
    """A click group that turns our errors into one clear line and exit status 2."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ContractError as exc:
            click.echo(f"错误（{exc.code}）：{exc.message}", err=True)
            sys.exit(2)
        except click.exceptions.NoArgsIsHelpError as exc:
            exc.show()  # the help text, as click would print it
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            click.echo(f"错误：{_usage_message(exc)}", err=True)
            sys.exit(2)
        except Exception as exc:
            message = _database_error(exc)
            if message is None:
                raise
            click.echo(f"错误：{message}", err=True)
            sys.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """乐山市社保综合柜员制 市级同步服务器。"""


def _register_commands() -> None:
    from sync_server.commands import (
        audit,
        ca,
        calendar,
        cases,
        catalog,
        clearing,
        db,
        exchange,
        init,
        ledger,
        person,
        plans,
        seed,
        serve,
        staff,
        station,
        unit,
    )

    main.add_command(init.init)
    main.add_command(ca.ca)
    main.add_command(serve.serve)
    main.add_command(db.db_group)
    main.add_command(station.station)
    main.add_command(staff.staff)
    main.add_command(audit.audit)
    main.add_command(cases.cases)
    main.add_command(seed.seed_demo)
    main.add_command(catalog.catalog)
    main.add_command(clearing.clearing_report)
    main.add_command(calendar.calendar)
    main.add_command(ledger.ledger)
    main.add_command(person.person)
    main.add_command(unit.unit)
    main.add_command(exchange.exchange)
    main.add_command(plans.plans)
    from sync_server.commands import payment_plan

    payment_plan.register(plans.plans)

    from sync_server.commands import stats

    main.add_command(stats.stats)

    from sync_server.commands import closes, journal

    main.add_command(closes.closes)
    main.add_command(journal.journal)
    main.add_command(journal.month)

    from sync_server.commands import deposits

    main.add_command(deposits.deposits)
    main.add_command(deposits.notices)

    from sync_server.commands import receipts

    main.add_command(receipts.receipts)

    from sync_server.commands import backup

    main.add_command(backup.backup)

    from sync_server.commands import feed

    main.add_command(feed.feed)


_register_commands()
