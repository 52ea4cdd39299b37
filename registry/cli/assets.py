"""`datareg fingerprint`, `metadata check`, `register`, `derive` and `show`."""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from registry.chain.types import RightKind, Source, asset_id_hex, checksum
from registry.cli.api_client import ApiClient
from registry.cli.common import (
    READ_KEY_HELP,
    Output,
    beijing_time,
    examples,
    legal_status_line,
    progress_bar,
    reading_client,
    seconds,
    signing_account,
    submit,
)
from registry.config import Settings
from registry.errors import NotFound, ValidationError

KIND_CHOICES = "holding, usage, operating or all"


def parse_holder(text: str) -> list[tuple[str, RightKind]]:
    kind, sep, address = text.partition("=")
    if not sep:
        raise ValidationError(f"--holder '{text}' should be KIND=ADDRESS, where KIND is {KIND_CHOICES}.")
    address = checksum(address.strip(), "holder address")
    if kind.strip().lower() == "all":
        return [(address, k) for k in RightKind]
    return [(address, RightKind.parse(kind))]


def cmd_fingerprint(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    from registry.content import fingerprint_file

    fp = fingerprint_file(Path(args.file), progress_bar("Fingerprinting"))
    out.result(
        {"file": args.file, "size": fp.size, "sha256": fp.sha256_hex, "cid": fp.cid},
        lambda d: f"{d['file']}\n  size    {d['size']:,} bytes\n  sha256  {d['sha256']}\n  cid     {d['cid']}",
    )


def cmd_metadata_check(args: argparse.Namespace, settings: Settings, out: Output) -> None:
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


def cmd_register(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    from registry.chain.operations import Register  # web3 and friends: only for the commands that write
    from registry.prepare import load_metadata, prepare_registration

    # Everything that can be refused locally is checked before the key is unlocked or anything is sent.
    document = load_metadata(Path(args.metadata))
    if not Path(args.file).is_file():
        raise ValidationError(f"There is no file '{args.file}' to register.")
    explicit = [pair for text in args.holder for pair in parse_holder(text)]
    api = ApiClient(settings.api_url)
    account = signing_account(args, settings)
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

    def human(d: dict[str, Any]) -> str:
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


def render_asset(a: dict[str, Any]) -> str:
    names = {address: entry["name"] for address, entry in (a.get("names") or {}).items()}

    def who(address: str) -> str:
        """An address with the name the registry knows for it (a participant's, or the application's)."""
        return f"{address} ({names[address]})" if address in names else address

    flags = [name for name, on in (("personal information", a["personal_information"]),
                                   ("sensitive", a["sensitive_personal_information"]),
                                   ("export allowed", a["export_allowed"]), ("derived", a["derived"])) if on]
    lines = [
        f"{a['name'] or '(metadata not available)'}",
        f"  asset id        {a['asset_id']}",
        f"  record          {a['status']}, version {a['version']}",
        *([f"  legal status    {legal_status_line(a['legal_status'])}"] if a.get("legal_status") else []),
        f"  classification  {a['classification']}" + (f"; {', '.join(flags)}" if flags else ""),
        f"  registrant      {who(a['registrant'])}" + (f" (relayed by {who(a['submitter'])})"
                                                  if a["submitter"] != a["registrant"] else ""),
        f"  registered      {beijing_time(a['registered_at'])} in block {a['registered_block']}",
        f"  sha256          {a['content_hash']}",
        f"  metadata cid    {a['metadata_cid']}",
        "  rights",
    ]
    for r in a["rights"]:
        state = "valid" if r["valid"] else f"not valid: {r['invalid_reason']}"
        via = f" via {' <- '.join(str(i) for i in r['chain'][1:])}" if len(r["chain"]) > 1 else ""
        until = f" until {beijing_time(r['valid_until'])}" if r["valid_until"] else ""
        lines.append(f"    #{r['right_index']:<3} {r['kind']:<10} {r['kind_zh']:<8} "
                     f"{who(r['holder'])}{via}{until}  ({state})")
        if r["terms"] and (r["terms"]["purpose"] or r["terms"]["territory"]):
            t = r["terms"]
            lines.append(f"         purpose {t['purpose'] or '-'}; territory {t['territory'] or '-'}; "
                         f"quantity {t['quantity'] or 'not limited'}; granted by {who(t['grantor'])}")
    for s in a["sources"]:
        lines.append(f"  derived from    {s['asset_id']} (usage right #{s['right_index']})")
    for d in a["derived_assets"]:
        lines.append(f"  source of       {d['asset_id']}")
    remarks = a.get("remarks") or {}
    if remarks.get("frozen"):
        lines.append("  remarks         FROZEN (已查封) by a regulator: transfers and new grants are blocked")
    for pledge in remarks.get("pledges") or []:
        lines.append(f"  pledge          {pledge['pledge_id']} ({'active' if pledge['active'] else 'released'}): "
                     f"{pledge['external_registration_no']} to {who(pledge['pledgee'])}")
    certificate = a.get("certificate")
    if certificate:
        lines.append(f"  certificate     {certificate['certificate_number']} ({certificate['status']}), valid until "
                     f"{beijing_time(certificate['valid_until'])}, registrar "
                     f"{who(certificate['registrar'])}")
    elif "certificate" in a:
        lines.append("  certificate     none (not registered by a registrar)")
    if a.get("evidence"):
        e = a["evidence"]
        lines.append(f"  evidence        chain {e['chain_id']}, contract {e['contract']}")
        lines.append(f"                  tx {e['tx_hash']} log {e['log_index']}")
        lines.append(f"                  block {e['block_number']} {e['block_hash']}")
    return "\n".join(lines)


def cmd_show(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    api = reading_client(args, settings)
    asset_id = asset_id_hex(args.asset_id)
    asset = api.get(f"/v1/assets/{asset_id}")
    try:
        asset["certificate"] = api.get(f"/v1/assets/{asset_id}/certificate")
    except NotFound:  # not (yet) registered by a registrar
        asset["certificate"] = None
    out.result(asset, render_asset)




def add_parsers(sub: Any) -> None:
    p = sub.add_parser("fingerprint", help="SHA-256 and IPFS CID of a file, computed locally",
                       **examples("datareg fingerprint examples/traffic-flow.csv"))
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
    p.add_argument("--wait", type=seconds, default=15.0, help="seconds to wait for the API to show it")
    p.add_argument("--no-wait", action="store_true", help="do not wait for the index")
    p.set_defaults(handler=cmd_register)

    p = sub.add_parser("derive", help="register derived data: `register` with at least one --source")
    p.add_argument("file", help="the derived data; only its fingerprint leaves this machine")
    p.add_argument("--metadata", required=True, help="metadata document with source_type 'derived'")
    p.add_argument("--source", action="append", default=[], metavar="ASSET_ID[:RIGHT]",
                   help="a source, and the usage (processing) right over it you exercise; default: the "
                   "metadata's sources, each with your valid usage right")
    p.add_argument("--holder", action="append", default=[], metavar="KIND=ADDRESS")
    p.add_argument("--key", help="keystore file (default: DATAREG_KEY or DATA_DIR/keys/default.json)")
    p.add_argument("--relay", action="store_true", help="sign EIP-712 typed data; the API's relayer pays gas")
    p.add_argument("--wait", type=seconds, default=15.0, help="seconds to wait for the API to show it")
    p.add_argument("--no-wait", action="store_true", help="do not wait for the index")
    p.set_defaults(handler=cmd_register)

    p = sub.add_parser("show", help="an asset, its rights and evidence",
                       **examples("datareg show ASSET_ID", "datareg --json show ASSET_ID"))
    p.add_argument("asset_id")
    p.add_argument("--key", help=READ_KEY_HELP)
    p.set_defaults(handler=cmd_show)

