"""Encrypted keystore files (the Web3 Secret Storage format that geth and eth-account use).

Keys are created, imported and unlocked on the user's machine only; nothing here talks to the API.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount

from registry.errors import SigningError


def create_keystore(
    path: Path, password: str, private_key: str | bytes | None = None, development: bool = False
) -> str:
    """Writes a new (or imported) key to `path`, encrypted with `password`; returns its address.

    `development` marks a throw-away key of the local chain: cheap scrypt parameters, an empty password,
    and a marker so the CLI unlocks it without asking."""
    if path.exists():
        raise SigningError(f"'{path}' already exists; choose another file name so no key is overwritten.")
    try:
        account = Account.from_key(private_key) if private_key is not None else Account.create()
    except Exception as exc:  # noqa: BLE001
        raise SigningError(f"That is not a valid private key: {exc}. Expected 32 bytes as 64 hex digits.") from exc
    keystore = Account.encrypt(account.key, password, iterations=2**12 if development else None)
    if development:
        keystore["datareg"] = {"development": True}
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created with owner-only permissions from the start, never world-readable even for a moment.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(keystore, handle)
    address: str = account.address
    return address


def keystore_address(path: Path) -> str:
    address: str = _read(path)["address"]
    return "0x" + address.removeprefix("0x")


def is_development_key(path: Path) -> bool:
    return bool(_read(path).get("datareg", {}).get("development"))


def load_keystore(path: Path, password: str) -> LocalAccount:
    keystore = _read(path)
    try:
        account: LocalAccount = Account.from_key(Account.decrypt(keystore, password))
        return account
    except ValueError as exc:
        raise SigningError(
            f"Cannot unlock '{path}': wrong password. Set DATAREG_KEY_PASSWORD or type the password the key "
            "was created with."
        ) from exc


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise SigningError(
            f"No key file at '{path}'. Create one with `datareg key new` or import one with `datareg key import`."
        )
    try:
        keystore: dict[str, Any] = json.loads(path.read_text())
        keystore["crypto" if "crypto" in keystore else "Crypto"]
        return keystore
    except (ValueError, KeyError) as exc:
        raise SigningError(f"'{path}' is not an encrypted keystore file (JSON with a 'crypto' section).") from exc
