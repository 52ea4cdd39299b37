"""What every `datareg` command shares: output for people or machines, keys, and sending operations."""
from __future__ import annotations

import getpass
import json
import os
import re
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from eth_account.signers.local import LocalAccount

from registry.cli.api_client import ApiClient
from registry.config import Deployment, Settings
from registry.errors import RegistryError, SigningError, ValidationError


class Output:
    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def result(self, data: Any, human: Callable[[Any], str]) -> None:
        if self.as_json:
            print(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            print(human(data))

    def error(self, exc: RegistryError) -> None:
        """A refusal on stderr: its message for people, or its code, message and fields as JSON."""
        if self.as_json:
            body: dict = {"error": exc.code, "message": str(exc)}
            if getattr(exc, "errors", None):
                body["errors"] = exc.errors
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


def signing_account(args, settings: Settings) -> LocalAccount:
    """The key given with --key, or the default keystore, unlocked."""
    return unlock(Path(args.key) if args.key else default_key_path(settings))


def unlock(path: Path) -> LocalAccount:
    from registry.chain.keys import is_development_key, load_keystore

    if is_development_key(path):  # written by `make run` for the local chain; its password is empty
        return load_keystore(path, "")
    return load_keystore(path, password(f"Password for {path}: "))


def chain_client(api: ApiClient, settings: Settings):
    """A chain client for the deployment the API serves (so the CLI needs no deployment file)."""
    from registry.chain.client import Chain, RegistryClient

    status = api.get("/v1/status")
    chain = Chain(settings.rpc_url, Deployment(status["chain_id"], status["contracts"], status["deploy_block"]))
    chain.check()
    return RegistryClient(chain)


def submit(api: ApiClient, settings: Settings, operation, account: LocalAccount, relayed: bool) -> dict:
    """Signs the operation here. Without --relay, as a transaction sent straight to the chain node; with it,
    as EIP-712 typed data that the API's relayer submits, paying the gas."""
    client = chain_client(api, settings)
    if not relayed:
        result = client.execute(operation, account)
        return {"asset_ids": result.asset_ids, "tx_hash": result.tx_hash, "block_number": result.block_number,
                "gas_used": result.gas_used, "events": [{"name": e.name, "args": e.args} for e in result.events]}
    # Operations with typed messages of their own are signed as such; any other goes through the forwarder.
    own_type = getattr(operation, "by_sig_function", None)
    signed = client.sign(operation, account) if own_type else client.sign_forwarded(operation, account)
    return api.post(
        f"/v1/relay/{signed.operation.name}",
        {
            "signer": signed.signer,
            "deadline": signed.deadline,
            "signature": "0x" + signed.signature.hex(),
            "operation": signed.operation.to_json(),
        },
    )


def parse_time(text: str, now: int | None = None) -> int:
    """Unix seconds from an ISO 8601 date or time (UTC unless it says otherwise), a relative '+30d', '+12h',
    '+90m', or plain unix seconds."""
    text = text.strip()
    relative = re.fullmatch(r"\+(\d+)([dhm])", text)
    if relative:
        unit = {"d": 86_400, "h": 3_600, "m": 60}[relative.group(2)]
        return (now if now is not None else int(time.time())) + int(relative.group(1)) * unit
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(
            f"'{text}' is not a time: use an ISO date such as 2027-06-30, a time such as 2027-06-30T18:00:00+08:00, "
            "or a relative time such as +30d."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp())
