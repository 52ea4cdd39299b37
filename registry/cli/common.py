"""What every `datareg` command shares: output for people or machines, keys, and sending operations."""
from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry.cli.api_client import ApiClient
from registry.config import Deployment, Settings
from registry.errors import ChainError, RegistryError, SigningError, ValidationError

if TYPE_CHECKING:  # eth_account costs ~0.4 s of CPU to import; only the commands that sign load it
    from eth_account.signers.local import LocalAccount

    from registry.chain.client import RegistryClient
    from registry.chain.operations import Operation


class Output:
    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def result(self, data: Any, human: Callable[[Any], str]) -> None:
        if self.as_json:
            print(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            print(human(data))

    def record(self, data: Any, human: Callable[[Any], str]) -> None:
        """One item of a stream (a feed, a history): for machines, one JSON object per line (NDJSON), which
        a reader can parse as it arrives, line by line."""
        if self.as_json:
            print(json.dumps(data, ensure_ascii=False), flush=True)
        else:
            print(human(data), flush=True)

    def error(self, exc: RegistryError) -> None:
        """A refusal on stderr: its message for people, or its code, message and fields as JSON."""
        if self.as_json:
            body: dict[str, Any] = {"error": exc.code, "message": str(exc)}
            errors = getattr(exc, "errors", None)
            if errors:
                body["errors"] = errors
            print(json.dumps(body, ensure_ascii=False), file=sys.stderr)
        else:
            print(f"error: {exc}", file=sys.stderr)

    @staticmethod
    def note(message: str) -> None:
        print(message, file=sys.stderr)


def progress_bar(label: str) -> Callable[[int, int], None]:
    """A progress bar on stderr, shown only on a terminal so logs and pipes stay clean."""
    if not sys.stderr.isatty():
        return lambda done, total: None
    started = time.monotonic()

    def show(done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        filled = int(fraction * 30)
        rate = done / max(time.monotonic() - started, 1e-6) / 1e6
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (30 - filled)}] {fraction:6.1%} {rate:7.1f} MB/s{end}")
        sys.stderr.flush()

    return show


# ─────────────────────────────────────── keys ───────────────────────────────────────


def default_key_path(settings: Settings) -> Path:
    return Path(os.environ.get("DATAREG_KEY") or settings.data_dir / "keys" / "default.json")


def password(prompt: str, confirm: bool = False) -> str:
    if "DATAREG_KEY_PASSWORD" in os.environ:
        return os.environ["DATAREG_KEY_PASSWORD"]
    if not sys.stdin.isatty():
        raise SigningError("No password: set DATAREG_KEY_PASSWORD or run the command in a terminal.")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Repeat the password: ") != first:
        raise SigningError("The two passwords differ; nothing was written.")
    return first


def signing_account(args: argparse.Namespace, settings: Settings) -> LocalAccount:
    """The key given with --key, or the default keystore, unlocked."""
    return unlock(key_path(args.key, settings) if args.key else default_key_path(settings))


def key_path(given: str, settings: Settings) -> Path:
    """--key's keystore: a path to one, or the name of one in DATA_DIR/keys (`admin` or `admin.json`, as
    `make run` writes them)."""
    key_dir = settings.data_dir / "keys"
    path = Path(given)
    if path.is_file():
        return path
    if path.name == given:  # a bare name: look it up among the keys
        named = key_dir / (given if given.endswith(".json") else f"{given}.json")
        if named.is_file():
            return named
    names = sorted(p.stem for p in key_dir.glob("*.json")) if key_dir.is_dir() else []
    known = f"the keys there are {', '.join(names)}" if names else "there are none there"
    raise SigningError(f"No key '{given}': it is neither a keystore file nor a key name in {key_dir} ({known}). "
                       "Give one of those names or a keystore's path, or create a key with `datareg key new`.")


#: --key's help on the commands that read: with it, the reads are signed (registry/chain/read_request.py).
READ_KEY_HELP = ("read as this party (a key name in DATA_DIR/keys or a keystore's path): each request carries a "
                 "signed read request, so the API shows what that party may read (application documents, objection "
                 "evidence, contact details); without it, the public answer")


def reading_client(args: argparse.Namespace, settings: Settings) -> ApiClient:
    """The API client for a command that reads: signing each read as --key's party when given, else anonymous
    (the default key is never used to read: a plain read asks for no password)."""
    given = getattr(args, "key", None)
    return ApiClient(settings.api_url, reader=unlock(key_path(given, settings)) if given else None)


def unlock(path: Path) -> LocalAccount:
    from registry.chain.keys import is_development_key, load_keystore

    if is_development_key(path):  # written by `make run` for the local chain; its password is empty
        return load_keystore(path, "")
    return load_keystore(path, password(f"Password for {path}: "))


def chain_client(api: ApiClient, settings: Settings) -> RegistryClient:
    """A chain client for the deployment the API serves (so the CLI needs no deployment file)."""
    from registry.chain.client import Chain, RegistryClient

    status = api.get("/v1/status")
    chain = Chain(settings.rpc_url, Deployment(status["chain_id"], status["contracts"], status["deploy_block"]))
    chain.check()
    return RegistryClient(chain)


def submit(
    api: ApiClient, settings: Settings, operation: Operation, account: LocalAccount, relayed: bool
) -> dict[str, Any]:
    """Signs the operation here. Without --relay, as a transaction sent straight to the chain node; with it,
    as EIP-712 typed data that the API's relayer submits, paying the gas."""
    client = chain_client(api, settings)
    if not relayed:
        try:
            result = client.execute(operation, account)
        except ChainError as exc:
            if not _unfunded(exc):
                raise
            raise ChainError(f"{exc} The key {account.address} has no ether for the gas on this chain: fund it, "
                             "or add --relay to sign the operation and have the API's relayer pay.") from None
        return {"asset_ids": result.asset_ids, "tx_hash": result.tx_hash, "block_number": result.block_number,
                "gas_used": result.gas_used, "events": [{"name": e.name, "args": e.args} for e in result.events]}
    # Operations with typed messages of their own are signed as such; any other goes through the forwarder.
    own_type = getattr(operation, "by_sig_function", None)
    signed = client.sign(operation, account) if own_type else client.sign_forwarded(operation, account)
    answer: dict[str, Any] = api.post(
        f"/v1/relay/{signed.operation.name}",
        {
            "signer": signed.signer,
            "deadline": signed.deadline,
            "signature": "0x" + signed.signature.hex(),
            "operation": signed.operation.to_json(),
        },
    )
    return answer


def _unfunded(exc: ChainError) -> bool:
    """The node refused a transaction because its sender cannot pay the gas (geth and anvil: "insufficient
    funds for gas * price + value", JSON-RPC code -32003 on some nodes)."""
    text = str(exc).lower()
    return "insufficient funds" in text or "-32003" in text


#: Times in the CLI's messages, and times given without a zone, are Beijing time (UTC+8, no daylight saving).
BEIJING = timezone(timedelta(hours=8))
#: The contracts keep times as uint64 unix seconds.
MAX_TIME = 2**64 - 1


def parse_time(text: str, now: int | None = None) -> int:
    """Unix seconds from an ISO 8601 date or time (Beijing time unless it says otherwise: 2028-06-30 is
    midnight in Beijing, 2028-06-30T12:00:00Z noon in UTC), a relative '+365d', '+12h', '+90m', or plain
    unix seconds."""
    text = text.strip()
    relative = re.fullmatch(r"\+(\d{1,12})([dhm])", text)
    if relative:
        unit = {"d": 86_400, "h": 3_600, "m": 60}[relative.group(2)]
        value = (now if now is not None else int(time.time())) + int(relative.group(1)) * unit
    elif text.isascii() and text.isdigit():
        value = int(text)
    else:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError(
                f"'{text}' is not a time: use an ISO date such as 2028-06-30 (Beijing time), a time such as "
                "2028-06-30T12:00:00+08:00, or a relative time such as +365d."
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=BEIJING)
        value = int(moment.timestamp())
    if not 0 <= value <= MAX_TIME:
        raise ValidationError(f"'{text}' is outside the times the registry can hold (1970 to the year "
                              "584,554,051,223): give a date such as 2028-06-30 or a relative time such as +365d.")
    return value


def beijing_time(value: int | str | None) -> str:
    """A moment for people: ISO 8601 in Beijing time, e.g. 2028-06-30T12:00:00+08:00, from unix seconds or
    from an ISO time as the API gives it (UTC)."""
    if value is None or value == "":
        return "-"
    try:
        if isinstance(value, str):
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        else:
            moment = datetime.fromtimestamp(value, UTC)
    except (ValueError, OverflowError, OSError):
        return f"{value}"  # beyond the calendar datetime knows (after the year 9999): as given
    return moment.astimezone(BEIJING).isoformat()


# ─────────────────────────────────────── argument types ───────────────────────────────────────
# Checked while the command line is parsed, so a bad value is refused (exit 2) before a key is unlocked or
# anything is asked of the API or the chain.


def whole_number(low: int = 0, high: int = 2**256 - 1, what: str = "a whole number") -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = text.strip()
        if not (value.isascii() and value.lstrip("-").isdigit() and len(value) <= 80):
            raise argparse.ArgumentTypeError(f"{what} from {low} to {high} is expected, got '{text}'")
        number = int(value)
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"{what} from {low} to {high} is expected, got {number}")
        return number

    parse.__name__ = what  # argparse names the type in some messages
    return parse


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a number of seconds is expected, got '{text}'") from None
    if not 0 <= value <= 86_400:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(f"seconds from 0 to 86400 are expected, got '{text}'")
    return value


def time_text(text: str) -> str:
    """A time as `parse_time` takes it, checked now and kept as written (a relative time counts from when the
    command runs)."""
    try:
        parse_time(text)
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def examples(*commands: str) -> dict[str, Any]:
    """Keyword arguments of add_parser for an `examples:` section in a command's --help, one `$ datareg ...` line
    each. tests/test_readme.py runs every such line against a stack started as `make run` starts it, ASSET_ID
    being the README's first registration."""
    return {"epilog": "examples:\n" + "\n".join(f"  $ {command}" for command in commands),
            "formatter_class": argparse.RawDescriptionHelpFormatter}


def legal_status_line(legal: dict[str, Any]) -> str:
    """The legal status in one line, its times in Beijing time."""
    parts = [f"{legal['status']} ({legal['zh']})"]
    if legal.get("stage") and legal["status"] == "in_procedure":
        parts[0] += f" at stage {legal['stage']}"
    if legal.get("certificate_number"):
        parts.append(f"certificate {legal['certificate_number']} {legal['certificate_status']}, valid until "
                     f"{beijing_time(legal['valid_until'])}")
    if legal.get("reason"):
        reason = legal["reason"]
        parts.append(f"reason {reason['key'] or reason['code']}" + (f" ({reason['zh']})" if reason["zh"] else ""))
    for r in legal["remarks"]:
        if r["type"] == "frozen":
            parts.append(f"FROZEN ({r['zh']}) under order {r['order_reference']} by {r['by']}"
                         + (f" since {beijing_time(r['since'])}" if r.get("since") else ""))
        elif r["type"] == "pledged":
            parts.append(f"PLEDGED ({r['zh']}) to {r['pledgee']}, registration {r['external_registration_no']}")
        else:
            parts.append(f"{r['type'].upper()} ({r['zh']})"
                         + (f": objection {', '.join(map(str, r['objection_ids']))}" if r.get("objection_ids") else ""))
    return "; ".join(parts)


def read_json_file(path: str, what: str) -> dict[str, Any]:
    """A signed document a command wrote (a consent, a grant, an acceptance), read back with one clear line when
    it cannot be read, is not JSON or is not an object."""
    try:
        document = json.loads(Path(path).read_text())
    except OSError as exc:
        raise ValidationError(f"Cannot read the {what} file '{path}': {exc.strerror}.") from None
    except ValueError:
        raise ValidationError(f"The {what} file '{path}' is not JSON.") from None
    if not isinstance(document, dict):
        raise ValidationError(f"The {what} file '{path}' is not a {what} (a JSON object).")
    return document


def write_json_file(path: str, document: dict[str, Any]) -> None:
    """A signed document for another party to pass on: indented UTF-8 JSON."""
    Path(path).write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
