"""Exchanges on the command line: participants, consent to list, listing and dual listing, the feed."""
from __future__ import annotations

import argparse
import time
from typing import Any

from registry.chain.operations import (
    LISTING_STATUSES,
    QUALIFICATION_KINDS,
    ROLES,
    AddParticipant,
    ApproveListing,
    ListingConsent,
    ListingRequest,
    ListProduct,
    Operation,
    Qualify,
    ReinstateParticipant,
    RenewQualification,
    RevokeQualification,
    SetListingStatus,
    SuspendParticipant,
)
from registry.chain.types import asset_id_hex, checksum
from registry.cli.api_client import ApiClient
from registry.cli.common import (
    Output,
    beijing_time,
    chain_client,
    examples,
    parse_time,
    read_json_file,
    signing_account,
    submit,
    time_text,
    whole_number,
    write_json_file,
)
from registry.cli.rights import resolve_right, store_document
from registry.config import Settings
from registry.errors import ValidationError
from registry.vocabulary import QualificationRevocationReason, Role, SuspensionReason


def _tx(out: Output, result: dict[str, Any], message: str, **extra: Any) -> None:
    data = {"tx_hash": result["tx_hash"], "block_number": result["block_number"], **extra}
    out.result(data, lambda d: f"{message}\n  transaction  {d['tx_hash']} (block {d['block_number']})")


def _request(api: ApiClient, args: argparse.Namespace, holder: str) -> ListingRequest:
    asset_id = asset_id_hex(args.asset_id)
    return ListingRequest(
        asset_id=asset_id,
        right_index=resolve_right(api, asset_id, args.right, holder),
        exchange_listing_id=args.listing_id,
        offer_terms_cid=store_document(api, args.offer_terms),
        origin_listing_id=args.origin or 0,
    )


# ─────────────────────────────── participants ───────────────────────────────

def _qualification_line(q: dict[str, Any]) -> str:
    until = beijing_time(q["valid_until"]) if q["valid_until"] else "no end"
    return (f"  qualification {q['serial']} ({q['kind']}, {q['status']}): {q['issuer']} {q['number']}"
            + (f", scope {q['scope']}" if q["scope"] else "") + f", valid until {until}")


def _show_participant(api: ApiClient, account: str, out: Output) -> None:
    p = api.get(f"/v1/participants/{account}")
    out.result(p, lambda p: f"{p['account']}  {p['role']} ({Role.from_key(p['role']).zh})  {p['status']}  "
               f"{p['name']}\n  active in its role: {'yes' if p['active'] else 'no'}"
               + (f" (qualification {p['qualification_status']})" if p["requires_qualification"] else "")
               + "".join("\n" + _qualification_line(q) for q in p["qualifications"]))


def cmd_participant(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    api = ApiClient(settings.api_url)
    account = checksum(args.address, "participant address")
    if args.action == "show":
        _show_participant(api, account, out)
        return
    admin = signing_account(args, settings)
    if args.action == "add":
        if not args.role or not args.name or not args.credit_code:
            raise ValidationError("Adding a participant needs --role, --name and --credit-code.")
        operation: Operation = AddParticipant(account, args.role, args.name, args.credit_code, args.endpoint or "")
    elif args.action == "suspend":
        code = int(SuspensionReason.from_text(args.reason, "suspension reason")) if args.reason else 0
        operation = SuspendParticipant(account, code, store_document(api, args.evidence))
    elif args.action == "qualify":
        if not args.issuer or not args.number:
            raise ValidationError("A qualification needs --issuer (the body that issued it) and --number.")
        operation = Qualify(account, args.kind or "licence", parse_time(args.valid_from) if args.valid_from else 0,
                            parse_time(args.until) if args.until else 0, args.issuer, args.number, args.scope or "",
                            store_document(api, args.document))
    elif args.action == "renew-qualification":
        if not args.until:
            raise ValidationError("A renewal needs --until, the qualification's new end.")
        operation = RenewQualification(account, parse_time(args.until), store_document(api, args.document))
    elif args.action == "revoke-qualification":
        code = int(QualificationRevocationReason.from_text(args.reason, "qualification revocation reason")) \
            if args.reason else 0
        operation = RevokeQualification(account, code, store_document(api, args.evidence))
    else:
        operation = ReinstateParticipant(account)
    result = submit(api, settings, operation, admin, relayed=False)
    _tx(out, result, f"Participant {account}: {args.action} done.", account=account)


def cmd_participants(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    rows = ApiClient(settings.api_url).get("/v1/participants", **({"role": args.role} if args.role else {}))
    out.result(rows, lambda rs: "\n".join(f"{r['account']}  {r['role']:<20} {r['status']:<9} {r['name']}"
                                          for r in rs) or "No participants.")


# ─────────────────────────────── consent and listing ───────────────────────────────

def cmd_consent(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    """The holder of the operating right signs, offline, its consent to one exchange listing the product."""
    api = ApiClient(settings.api_url)
    holder = signing_account(args, settings)
    consent = ListingConsent(checksum(args.exchange, "exchange address"), _request(api, args, holder.address))
    deadline = parse_time(args.valid_until) if args.valid_until else None
    signed = chain_client(api, settings).sign(consent, holder, deadline=deadline, ttl=7 * 86_400)
    document = {"holder": signed.signer, "deadline": signed.deadline, "signature": "0x" + signed.signature.hex(),
                "consent": consent.to_json()}
    write_json_file(args.out, document)
    out.result({**document, "file": args.out},
               lambda d: f"Consent signed by {d['holder']} for exchange {d['consent']['exchange']} to list asset "
                         f"{d['consent']['request']['asset_id']} as '{d['consent']['request']['exchange_listing_id']}'"
                         f"; valid until {beijing_time(d['deadline'])}. Give {d['file']} to the exchange.")


def cmd_approve_listing(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    """The other form of consent: the holder's own transaction."""
    api = ApiClient(settings.api_url)
    holder = signing_account(args, settings)
    operation = ApproveListing(checksum(args.exchange, "exchange address"), _request(api, args, holder.address))
    result = submit(api, settings, operation, holder, relayed=False)
    _tx(out, result, f"Approved exchange {operation.exchange} listing '{args.listing_id}'.")


def cmd_list(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    """The exchange lists, with a consent file the holder signed, or after the holder's own approval."""
    api = ApiClient(settings.api_url)
    exchange = signing_account(args, settings)
    if args.consent:
        document = read_json_file(args.consent, "consent")
        consent = ListingConsent.from_json(document["consent"])
        if consent.exchange != exchange.address:
            raise ValidationError(f"The consent is for exchange {consent.exchange}, but you are {exchange.address}. "
                                  "Ask the holder for a consent to your exchange.")
        operation = ListProduct(consent.request, checksum(document["holder"], "holder"), int(document["deadline"]),
                                bytes.fromhex(document["signature"][2:]))
    else:
        if not (args.asset_id and args.right and args.listing_id and args.holder):
            raise ValidationError("Without --consent, give ASSET_ID, --right, --listing-id and --holder (who must "
                                  "have approved the listing with `datareg approve-listing`).")
        holder = checksum(args.holder, "holder address")
        operation = ListProduct(_request(api, args, holder), holder)
    result = submit(api, settings, operation, exchange, relayed=False)
    listing_id = next(e["args"]["listingId"] for e in result["events"] if e["name"] == "Listed")
    api.wait_for_block(result["block_number"])
    kind = "Cross-listed" if operation.request.origin_listing_id else "Listed"
    _tx(out, result, f"{kind} as listing {listing_id}.", listing_id=listing_id)


def cmd_listing_status(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    api = ApiClient(settings.api_url)
    status = {"suspend": "suspended", "resume": "listed", "delist": "delisted"}[args.action]
    result = submit(api, settings, SetListingStatus(args.listing_id, status), signing_account(args, settings),
                    relayed=False)
    _tx(out, result, f"Listing {args.listing_id}: {status}.", listing_id=args.listing_id, status=status)


def cmd_listings(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    params = {k: v for k, v in (("exchange", args.exchange), ("asset", args.asset), ("status", args.status)) if v}
    page = ApiClient(settings.api_url).get("/v1/listings", limit=100, **params)
    out.result(page["data"], lambda rows: "\n".join(
        f"#{r['listing_id']:<5} {r['exchange_name'] or r['exchange']:<16} {r['exchange_listing_id']:<16} "
        f"{r['status']:<10} {'valid' if r['valid'] else 'NOT VALID: ' + r['invalid_reason']}"
        + (f"  (cross-listing of #{r['origin_listing_id']})" if r["origin_listing_id"] else "")
        + f"  {r['asset_name'] or r['asset_id']}" for r in rows) or "No listings.")


def feed_cursor(text: str) -> str:
    """A feed cursor as the API gives it (registry.db.listings.CURSOR_PATTERN), checked while parsing."""
    import re

    from registry.db.listings import CURSOR_PATTERN

    if not re.fullmatch(CURSOR_PATTERN, text.strip()):
        raise argparse.ArgumentTypeError(f"a cursor as the feed gives it (such as 42.0.0.3f9a0c12d4, or 0 from the "
                                         f"start) is expected, got '{text}'")
    return text.strip()


def cmd_feed(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    api = ApiClient(settings.api_url)
    exchange = checksum(args.exchange, "exchange address")
    cursor = args.after
    while True:
        page = api.get("/v1/listings/feed", exchange=exchange, after=cursor, limit=1000)
        for change in page["data"]:
            out.record(change, lambda c: f"[{c['cursor']}] listing {c['listing_id']} retracted: the change at "
                                         f"[{c['retracts']}] was removed by a reorg; undo it" if c.get("retracts")
                       else f"[{c['cursor']}] listing {c['listing_id']} {c['change']}: {c['status']}, "
                            f"{'valid' if c['valid'] else 'not valid (' + str(c['reason']) + ')'}")
        cursor = page["next_cursor"]
        if not args.follow:
            break
        time.sleep(1)


def add_parsers(sub: Any) -> None:
    def key(p: argparse.ArgumentParser, who: str) -> None:
        p.add_argument("--key", help=f"keystore of the {who} (default: DATAREG_KEY or DATA_DIR/keys/default.json)")

    def request(p: argparse.ArgumentParser) -> None:
        p.add_argument("asset_id", nargs="?")
        p.add_argument("--right", default="operating", help="the operating right: its number, or 'operating'")
        p.add_argument("--listing-id", help="the exchange's own listing id (挂牌编号)")
        p.add_argument("--offer-terms", help="the offer terms document; stored, its CID goes on chain")
        p.add_argument("--origin", type=whole_number(1, 2**64 - 1, "a listing number"),
                       help="for a cross-listing: the origin listing's number")

    p = sub.add_parser("participant", help="a participant and its qualifications (show); admit, suspend, "
                       "reinstate, qualify, renew or revoke its qualification (admin)",
                       description="A service provider (appraiser, compliance certifier, quality evaluator, data "
                       "merchant, data broker, notary, custodian, insurer) is admitted inactive and acts once the "
                       "council records its qualification (qualify); it stops when that expires or is revoked.",
                       **examples("datareg participant qualify 0xAPPRAISER --issuer 福建省财政厅 --number "
                                  "PG-35-0001 --scope 数据资产评估 --until +365d --key admin",
                                  "datareg participant show 0xAPPRAISER"))
    p.add_argument("action", choices=["show", "add", "suspend", "reinstate", "qualify", "renew-qualification",
                                      "revoke-qualification"])
    p.add_argument("address")
    p.add_argument("--role", choices=list(ROLES))
    p.add_argument("--name")
    p.add_argument("--credit-code", help="unified social credit code (only its hash goes on chain)")
    p.add_argument("--endpoint", help="the participant's API endpoint URL")
    p.add_argument("--reason", help="for suspend, a name or number: "
                   + ", ".join(f"{m.key} ({m.value})" for m in SuspensionReason) + "; for revoke-qualification: "
                   + ", ".join(f"{m.key} ({m.value})" for m in QualificationRevocationReason))
    p.add_argument("--evidence", help="evidence document, for suspend and revoke-qualification")
    p.add_argument("--kind", choices=list(QUALIFICATION_KINDS),
                   help="for qualify: licence (default), recognition (数据商登记、审核、认定) or accreditation")
    p.add_argument("--issuer", help="for qualify: the body that issued it (发证机关/认定机构)")
    p.add_argument("--number", help="for qualify: the licence, certificate or recognition number")
    p.add_argument("--scope", help="for qualify: what it covers (业务范围)")
    p.add_argument("--from", dest="valid_from", type=time_text, help="for qualify: when it starts (default now)")
    p.add_argument("--until", type=time_text, help="for qualify and renew-qualification: when it ends (qualify's "
                   "default: no end)")
    p.add_argument("--document", help="for qualify and renew-qualification: the certificate or decision; stored, "
                   "its CID goes on chain")
    key(p, "admin")
    p.set_defaults(handler=cmd_participant)

    p = sub.add_parser("participants", help="exchanges, registrars, service providers and regulators")
    p.add_argument("--role", choices=list(ROLES))
    p.set_defaults(handler=cmd_participants)

    p = sub.add_parser("consent", help="as holder of the operating right, sign consent for an exchange to list")
    request(p)
    p.add_argument("--exchange", required=True, help="the exchange's address")
    p.add_argument("--valid-until", type=time_text, help="until when the exchange may use it (default +7d)")
    p.add_argument("--out", default="consent.json", help="where to write the signed consent")
    key(p, "holder")
    p.set_defaults(handler=cmd_consent)

    p = sub.add_parser("approve-listing", help="as holder, consent to a listing by your own transaction")
    request(p)
    p.add_argument("--exchange", required=True)
    key(p, "holder")
    p.set_defaults(handler=cmd_approve_listing)

    p = sub.add_parser("list", help="as an exchange, list (or cross-list) a product with the holder's consent")
    request(p)
    p.add_argument("--consent", help="the consent file the holder signed")
    p.add_argument("--holder", help="without --consent: the holder who approved by transaction")
    key(p, "exchange")
    p.set_defaults(handler=cmd_list)

    p = sub.add_parser("listing", help="suspend, resume or delist a listing (its exchange; the holder may delist)")
    p.add_argument("action", choices=["suspend", "resume", "delist"])
    p.add_argument("listing_id", type=whole_number(1, 2**64 - 1, "a listing number"))
    key(p, "exchange or holder")
    p.set_defaults(handler=cmd_listing_status)

    p = sub.add_parser("listings", help="listings, with whether each is valid and why not")
    p.add_argument("--exchange")
    p.add_argument("--asset")
    p.add_argument("--status", choices=list(LISTING_STATUSES))
    p.set_defaults(handler=cmd_listings)

    p = sub.add_parser("feed", help="an exchange's listing changes, in order, from a cursor")
    p.add_argument("--exchange", required=True)
    p.add_argument("--after", type=feed_cursor, default="0",
                   help="the cursor of the last change applied (0: from the start)")
    p.add_argument("--follow", action="store_true", help="keep polling for new changes")
    p.set_defaults(handler=cmd_feed)
