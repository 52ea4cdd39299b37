"""`datareg`: the command line for data holders, exchanges and auditors.

Keys are unlocked and transactions signed in this process; only signed bytes and public documents leave
the machine. Output is for people by default and JSON with --json.
"""
from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

from eth_account.signers.local import LocalAccount

from registry.chain.operations import Register
from registry.chain.types import RightKind, Source, asset_id_hex, checksum
from registry.cli.api_client import ApiClient
from registry.config import Deployment, Settings
from registry.errors import RegistryError, SigningError, ValidationError

KIND_CHOICES = "holding, usage, operating or all"


# ─────────────────────────────────────── output ───────────────────────────────────────


class Output:
    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def result(self, data: Any, human: Callable[[Any], str]) -> None:
        if self.as_json:
            print(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            print(human(data))

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


def unlock(path: Path) -> LocalAccount:
    from registry.chain.keys import is_development_key, load_keystore

    if is_development_key(path):  # written by `make run` for the local chain; its password is empty
        return load_keystore(path, "")
    return load_keystore(path, password(f"Password for {path}: "))


def cmd_key_new(args, settings: Settings, out: Output) -> None:
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


def parse_holder(text: str) -> list[tuple[str, RightKind]]:
    kind, sep, address = text.partition("=")
    if not sep:
        raise ValidationError(f"--holder '{text}' should be KIND=ADDRESS, where KIND is {KIND_CHOICES}.")
    address = checksum(address.strip(), "holder address")
    if kind.strip().lower() == "all":
        return [(address, k) for k in RightKind]
    return [(address, RightKind.parse(kind))]


def cmd_fingerprint(args, settings: Settings, out: Output) -> None:
    from registry.content import fingerprint_file

    fp = fingerprint_file(Path(args.file), progress_bar("Fingerprinting"))
    out.result(
        {"file": args.file, "size": fp.size, "sha256": fp.sha256_hex, "cid": fp.cid},
        lambda d: f"{d['file']}\n  size    {d['size']:,} bytes\n  sha256  {d['sha256']}\n  cid     {d['cid']}",
    )


def cmd_metadata_check(args, settings: Settings, out: Output) -> None:
    from registry.content import fingerprint_bytes
    from registry.metadata import canonical_bytes
    from registry.prepare import load_metadata

    document = load_metadata(Path(args.file))
    cid = fingerprint_bytes(canonical_bytes(document)).cid
    out.result({"file": args.file, "valid": True, "cid": cid, "name": document.name},
               lambda d: f"{d['file']} is a valid metadata document ({d['name']}); content id {d['cid']}.")


def resolve_sources(api: ApiClient, texts: list[str], registrant: str) -> list[Source]:
    """--source ASSET_ID[:RIGHT_INDEX]; without an index, the registrant's valid usage right is looked up."""
    sources = []
    for text in texts:
        asset_part, _, index_part = text.partition(":")
        asset_id = asset_id_hex(asset_part)
        if index_part:
            sources.append(Source(asset_id, int(index_part)))
            continue
        usable = [
            r for r in api.get(f"/v1/assets/{asset_id}/rights")["rights"]
            if r["kind"] == "usage" and r["holder"] == registrant and r["valid"]
        ]
        if not usable:
            raise ValidationError(
                f"You ({registrant}) hold no valid usage right over source '{asset_id}', which derived data "
                "requires. Ask a holder of its usage right for a grant first."
            )
        sources.append(Source(asset_id, usable[0]["right_index"]))
    return sources


def cmd_register(args, settings: Settings, out: Output) -> None:
    from registry.prepare import load_metadata, prepare_registration

    # Everything that can be refused locally is checked before the key is unlocked or anything is sent.
    document = load_metadata(Path(args.metadata))
    if not Path(args.file).is_file():
        raise ValidationError(f"There is no file '{args.file}' to register.")
    explicit = [pair for text in args.holder for pair in parse_holder(text)]
    api = ApiClient(settings.api_url)
    account = unlock(Path(args.key) if args.key else default_key_path(settings))
    sources = resolve_sources(api, args.source or [str(s) for s in document.sources], account.address)
    prepared = prepare_registration(
        Path(args.file), document, account.address, explicit, sources, progress_bar("Fingerprinting")
    )
    stored = api.post("/v1/metadata", json.loads(prepared.metadata_bytes))
    if stored["cid"] != prepared.metadata_cid:
        raise ValidationError(
            f"The API stored the metadata as '{stored['cid']}' but it hashes to '{prepared.metadata_cid}' here; "
            "the two disagree on the canonical form. Nothing was registered."
        )
    result = submit(api, settings, Register(prepared.registration), account, args.relay)
    asset_id = result["asset_ids"][0]
    receipt_at = time.monotonic()
    visible_after = None if args.no_wait else api.wait_for_asset(asset_id, timeout=args.wait)
    data = {
        "asset_id": asset_id,
        "name": document.name,
        "registrant": account.address,
        "sha256": prepared.fingerprint.sha256_hex,
        "content_cid": prepared.fingerprint.cid,
        "metadata_cid": prepared.metadata_cid,
        "tx_hash": result["tx_hash"],
        "block_number": result["block_number"],
        "gas_used": result["gas_used"],
        "relayed": args.relay,
        "visible_in_api_after_ms": round((visible_after - receipt_at) * 1000, 1) if visible_after else None,
        "url": f"{settings.api_url}/v1/assets/{asset_id}",
    }

    def human(d: dict) -> str:
        lines = [
            f"Registered {d['name']}",
            f"  asset id      {d['asset_id']}",
            f"  sha256        {d['sha256']}",
            f"  data cid      {d['content_cid']}",
            f"  metadata cid  {d['metadata_cid']}",
            f"  transaction   {d['tx_hash']} (block {d['block_number']}, {d['gas_used']:,} gas"
            + (", relayed)" if d["relayed"] else ")"),
        ]
        if d["visible_in_api_after_ms"] is not None:
            lines.append(f"  indexed       visible in the API {d['visible_in_api_after_ms']} ms after the receipt")
        lines.append(f"  see           {d['url']}")
        return "\n".join(lines)

    out.result(data, human)


def _client(api: ApiClient, settings: Settings):
    """A chain client for the deployment the API serves (so the CLI needs no deployment file)."""
    from registry.chain.client import Chain, RegistryClient

    status = api.get("/v1/status")
    chain = Chain(settings.rpc_url, Deployment(status["chain_id"], status["contracts"]["DataRegistry"],
                                               status["deploy_block"]))
    chain.check()
    return RegistryClient(chain)


def submit(api: ApiClient, settings: Settings, operation, account: LocalAccount, relayed: bool) -> dict:
    """Signs the operation here. Without --relay, as a transaction sent straight to the chain node; with it,
    as EIP-712 typed data that the API's relayer submits, paying the gas."""
    client = _client(api, settings)
    if not relayed:
        result = client.execute(operation, account)
        return {"asset_ids": result.asset_ids, "tx_hash": result.tx_hash, "block_number": result.block_number,
                "gas_used": result.gas_used, "events": [{"name": e.name, "args": e.args} for e in result.events]}
    signed = client.sign(operation, account)
    return api.post(
        f"/v1/relay/{operation.name}",
        {
            "signer": signed.signer,
            "deadline": signed.deadline,
            "signature": "0x" + signed.signature.hex(),
            "operation": operation.to_json(),
        },
    )


def render_asset(a: dict) -> str:
    flags = [name for name, on in (("personal information", a["personal_information"]),
                                   ("sensitive", a["sensitive_personal_information"]),
                                   ("export allowed", a["export_allowed"]), ("derived", a["derived"])) if on]
    lines = [
        f"{a['name'] or '(metadata not available)'}",
        f"  asset id        {a['asset_id']}",
        f"  status          {a['status']}, version {a['version']}",
        f"  classification  {a['classification']}" + (f"; {', '.join(flags)}" if flags else ""),
        f"  registrant      {a['registrant']}" + (f" (relayed by {a['submitter']})"
                                                  if a["submitter"] != a["registrant"] else ""),
        f"  registered      {a['registered_at']} in block {a['registered_block']}",
        f"  sha256          {a['content_hash']}",
        f"  metadata cid    {a['metadata_cid']}",
        "  rights",
    ]
    for r in a["rights"]:
        state = "valid" if r["valid"] else f"not valid: {r['invalid_reason']}"
        parent = f" from right {r['parent_index']}" if r["parent_index"] else ""
        lines.append(f"    #{r['right_index']:<3} {r['kind']:<10} {r['kind_zh']:<8} {r['holder']}{parent}  ({state})")
    for s in a["sources"]:
        lines.append(f"  derived from    {s['asset_id']} (usage right #{s['right_index']})")
    for d in a["derived_assets"]:
        lines.append(f"  source of       {d['asset_id']}")
    if a.get("evidence"):
        e = a["evidence"]
        lines.append(f"  evidence        chain {e['chain_id']}, contract {e['contract']}")
        lines.append(f"                  tx {e['tx_hash']} log {e['log_index']}")
        lines.append(f"                  block {e['block_number']} {e['block_hash']}")
    return "\n".join(lines)


def cmd_show(args, settings: Settings, out: Output) -> None:
    asset = ApiClient(settings.api_url).get(f"/v1/assets/{asset_id_hex(args.asset_id)}")
    out.result(asset, render_asset)


def cmd_status(args, settings: Settings, out: Output) -> None:
    status = ApiClient(settings.api_url).get("/v1/status")
    out.result(
        status,
        lambda s: f"chain {s['chain_id']}, registry {s['contracts']['DataRegistry']}\n"
        f"head block {s['head_block']}, indexed {s['indexed_block']} (lag {s['lag_blocks']}), "
        f"database {s['database']}",
    )


def cmd_deploy(args, settings: Settings, out: Output) -> None:
    from registry.chain.deploy import deploy
    from registry.devchain import DEPLOYER_ACCOUNT, dev_key, require_dev_chain

    key = os.environ.get("DATAREG_DEPLOYER_KEY")
    deployment = deploy(settings.rpc_url, key or dev_key(DEPLOYER_ACCOUNT))
    if not key:
        require_dev_chain(deployment.chain_id, "Deploying without DATAREG_DEPLOYER_KEY")
    deployment.save(settings.deployment_file)
    out.result(
        {"chain_id": deployment.chain_id, "DataRegistry": deployment.registry, "block": deployment.deploy_block,
         "deployment_file": str(settings.deployment_file)},
        lambda d: f"DataRegistry deployed at {d['DataRegistry']} on chain {d['chain_id']} (block {d['block']}); "
        f"written to {d['deployment_file']}.",
    )


def cmd_index_run(args, settings: Settings, out: Output) -> None:
    from registry.indexer.service import run_indexer

    run_indexer(settings)


def cmd_api(args, settings: Settings, out: Output) -> None:
    import uvicorn

    uvicorn.run("api.main:create_app", factory=True, host=args.host, port=args.port, log_level="warning")


# ─────────────────────────────────────── parser ───────────────────────────────────────


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="datareg",
        description="Register data assets and their three rights (持有权, 使用权, 经营权) on the registry chain.",
        epilog="Configuration: DATAREG_RPC_URL, DATAREG_API_URL, DATAREG_DATA_DIR, DATAREG_KEY, "
        "DATAREG_KEY_PASSWORD (see README).",
    )
    parser.add_argument("--json", action="store_true", help="print JSON for machines")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    key = sub.add_parser("key", help="create or import an encrypted key")
    key_sub = key.add_subparsers(dest="command_key", required=True, metavar="ACTION")
    for name, help_text in (("new", "create a new key"), ("import", "import a private key (asked for, or "
                                                                        "DATAREG_IMPORT_KEY)")):
        p = key_sub.add_parser(name, help=help_text)
        p.add_argument("--out", help="keystore file (default: DATA_DIR/keys/default.json)")
        p.set_defaults(handler=cmd_key_new)

    p = sub.add_parser("fingerprint", help="SHA-256 and IPFS CID of a file, computed locally")
    p.add_argument("file")
    p.set_defaults(handler=cmd_fingerprint)

    p = sub.add_parser("metadata", help="check a metadata document against the schema")
    p.add_argument("action", choices=["check"])
    p.add_argument("file")
    p.set_defaults(handler=cmd_metadata_check)

    p = sub.add_parser("register", help="register a data file as an asset, signed with your key")
    p.add_argument("file", help="the data; only its fingerprint leaves this machine")
    p.add_argument("--metadata", required=True, help="metadata document (JSON; see examples/)")
    p.add_argument("--holder", action="append", default=[], metavar="KIND=ADDRESS",
                   help=f"who holds which right; KIND is {KIND_CHOICES}; repeatable "
                   "(default: the metadata's rights, else you hold all three)")
    p.add_argument("--source", action="append", default=[], metavar="ASSET_ID[:RIGHT]",
                   help="a source of derived data, and the usage right over it you exercise")
    p.add_argument("--key", help="keystore file (default: DATAREG_KEY or DATA_DIR/keys/default.json)")
    p.add_argument("--relay", action="store_true",
                   help="sign EIP-712 typed data and let the API's relayer pay the gas")
    p.add_argument("--wait", type=float, default=15.0, help="seconds to wait for the API to show it")
    p.add_argument("--no-wait", action="store_true", help="do not wait for the index")
    p.set_defaults(handler=cmd_register)

    p = sub.add_parser("show", help="an asset, its rights and evidence")
    p.add_argument("asset_id")
    p.set_defaults(handler=cmd_show)

    p = sub.add_parser("status", help="chain, contracts and index lag")
    p.set_defaults(handler=cmd_status)

    p = sub.add_parser("deploy", help="deploy the contracts (local chain, or DATAREG_DEPLOYER_KEY)")
    p.set_defaults(handler=cmd_deploy)

    p = sub.add_parser("index", help="run the indexer")
    p.add_argument("action", choices=["run"])
    p.set_defaults(handler=cmd_index_run)

    p = sub.add_parser("api", help="serve the HTTP API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(handler=cmd_api)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    out = Output(args.json)
    try:
        args.handler(args, Settings.from_env(), out)
    except RegistryError as exc:
        if args.json:
            body: dict = {"error": exc.code, "message": str(exc)}
            if getattr(exc, "errors", None):
                body["errors"] = exc.errors
            print(json.dumps(body, ensure_ascii=False), file=sys.stderr)
        else:
            print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
