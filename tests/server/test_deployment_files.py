"""The server's deployment files name commands and options that exist (they drift otherwise)."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

from click.testing import CliRunner

from sync_server.cli import main

UNIT = Path(__file__).resolve().parents[2] / "packaging" / "server" / "sync-server.service"


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read(UNIT, encoding="utf-8")
    return parser


def test_the_unit_runs_the_migrations_then_serves_https_with_workers() -> None:
    service = unit()["Service"]
    assert shlex.split(service["ExecStartPre"])[1:] == ["db", "upgrade"]
    serve = shlex.split(service["ExecStart"])
    assert serve[1] == "serve" and "--workers" in serve
    assert "SSB_DATA_DIR=/var/lib/sync-server" in service["Environment"]
    assert service["ReadWritePaths"] == "/var/lib/sync-server"
    assert service["KillSignal"] == "SIGTERM"


def test_every_option_the_unit_uses_is_accepted_by_the_command() -> None:
    service = unit()["Service"]
    runner = CliRunner()
    for key in ("ExecStartPre", "ExecStart"):
        args = shlex.split(service[key])[1:]
        command = [a for a in args if not a.startswith("-")][: 2 if args[0] == "db" else 1]
        result = runner.invoke(main, [*command, "--help"])
        assert result.exit_code == 0, result.output
        for option in (a for a in args if a.startswith("--")):
            assert option in result.output, f"{key}: {option} is not an option of {' '.join(command)}"
