"""The CLI never prints a traceback (issue 14, item 8): every command, run with hostile values in each of its
arguments, ends with one line on stderr; a value its argument cannot take is refused with exit status 2 before
anything else happens. Times in its messages are ISO 8601 in Beijing time, and are accepted in either form."""
from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from registry.chain.keys import create_keystore
from registry.cli.common import beijing_time, parse_time
from registry.cli.main import build_parser, main
from registry.errors import ValidationError

ASSET = "0x" + "ab" * 32
ADDRESS = "0x70997970C51812dc3A010C7d01b93b8C69dc79C8"
#: Values no typed argument can take (negative, huge, empty, unicode digits and text, not a number, out of any
#: calendar), tried on every argument that is checked while parsing.
HOSTILE = ["-5", "9" * 100, "", "数据资产", "²", "1.5", "nan", "+99999999999999999d", "2028-13-45"]
#: Free-text arguments (names, files, ids checked by the command) get fewer: each run reaches for the API.
HOSTILE_TEXT = ["", "-5", "数据资产\u202e\x1b[31m"]
# `api` serves and `index run` follows the chain until stopped: not one-shot commands.
LONG_RUNNING = {"api"}


def commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    """(argv prefix, parser) of every command, subcommands of subcommands included."""
    subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subparsers:
        yield prefix, parser
        return
    for name, child in subparsers[0].choices.items():
        if name not in LONG_RUNNING:
            yield from commands(child, (*prefix, name))


def takes_value(action: argparse.Action) -> bool:
    return action.nargs != 0 and not isinstance(action, (argparse._HelpAction, argparse._SubParsersAction))


def plausible(action: argparse.Action, files: Path) -> str:
    """A value of the kind the argument takes, so that only the hostile one is wrong."""
    if action.choices:
        return "check" if "check" in action.choices else next(iter(action.choices))
    name = action.dest
    if action.type is not None:
        return "+30d" if "time" in getattr(action.type, "__name__", "") else "1"
    if name in ("asset_id", "pledge_id", "asset", "source"):
        return ASSET
    if name in ("address", "to", "exchange", "holder", "registrar", "pledgee", "party", "contract"):
        return ADDRESS
    if name in ("file", "metadata", "consent", "terms", "evidence", "report", "documents", "offer_terms"):
        return str(files / "data.json")
    if name == "right":
        return "1"
    return "x"


def typed(action: argparse.Action) -> bool:
    return action.type is not None or bool(action.choices)


def cases():
    for prefix, _ in commands(build_parser()):
        yield pytest.param(prefix, id=" ".join(prefix))


def argv_for(prefix, parser: argparse.ArgumentParser, dest: str, hostile: str, files: Path) -> list[str]:
    positionals, options = [], []
    for action in parser._actions:
        if not takes_value(action):
            continue
        value = hostile if action.dest == dest else plausible(action, files)
        if not action.option_strings:
            positionals.append(value)
        elif action.dest == dest or action.required:
            options += [action.option_strings[-1] + "=" + value] if value.startswith("-") else \
                       [action.option_strings[-1], value]
    return [*prefix, *options, "--", *positionals] if positionals else [*prefix, *options]


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """No API and no chain node (connections refused at once), a development key that unlocks without a
    password, and a scratch working directory for anything a command writes."""
    for name, value in {"DATAREG_API_URL": "http://127.0.0.1:9", "DATAREG_RPC_URL": "http://127.0.0.1:9",
                        "DATAREG_DATA_DIR": str(tmp_path / "data"), "DATAREG_KEY_PASSWORD": "",
                        "DATAREG_IMPORT_KEY": "not a key"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DATAREG_KEY", raising=False)
    create_keystore(tmp_path / "data" / "keys" / "default.json", "", development=True)
    (tmp_path / "data.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    # One parser for every run (building it costs a tenth of a second; parsing leaves it as it was).
    parser = build_parser()
    monkeypatch.setattr("registry.cli.main.build_parser", lambda *argv: parser)
    return tmp_path


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    try:
        status = main(argv)
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("prefix", list(cases()))
def test_every_command_answers_hostile_arguments_without_a_traceback(offline, capsys, prefix) -> None:
    """Fails on the old code: argparse's refusals printed the usage block (several lines), and values that
    passed it (a negative or huge --quantity, a unicode digit as a right number) ended in a traceback or
    reached the chain; now a value the argument cannot take is refused at once with exit status 2. Every
    argument of the command in turn gets each hostile value, the others plausible ones."""
    parser = dict(commands(build_parser()))[prefix]
    for action in parser._actions:
        if not takes_value(action):
            continue
        for hostile in HOSTILE if typed(action) else HOSTILE_TEXT:
            argv = argv_for(prefix, parser, action.dest, hostile, offline)
            status, out, err = run(argv, capsys)
            assert "Traceback" not in out + err, (argv, err)
            if status == 0:  # a value the argument may hold (a name, a file name), and nothing else was needed
                continue
            assert status in (1, 2), (argv, status, err)
            # One line; a refusal listing several problems (a metadata document's) puts each on a line below.
            first, *more = err.rstrip("\n").split("\n")
            assert "error: " in first and all(line.lstrip().startswith("- ") for line in more), (argv, err)
            if typed(action) and not _acceptable(action, hostile):
                assert status == 2, (argv, err)


def _acceptable(action: argparse.Action, value: str) -> bool:
    if action.choices:
        return value in action.choices
    try:
        action.type(value)
        return True
    except (argparse.ArgumentTypeError, ValueError, TypeError):
        return False


@pytest.mark.parametrize("argv, says", [
    (["grant", ASSET, "--right", "usage", "--to", ADDRESS, "--quantity=-5"], "a quantity from 0 to"),
    (["grant", ASSET, "--right", "usage", "--to", ADDRESS, "--quantity", "9" * 90], "a quantity from 0 to"),
    (["grant", ASSET, "--right", "usage", "--to", ADDRESS, "--until", "2028-13-45"], "is not a time"),
    (["grant", ASSET, "--right", "usage", "--to", ADDRESS, "--until", "+99999999999999999d"], "is not a time"),
    (["grant", ASSET, "--right", "usage", "--to", ADDRESS, "--until", "99999999999999999999999"],
     "outside the times"),
    (["renew", ASSET, "²", "--until", "+30d"], "a right number"),
    (["revoke", ASSET, "-1", "--reason", "other"], "a right number"),
    (["listing", "suspend", "--", "-5"], "a listing number"),
    (["feed", "--exchange", ADDRESS, "--after", "abc"], "a cursor"),
    (["register", "data.json", "--metadata", "data.json", "--wait", "nan"], "seconds from 0 to 86400"),
    (["grant", "数据", "--right", "usage", "--to", ADDRESS], "is not an asset id"),
    (["grant", ASSET, "--right", "usage", "--to", "数据"], "address"),
    (["object", ASSET, "--reason", "dispute"], "use one of unlawful_source (1), ownership_dispute (2)"),
    (["return", ASSET, "--reason", "7"], "Unknown return reason '7': use one of missing_material (1)"),
    (["review", ASSET, "--terminate", "--reason", "x"], "national_security (1)"),
    (["cancel", ASSET, "--reason", "whim"], "request (1), data_destroyed (2)"),
    (["revoke", ASSET, "4", "--reason", "whim"], "breach_of_terms (1)"),
    (["revoke-attestation", "1", "--reason", "whim"], "error (1)"),
])
def test_bad_values_are_refused_with_exit_2_and_one_line(offline, capsys, argv, says) -> None:
    """Fails on the old code: `grant --quantity -5` (and huge quantities) printed a Python traceback, and a
    malformed id or address exited with status 1 like a failure of the chain."""
    status, out, err = run(argv, capsys)
    assert status == 2, err
    assert "Traceback" not in out + err
    assert len(err.strip().split("\n")) == 1 and says in err, err


@pytest.mark.parametrize("text, expected", [
    ("2028-06-30", "2028-06-30T00:00:00+08:00"),
    ("2028-06-30T12:00:00+08:00", "2028-06-30T12:00:00+08:00"),
    ("2028-06-30T04:00:00Z", "2028-06-30T12:00:00+08:00"),
    ("1845936000", "2028-06-30T08:00:00+08:00"),
])
def test_times_are_accepted_in_either_form_and_printed_in_beijing_time(text: str, expected: str) -> None:
    """Fails on the old code: `renew` printed "now runs until 1845936000 (unix time)", and a bare date meant
    midnight UTC."""
    assert beijing_time(parse_time(text)) == expected
    assert parse_time("+365d", now=1_000) == 1_000 + 365 * 86_400
    assert beijing_time("2028-06-29T16:00:00Z") == "2028-06-30T00:00:00+08:00"  # as the API gives times
    with pytest.raises(ValidationError, match="not a time"):
        parse_time("30 June")
