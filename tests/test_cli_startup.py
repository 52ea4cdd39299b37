"""The CLI starts fast: `datareg --help`, `status`, `show` and `verify` import neither web3, eth_account,
SQLAlchemy nor FastAPI (each command's module is imported only when it runs; issue 18). Not a timing test:
the import sets are what regress, and scripts/bench_cli.py measures the time."""
from __future__ import annotations

import subprocess
import sys

import pytest

from registry.cli.main import COMMANDS, build_parser

HEAVY = ("web3", "eth_account", "eth_utils", "sqlalchemy", "fastapi", "uvicorn", "rich")


def heavy_modules_loaded(code: str) -> list[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_importing_the_cli_imports_no_heavy_module():
    """Failed before issue 18: registry.cli.main imported every command module, and with them all of HEAVY."""
    assert heavy_modules_loaded("import registry.cli.main") == []


@pytest.mark.parametrize("argv", [["--help"], ["status"], ["show", "0x" + "00" * 32], ["verify", "README.md"],
                                  ["--json", "verify", "--help"]])
def test_parsing_a_read_command_imports_no_heavy_module(argv):
    code = ("import contextlib, io\nfrom registry.cli.main import build_parser\n"
            "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
            f"    build_parser({argv!r}).parse_args({argv!r})")
    assert heavy_modules_loaded(code) == []


def test_the_command_table_matches_the_commands_modules():
    """COMMANDS (the light table `datareg --help` lists) names every command, with its module and help line."""
    parser = build_parser()  # every module's full parsers
    sub = next(a for a in parser._actions if isinstance(a, type(parser._subparsers._group_actions[0])))
    real = {choice.dest: choice.help for choice in sub._choices_actions}
    assert real == {name: help_text for name, (_, help_text) in COMMANDS.items()}
    for name, (module, _) in COMMANDS.items():
        handler = sub.choices[name].get_default("handler")
        if handler is not None:  # `key` dispatches in its own sub-parsers
            assert handler.__module__ == module, name


def test_a_command_gets_its_full_parser_and_the_others_placeholders():
    parser = build_parser(["show", "0x" + "11" * 32])
    assert parser.parse_args(["show", "0x" + "11" * 32]).handler.__name__ == "cmd_show"
    with pytest.raises(SystemExit):
        parser.parse_args(["nonsense"])
