"""`datareg key`: create or import an encrypted keystore; keys never leave this machine."""
from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path
from typing import Any

from registry.cli.common import Output, default_key_path, password
from registry.config import Settings


def cmd_key_new(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    from registry.chain.keys import create_keystore

    path = Path(args.out) if args.out else default_key_path(settings)
    private_key = None
    if args.command_key == "import":
        private_key = (os.environ.get("DATAREG_IMPORT_KEY") or getpass.getpass("Private key (hex): ")).strip()
    address = create_keystore(path, password(f"Password for the new key {path}: ", confirm=True), private_key)
    out.result(
        {"address": address, "keystore": str(path)},
        lambda d: f"Key {d['address']} saved, encrypted, in {d['keystore']}.\n"
        "Keep the password safe: without it the key cannot be used, and nobody can recover it.",
    )


# ─────────────────────────────────────── commands ───────────────────────────────────────




def add_parsers(sub: Any) -> None:
    key = sub.add_parser("key", help="create or import an encrypted key")
    key_sub = key.add_subparsers(dest="command_key", required=True, metavar="ACTION")
    for name, help_text in (("new", "create a new key"), ("import", "import a private key (asked for, or "
                                                                        "DATAREG_IMPORT_KEY)")):
        p = key_sub.add_parser(name, help=help_text)
        p.add_argument("--out", help="keystore file (default: DATA_DIR/keys/default.json)")
        p.set_defaults(handler=cmd_key_new)

