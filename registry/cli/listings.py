"""Exchanges on the command line: participants, consent to list, listing and dual listing, the feed."""
from __future__ import annotations

import argparse
import time
from typing import Any

from registry.chain.operations import (
    LISTING_STATUSES,
    PRICE_MODELS,
    PRODUCT_FORMS,
    QUALIFICATION_KINDS,
    ROLES,
    AddParticipant,
    ApproveListing,
    ListingConsent,
    ListingFloor,
    ListingPolicy,
    ListingRequest,
    ListingTerms,
    ListProduct,
    Operation,
    Qualify,
    ReinstateParticipant,
    RenewQualification,
    RevokeApproval,
    RevokeQualification,
    SetListingFloor,
    SetListingPolicy,
    SetListingStatus,
    SuspendParticipant,
    WithdrawConsents,
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
from registry.vocabulary import (
    APPROVAL_STATUSES,
    DeliveryMode,
    QualificationRevocationReason,
    Role,
    SuspensionReason,
)


def _tx(out: Output, result: dict[str, Any], message: str, **extra: Any) -> None:
    data = {"tx_hash": result["tx_hash"], "block_number": result["block_number"], **extra}
    out.result(data, lambda d: f"{message}\n  transaction  {d['tx_hash']} (block {d['block_number']})")


def _terms(args: argparse.Namespace) -> ListingTerms:
    """The structured terms (issue 17) from the options; a price needs both --price and --currency."""
    model = args.price_model or ("fixed" if args.price else "negotiable")
    if model != "negotiable" and not (args.price and args.currency):
        raise ValidationError(f"A {model} price needs --price (in the currency's minor unit, e.g. fen) and "
                              "--currency (e.g. CNY); or leave them out for a negotiable price (面议).")
    if model == "negotiable" and (args.price or args.currency):
        raise ValidationError("A negotiable price (面议) has no --price or --currency: give --price-model fixed, "
                              "per_use or subscription with them.")
    modes = tuple(m.strip() for m in (args.delivery or "download").split(",") if m.strip())
    for mode in modes:
        DeliveryMode.from_key(mode, "delivery mode")
    until = parse_time(args.listing_valid_until) if args.listing_valid_until else 0
    return ListingTerms(model, args.price or 0, (args.currency or "").upper(), args.product_form or "dataset",
                        tuple(m.key for m in DeliveryMode if m.key in modes), until, args.usage_scope or "")


def _request(api: ApiClient, args: argparse.Namespace, holder: str) -> ListingRequest:
    asset_id = asset_id_hex(args.asset_id)
    return ListingRequest(
        asset_id=asset_id,
        right_index=resolve_right(api, asset_id, args.right, holder),
        exchange_listing_id=args.listing_id,
        offer_terms_cid=store_document(api, args.offer_terms),
        origin_listing_id=args.origin or 0,
        attestation_id=args.attestation or 0,
        terms=_terms(args),
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
    signed = chain_client(api, settings).sign(consent, holder, deadline=deadline, ttl=7 * 86_400,
                                              nonce=args.consent_id)
    # The consent id: the exchange submits it with the signature; the holder withdraws it with
    # `datareg listing withdraw-consent ID` while it is unused.
    document = {"holder": signed.signer, "deadline": signed.deadline, "signature": "0x" + signed.signature.hex(),
                "consent_id": signed.nonce, "consent": consent.to_json()}
    write_json_file(args.out, document)
    out.result({**document, "file": args.out},
               lambda d: f"Consent signed by {d['holder']} for exchange {d['consent']['exchange']} to list asset "
                         f"{d['consent']['request']['asset_id']} as '{d['consent']['request']['exchange_listing_id']}'"
                         f"; valid until {beijing_time(d['deadline'])}; consent id {d['consent_id']}. "
                         f"Give {d['file']} to the exchange.")


def cmd_approve_listing(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    """The other form of consent: the holder's own transaction."""
    api = ApiClient(settings.api_url)
    holder = signing_account(args, settings)
    until = parse_time(args.valid_until)
    operation = ApproveListing(checksum(args.exchange, "exchange address"), _request(api, args, holder.address),
                               until)
    result = submit(api, settings, operation, holder, relayed=False)
    _tx(out, result, f"Approved exchange {operation.exchange} listing '{args.listing_id}' until "
                     f"{beijing_time(until)}.", valid_until=until)


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
        if not isinstance(document.get("consent_id"), int):
            raise ValidationError(f"{args.consent} has no consent id: it was signed before consents had ids. Ask "
                                  "the holder to sign it again (`datareg consent`).")
        operation = ListProduct(consent.request, checksum(document["holder"], "holder"), document["consent_id"],
                                int(document["deadline"]), bytes.fromhex(document["signature"][2:]))
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


def cmd_listing_policy(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    """The exchange's own listing policy (上架审核)."""
    api = ApiClient(settings.api_url)
    policy = ListingPolicy(args.allow_uncertified, args.cross_border)
    result = submit(api, settings, SetListingPolicy(policy), signing_account(args, settings), relayed=False)
    _tx(out, result, f"Listing policy set: uncertified assets {'allowed' if policy.allow_uncertified else 'refused'}"
                     f"; {'cross-border (export-restricted assets refused)' if policy.cross_border else 'domestic'}.",
        allow_uncertified=policy.allow_uncertified, cross_border=policy.cross_border)


def cmd_listing_floor(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    """The council's floor, below which no exchange's policy goes."""
    api = ApiClient(settings.api_url)
    floor = ListingFloor(args.certificate_required, args.important_data_forbidden, args.personal_information_forbidden)
    result = submit(api, settings, SetListingFloor(floor), signing_account(args, settings), relayed=False)
    _tx(out, result, "Listing floor set.", certificate_required=floor.certificate_required,
        important_data_forbidden=floor.important_data_forbidden,
        personal_information_forbidden=floor.personal_information_forbidden)


def cmd_withdraw_consent(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    """The holder withdraws signed consents the exchange has not used (one transaction per 256-id word)."""
    api = ApiClient(settings.api_url)
    holder = signing_account(args, settings)
    results = [submit(api, settings, operation, holder, relayed=False)
               for operation in WithdrawConsents.of(args.consent_ids)]
    _tx(out, results[-1], f"Consents {', '.join(map(str, args.consent_ids))} withdrawn: no exchange can use them.",
        consent_ids=args.consent_ids)


def cmd_revoke_approval(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    api = ApiClient(settings.api_url)
    holder = signing_account(args, settings)
    operation = RevokeApproval(checksum(args.exchange, "exchange address"), _request(api, args, holder.address))
    result = submit(api, settings, operation, holder, relayed=False)
    _tx(out, result, f"Approval for exchange {operation.exchange} to list '{args.listing_id}' revoked.")


def _every_page(api: ApiClient, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every row of a paged list route (100 a page, its largest page): a holder's approvals are all shown."""
    rows: list[dict[str, Any]] = []
    while True:
        page = api.get(path, limit=100, offset=len(rows), **params)
        rows += page["data"]
        if not page["data"] or len(rows) >= page["count"]:
            return rows


def _approval_line(a: dict[str, Any]) -> str:
    ended = {"used": f", used by listing #{a['listing_id']} at {beijing_time(a['used_at'])}",
             "revoked": f", revoked at {beijing_time(a['revoked_at'])} (transaction {a['revoked_tx']})"}
    return (f"{a['status']:<8} until {beijing_time(a['valid_until'])}  exchange {a['exchange_name'] or a['exchange']}"
            f"  holder {a['holder']}\n  asset {a['asset_id']}  consent hash {a['consent_hash']}"
            + ended.get(a["status"], ""))


def cmd_listing_approvals(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    """Holders' approvals by transaction: in force, expired, revoked or used (GET /v1/listings/approvals)."""
    params = {k: v for k, v in (
        ("holder", args.holder and checksum(args.holder, "holder address")),
        ("exchange", args.exchange and checksum(args.exchange, "exchange address")),
        ("asset", args.asset and asset_id_hex(args.asset)), ("status", args.status)) if v}
    rows = _every_page(ApiClient(settings.api_url), "/v1/listings/approvals", **params)
    out.result(rows, lambda rs: "\n".join(map(_approval_line, rs)) or "No approvals.")


def cmd_withdrawn_consents(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    """Signed consent ids their holders withdrew (GET /v1/listings/withdrawn-consents)."""
    params = {k: v for k, v in (("holder", args.holder and checksum(args.holder, "holder address")),
                                ("consent_id", None if args.consent_id is None else str(args.consent_id))) if v}
    rows = _every_page(ApiClient(settings.api_url), "/v1/listings/withdrawn-consents", **params)
    out.result(rows, lambda rs: "\n".join(
        f"consent {r['consent_id']:<12} holder {r['holder']}  withdrawn {beijing_time(r['withdrawn_at'])} "
        f"(transaction {r['withdrawn_tx']})"
        + (f"  already used by listing #{r['listing_id']}, which the withdrawal does not end"
           if r["listing_id"] is not None else "") for r in rs) or "No withdrawn consents.")


def cmd_listing_policies(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    page = ApiClient(settings.api_url).get("/v1/listings/policies")
    out.result(page, lambda d: "Council floor: " + (", ".join(
        k for k in ("certificate_required", "important_data_forbidden", "personal_information_forbidden")
        if d["floor"][k]) or "none beyond the rules") + "\n" + "\n".join(
        f"{e['exchange']}  {e['exchange_name']:<16} uncertified {'allowed' if e['allow_uncertified'] else 'refused'}"
        f", {'cross-border' if e['cross_border'] else 'domestic'}" for e in d["exchanges"]))


def cmd_listings(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    params = {k: v for k, v in (("exchange", args.exchange), ("asset", args.asset), ("status", args.status),
                                ("product_form", args.product_form), ("price_model", args.price_model),
                                ("delivery_mode", args.delivery_mode)) if v}
    page = ApiClient(settings.api_url).get("/v1/listings", limit=100, **params)
    out.result(page["data"], lambda rows: "\n".join(
        f"#{r['listing_id']:<5} {r['exchange_name'] or r['exchange']:<16} {r['exchange_listing_id']:<16} "
        f"{r['status']:<10} {'valid' if r['valid'] else 'NOT VALID: ' + r['invalid_reason']}"
        + (f"  (cross-listing of #{r['origin_listing_id']})" if r["origin_listing_id"] else "")
        + (f"  [{_terms_text(r['terms'])}]" if r.get("terms") else "")
        + f"  {r['asset_name'] or r['asset_id']}" for r in rows) or "No listings.")


def _terms_text(t: dict[str, Any]) -> str:
    price = "面议 negotiable" if t["price_model"] == "negotiable" else \
        f"{t['price_model']} {t['price_amount']} {t['currency']} (minor unit)"
    return f"{t['product_form_zh']}, {price}, {'/'.join(t['delivery_modes'])}"


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
        p.add_argument("--attestation", type=whole_number(1, 2**40 - 1, "an attestation number"),
                       help="the compliance certification (合规认证) important data or personal information needs")
        p.add_argument("--price-model", choices=list(PRICE_MODELS),
                       help="how the price is set (default: fixed with --price, else negotiable 面议)")
        p.add_argument("--price", type=whole_number(1, 2**256 - 1, "an amount in the minor unit"),
                       help="the price in the currency's minor unit (fen)")
        p.add_argument("--currency", help="ISO 4217 code of the price, e.g. CNY")
        p.add_argument("--product-form", choices=list(PRODUCT_FORMS),
                       help="数据集 dataset (default), 数据接口 data_interface, 模型 model, 报告 report")
        p.add_argument("--delivery", help="delivery modes, comma-separated: " + ", ".join(DeliveryMode.keys())
                       + " (default: download)")
        p.add_argument("--usage-scope", help="usage scope (使用范围), at most 200 bytes")
        p.add_argument("--listing-valid-until", type=time_text,
                       help="when the listing ends (then its listing id is free again); default: no end")

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
    p.add_argument("--consent-id", type=whole_number(0, 2**256 - 1, "a consent id"),
                   help="the consent's own id (default: random); ids in one block of 256 cost the exchange less gas")
    p.add_argument("--out", default="consent.json", help="where to write the signed consent")
    key(p, "holder")
    p.set_defaults(handler=cmd_consent)

    p = sub.add_parser("approve-listing", help="as holder, consent to a listing by your own transaction")
    request(p)
    p.add_argument("--exchange", required=True)
    p.add_argument("--valid-until", type=time_text, default="+7d",
                   help="until when the exchange may use the approval (default +7d; it must end)")
    key(p, "holder")
    p.set_defaults(handler=cmd_approve_listing)

    p = sub.add_parser("list", help="as an exchange, list (or cross-list) a product with the holder's consent")
    request(p)
    p.add_argument("--consent", help="the consent file the holder signed")
    p.add_argument("--holder", help="without --consent: the holder who approved by transaction")
    key(p, "exchange")
    p.set_defaults(handler=cmd_list)

    listing = sub.add_parser(
        "listing", help="suspend, resume or delist a listing; listing rules (上架审核); withdraw consents, "
        "revoke approvals and show both", formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  $ datareg listing policy --allow-uncertified --key exchange-a\n"
               "  $ datareg listing policies\n"
               "  $ datareg listing approvals --exchange 0xEXCHANGE --status in_force\n"
               "  $ datareg listing withdrawn-consents\n")
    actions = listing.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action, text in (("suspend", "suspend a listing (its exchange)"), ("resume", "resume it (its exchange)"),
                         ("delist", "delist it (its exchange, or the holder of the operating right)")):
        p = actions.add_parser(action, help=text)
        p.add_argument("listing_id", type=whole_number(1, 2**64 - 1, "a listing number"))
        key(p, "exchange or holder")
        p.set_defaults(handler=cmd_listing_status)
    p = actions.add_parser("policy", help="as an exchange, set your listing policy (上架审核)")
    p.add_argument("--allow-uncertified", action="store_true",
                   help="list assets without a valid registration certificate (default: refused)")
    p.add_argument("--cross-border", action="store_true",
                   help="you trade across borders: assets not marked export allowed are refused")
    key(p, "exchange")
    p.set_defaults(handler=cmd_listing_policy)
    p = actions.add_parser("floor", help="as the council, set the floor no exchange's policy goes below")
    p.add_argument("--certificate-required", action="store_true", help="every listed asset needs a certificate")
    p.add_argument("--important-data-forbidden", action="store_true", help="no important data, certified or not")
    p.add_argument("--personal-information-forbidden", action="store_true",
                   help="no personal information, certified or not")
    key(p, "council (admin)")
    p.set_defaults(handler=cmd_listing_floor)
    p = actions.add_parser("policies", help="the council's floor and every exchange's listing policy")
    p.set_defaults(handler=cmd_listing_policies)
    p = actions.add_parser("withdraw-consent", help="as holder, withdraw signed consents not yet used, by id")
    p.add_argument("consent_ids", nargs="+", type=whole_number(0, 2**256 - 1, "a consent id"), metavar="CONSENT_ID")
    key(p, "holder")
    p.set_defaults(handler=cmd_withdraw_consent)
    p = actions.add_parser("revoke-approval", help="as holder, revoke an approval the exchange has not used",
                           description="The approval is found by the whole request: give the asset, --right, "
                           "--listing-id, --exchange and every term option exactly as `datareg approve-listing` was "
                           "given them (`datareg listing approvals --holder` shows your approvals).")
    request(p)
    p.add_argument("--exchange", required=True)
    key(p, "holder")
    p.set_defaults(handler=cmd_revoke_approval)
    p = actions.add_parser("approvals", help="holders' approvals by transaction: in force, expired, revoked or "
                           "used, and until when")
    p.add_argument("--holder", help="approvals this holder gave")
    p.add_argument("--exchange", help="approvals for this exchange")
    p.add_argument("--asset", help="approvals to list this asset")
    p.add_argument("--status", choices=list(APPROVAL_STATUSES),
                   help="in_force: the exchange may list with it now; expired: past its end")
    p.set_defaults(handler=cmd_listing_approvals)
    p = actions.add_parser("withdrawn-consents", help="signed consent ids their holders withdrew")
    p.add_argument("--holder", help="consents this holder withdrew")
    p.add_argument("--consent-id", type=whole_number(0, 2**256 - 1, "a consent id"),
                   help="only this consent id: is it withdrawn?")
    p.set_defaults(handler=cmd_withdrawn_consents)

    p = sub.add_parser("listings", help="listings, with whether each is valid and why not")
    p.add_argument("--exchange")
    p.add_argument("--asset")
    p.add_argument("--status", choices=list(LISTING_STATUSES))
    p.add_argument("--product-form", choices=list(PRODUCT_FORMS))
    p.add_argument("--price-model", choices=list(PRICE_MODELS))
    p.add_argument("--delivery-mode", choices=DeliveryMode.keys())
    p.set_defaults(handler=cmd_listings)

    p = sub.add_parser("feed", help="an exchange's listing changes, in order, from a cursor")
    p.add_argument("--exchange", required=True)
    p.add_argument("--after", type=feed_cursor, default="0",
                   help="the cursor of the last change applied (0: from the start)")
    p.add_argument("--follow", action="store_true", help="keep polling for new changes")
    p.set_defaults(handler=cmd_feed)
