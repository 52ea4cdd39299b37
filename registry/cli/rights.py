"""`datareg grant`, `transfer`, `revoke` and `renew`: the rights lifecycle, signed with your key."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from registry.chain.operations import (
    Grant,
    GrantTerms,
    Renew,
    Revoke,
    Transfer,
)
from registry.chain.types import RightKind, asset_id_hex, checksum
from registry.cli.api_client import ApiClient
from registry.cli.common import Output, beijing_time, parse_time, signing_account, submit, time_text, whole_number
from registry.config import Settings
from registry.content import cid_to_digest
from registry.errors import ValidationError
from registry.vocabulary import RevocationReason

REASON_CHOICES = ", ".join(f"{m.key} ({m.value})" for m in RevocationReason)
RIGHT_NUMBER = whole_number(0, 2**256 - 1, "a right number")


def resolve_right(api: ApiClient, asset_id: str, text: str, holder: str) -> int:
    """A right number, or a kind: then the holder's valid right of that kind over the asset."""
    if text.isascii() and text.isdigit():
        return int(text)
    kind = RightKind.parse(text)
    rights = api.get(f"/v1/assets/{asset_id}/rights")["rights"]
    usable = [r for r in rights if r["kind"] == kind.label and r["holder"] == holder and r["valid"]]
    if not usable:
        raise ValidationError(
            f"You ({holder}) hold no valid {kind.label} right over asset '{asset_id}'. "
            f"See `datareg show {asset_id}` for who holds what."
        )
    index: int = usable[0]["right_index"]
    return index


def store_document(api: ApiClient, path: str | None, private: bool = False) -> bytes:
    """Stores a terms or evidence document in the registry's content store; the chain gets its CID. A private
    one (application documents, objection evidence) is kept encrypted by the API, for the procedure's parties."""
    if not path:
        return bytes(32)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ValidationError(f"Cannot read '{path}': {exc.strerror}.") from exc
    return cid_to_digest(api.post_bytes("/v1/content?private=true" if private else "/v1/content", data)["cid"])


def _done(out: Output, result: dict[str, Any], message: str, **extra: Any) -> None:
    data = {"tx_hash": result["tx_hash"], "block_number": result["block_number"], "gas_used": result["gas_used"],
            **extra}
    out.result(data, lambda d: f"{message}\n  transaction  {d['tx_hash']} (block {d['block_number']}, "
                               f"{d['gas_used']:,} gas)")


def cmd_grant(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    asset_id = asset_id_hex(args.asset_id)
    grantee = checksum(args.to, "grantee address")
    api = ApiClient(settings.api_url)
    account = signing_account(args, settings)
    parent = resolve_right(api, asset_id, args.right, account.address)
    terms = GrantTerms(
        grantee=grantee,
        valid_from=parse_time(args.start) if args.start else 0,
        valid_until=parse_time(args.until) if args.until else 0,
        sub_grantable=args.sub_grantable,
        transferable=args.transferable,
        purpose=args.purpose or "",
        territory=args.territory or "",
        quantity=args.quantity,
        terms_cid=store_document(api, args.terms),
    )
    result = submit(api, settings, Grant(asset_id, parent, terms), account, args.relay)
    index = next(e["args"]["rightIndex"] for e in result["events"] if e["name"] == "RightGranted")
    api.wait_for_block(result["block_number"])
    _done(out, result, f"Granted right {index} of asset {asset_id} to {grantee} (from right {parent}).",
          asset_id=asset_id, right_index=index, parent_index=parent, grantee=grantee)


def cmd_transfer(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    asset_id = asset_id_hex(args.asset_id)
    to = checksum(args.to, "recipient address")
    api = ApiClient(settings.api_url)
    account = signing_account(args, settings)
    index = resolve_right(api, asset_id, args.right, account.address)
    result = submit(api, settings, Transfer(asset_id, index, to), account, args.relay)
    api.wait_for_block(result["block_number"])
    _done(out, result, f"Transferred right {index} of asset {asset_id} to {to}.", asset_id=asset_id,
          right_index=index, to=to)


def cmd_revoke(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    asset_id = asset_id_hex(args.asset_id)
    code = int(RevocationReason.from_text(args.reason, "revocation reason"))
    api = ApiClient(settings.api_url)
    account = signing_account(args, settings)
    operation = Revoke(asset_id, int(args.right), code, store_document(api, args.evidence))
    result = submit(api, settings, operation, account, args.relay)
    api.wait_for_block(result["block_number"])
    _done(out, result, f"Revoked right {args.right} of asset {asset_id} (reason {code}); grants made from it are "
                       "no longer valid either.", asset_id=asset_id, right_index=int(args.right), reason_code=code)


def cmd_renew(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    asset_id = asset_id_hex(args.asset_id)
    until = parse_time(args.until)
    api = ApiClient(settings.api_url)
    account = signing_account(args, settings)
    result = submit(api, settings, Renew(asset_id, int(args.right), until), account, args.relay)
    api.wait_for_block(result["block_number"])
    _done(out, result, f"Right {args.right} of asset {asset_id} now runs until {beijing_time(until)}.",
          asset_id=asset_id, right_index=int(args.right), valid_until=until)


def add_parsers(sub: Any) -> None:
    def common(p: argparse.ArgumentParser, signer: str) -> None:
        p.add_argument("--key", help=f"keystore of the {signer} (default: DATAREG_KEY or DATA_DIR/keys/default.json)")
        p.add_argument("--relay", action="store_true", help="sign EIP-712 typed data; the API's relayer pays gas")

    p = sub.add_parser("grant", help="grant (license) a right you hold to another party, with terms")
    p.add_argument("asset_id")
    p.add_argument("--right", required=True, help="the right to grant from: its number, or a kind "
                   "(holding, usage, operating) to use your valid right of that kind")
    p.add_argument("--to", required=True, help="the grantee's address")
    p.add_argument("--until", type=time_text,
                   help="end: ISO date/time or +30d (default: no end, if your right has none)")
    p.add_argument("--start", type=time_text, help="start: ISO date/time or +1d (default: now)")
    p.add_argument("--purpose", help="purpose or usage scenario, e.g. 交通规划研究")
    p.add_argument("--territory", help="where it may be exercised, e.g. region codes 3502,3501")
    p.add_argument("--quantity", type=whole_number(0, 2**256 - 1, "a quantity"), default=0,
                   help="permitted quantity or volume (0: not limited)")
    p.add_argument("--terms", help="the full terms document; stored, its CID goes on chain")
    p.add_argument("--sub-grantable", action="store_true", help="the grantee may grant it onwards")
    p.add_argument("--transferable", action="store_true", help="the grantee may transfer it")
    common(p, "grantor")
    p.set_defaults(handler=cmd_grant)

    p = sub.add_parser("transfer", help="transfer a right you hold to another party")
    p.add_argument("asset_id")
    p.add_argument("right", help="the right's number, or a kind (your valid right of that kind)")
    p.add_argument("--to", required=True, help="the new holder's address")
    common(p, "holder")
    p.set_defaults(handler=cmd_transfer)

    p = sub.add_parser("revoke", help="revoke a grant you made (its sub-grants fall with it)")
    p.add_argument("asset_id")
    p.add_argument("right", type=RIGHT_NUMBER, help="the grant's number")
    p.add_argument("--reason", required=True, help=f"a name or number: {REASON_CHOICES}")
    p.add_argument("--evidence", help="an evidence document; stored, its CID goes on chain")
    common(p, "grantor")
    p.set_defaults(handler=cmd_revoke)

    p = sub.add_parser("renew", help="set a new end for a grant you made")
    p.add_argument("asset_id")
    p.add_argument("right", type=RIGHT_NUMBER, help="the grant's number")
    p.add_argument("--until", required=True, type=time_text, help="new end: ISO date/time or +365d")
    common(p, "grantor")
    p.set_defaults(handler=cmd_renew)
