"""The README works as printed (issue 18): every command of its runnable blocks, in order, against a stack started
as `make run` starts it (scripts/run_local.py, on free ports), and every example of the CLI's `--help`.

The convention, stated in the README: a block fenced ```sh is run, line by line (a line ending in `\\` goes on),
from a directory holding the repository's examples/, scripts/ and .venv, as a newcomer would after `make run`;
a block fenced ```console is shown only (`make run` itself, `make test`). Placeholders in capitals are filled
from what came before, as a reader would fill them: ASSET_ID is the id the first `datareg register` printed,
DERIVED_ID the second's, NEW_ID the latest's, PLEDGE_ID the id `datareg pledge` printed, 0xEXCHANGE, 0xOTHER,
0xREGISTRAR and 0xREGULATOR the addresses `make run` printed for exchange-a, exchange-b, the registrar and the
regulator.
http://127.0.0.1:8000 (the API `make run` serves) is the test's own port. Each command must exit 0. One more
thing a reader would do is done by the test: before `datareg certify` it moves the chain's clock past the
publicity period (the README's review sets 2 minutes) instead of waiting.

`--help` examples: every line of a command's help that starts with `  $ datareg` is run the same way.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from registry.devchain import free_port

ROOT = Path(__file__).resolve().parents[1]

_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)


def readme_commands(text: str) -> list[str]:
    """The commands of the README's ```sh blocks, in order, continuation lines joined."""
    commands: list[str] = []
    for language, body in _BLOCK.findall(text):
        if language != "sh":
            continue
        pending = ""
        for line in body.splitlines():
            if line.rstrip().endswith("\\"):
                pending += line.rstrip()[:-1] + " "
                continue
            command = (pending + line).strip()
            pending = ""
            if command and not command.startswith("#"):
                commands.append(command)
    return commands


def test_the_runnable_blocks_are_found():
    """The extraction itself, so a README whose blocks were all renamed is not "passed" by running nothing."""
    text = "```sh\na --x \\\n  --y  # c\n\n# only a comment\nb\n```\n```console\nmake run\n```\n"
    assert readme_commands(text) == ["a --x    --y  # c", "b"]
    commands = readme_commands((ROOT / "README.md").read_text())
    assert len(commands) > 40 and any(c.startswith("datareg register") for c in commands)
    assert not any(c.startswith("make ") for c in commands)


class Session:
    """A shell user's session: a directory, an environment, and what earlier output told them."""

    def __init__(self, work: Path, env: dict[str, str], api_url: str, rpc_url: str) -> None:
        self.work, self.env, self.api_url, self.rpc_url = work, env, api_url, rpc_url
        self.values: dict[str, str] = {}
        self.transcript: list[str] = []

    def fill(self, command: str) -> str:
        command = command.replace("http://127.0.0.1:8000", self.api_url)
        for name, value in sorted(self.values.items(), key=lambda kv: -len(kv[0])):
            command = re.sub(rf"(?<![\w.]){re.escape(name)}(?![\w])", value, command)
        return command

    def run(self, command: str, timeout: float = 120) -> subprocess.CompletedProcess:
        filled = self.fill(command)
        left = re.findall(r"(?<![\w.])(?:[A-Z]+_ID|0x[A-Z]{4,})(?!\w)", re.split(r"\s#\s", filled)[0])
        assert not left, f"README command {command!r}: placeholder(s) {left} not filled by any earlier output"
        result = subprocess.run(["bash", "-c", f"source .venv/bin/activate && {filled}"], cwd=self.work,
                                env=self.env, capture_output=True, text=True, timeout=timeout)
        self.transcript.append(f"$ {filled}\n{result.stdout}{result.stderr}[exit {result.returncode}]")
        assert result.returncode == 0, "README command failed as printed:\n" + "\n".join(self.transcript[-3:])
        return result

    def chain(self, method: str, params: list) -> object:
        return httpx.post(self.rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
                          timeout=10).json()["result"]


@pytest.fixture(scope="module")
def newcomer(tmp_path_factory):
    """scripts/run_local.py as `make run` runs it, on free ports, from a directory like a fresh checkout's (the
    examples, the scripts and the virtualenv), whose .datareg it fills; yields the session and what it printed."""
    work = tmp_path_factory.mktemp("newcomer")
    for name in ("examples", "scripts", ".venv"):
        (work / name).symlink_to(ROOT / name)
    api_port, anvil_port = free_port(), free_port()
    env = {**os.environ, "DATAREG_API_URL": f"http://127.0.0.1:{api_port}",
           "DATAREG_RPC_URL": f"http://127.0.0.1:{anvil_port}", "PYTHONPATH": str(ROOT),
           "DATAREG_KEY_PASSWORD": ""}
    for name in ("DATAREG_DATA_DIR", "DATAREG_DATABASE_URL", "DATAREG_DEPLOYMENT", "DATAREG_KEY", "DATAREG_IPFS_API"):
        env.pop(name, None)
    process = subprocess.Popen([sys.executable, "scripts/run_local.py"], cwd=work, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True).start()
    try:
        deadline = time.monotonic() + 180
        while not any("Press Ctrl-C" in line for line in lines):
            assert process.poll() is None and time.monotonic() < deadline, "make run did not start:\n" + "".join(lines)
            time.sleep(0.2)
        printed = "".join(lines)
        session = Session(work, env, env["DATAREG_API_URL"], env["DATAREG_RPC_URL"])
        for line in printed.splitlines():
            found = re.match(r"\s+(0x[0-9a-fA-F]{40})\s+\w+\s+([\w-]+)\.json", line)
            if found:
                session.values[{"exchange-a": "0xEXCHANGE", "exchange-b": "0xOTHER", "registrar": "0xREGISTRAR",
                                "regulator": "0xREGULATOR", "appraiser": "0xAPPRAISER",
                                "authority": "0xAUTHORITY"}[found[2]]] = found[1]
        yield session, printed
    finally:
        os.killpg(process.pid, 15)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()


def _learn(session: Session, command: str, output: str) -> None:
    """What a reader takes from a command's output for the commands after it."""
    if command.startswith(("datareg register", "datareg derive")):
        asset = re.search(r"0x[0-9a-f]{64}", output)
        assert asset, output
        name = "ASSET_ID" if "ASSET_ID" not in session.values else "DERIVED_ID"
        session.values.setdefault(name, asset[0])
        session.values.setdefault("SOURCE_ID", session.values["ASSET_ID"])
        session.values["NEW_ID"] = asset[0]  # the latest: a --help example's own asset (the README's may be gone)
    authorisation = re.search(r"^Authorisation (\d+) recorded", output, re.M)
    if authorisation:
        session.values["AUTHORISATION_ID"] = authorisation[1]
    engagement = re.search(r"engagement id\s+(\d+)", output)
    if engagement:
        session.values["ENGAGEMENT_ID"] = engagement[1]
    pledge = re.search(r"pledge id\s+(0x[0-9a-f]{64})", output)
    if pledge:
        session.values["PLEDGE_ID"] = pledge[1]

@pytest.mark.stack
def test_every_readme_command_works_as_printed(newcomer):
    session, printed = newcomer
    assert {"0xEXCHANGE", "0xOTHER", "0xREGISTRAR"} <= set(session.values), printed
    for command in readme_commands((ROOT / "README.md").read_text()):
        if command.startswith("datareg certify"):
            session.chain("evm_increaseTime", [180])  # the README's publicity ends 2 minutes after review
            session.chain("evm_mine", [])
        result = session.run(command)
        if command.startswith("curl"):  # curl -s exits 0 on an HTTP error: the answer must be the API's JSON
            answer = json.loads(result.stdout)
            assert "error" not in answer and answer.get("count"), f"{command}: {result.stdout[:300]}"
        _learn(session, command, result.stdout)
    assert len(session.transcript) > 40


def help_examples() -> list[str]:
    from registry.cli.main import build_parser

    parser = build_parser()
    commands = []
    subparsers = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, sub in subparsers.choices.items():
        for line in sub.format_help().splitlines():
            if line.startswith("  $ datareg"):
                commands.append((name, line.strip()[2:]))
    return commands


@pytest.mark.stack
def test_help_examples_work_as_printed(newcomer):
    session, _ = newcomer
    examples = help_examples()
    assert examples, "no `$ datareg` example in any command's --help"
    if "ASSET_ID" not in session.values:  # run alone: the README's two registrations, which the examples name
        for command in ("datareg register examples/traffic-flow.csv --metadata examples/traffic-flow.json",
                        "datareg register examples/retail-footfall.csv --metadata "
                        "examples/retail-footfall-derived.json"):
            _learn(session, command, session.run(command).stdout)
    for _name, command in examples:
        result = session.run(command)
        _learn(session, command, result.stdout)
