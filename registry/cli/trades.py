"""Trades on the command line (交易存证): the seller signs its grant of a usage right to the buyer, the buyer
accepts it with the price and the contract, the exchange records the trade and keeps its settlement status.

The signed grant and the acceptance are files, as listing consents are: each party signs offline with its own
key and hands the file on (seller → buyer → exchange)."""
from __future__ import annotations

import argparse
import re
import time
from typing import Any

from eth_utils import keccak

from registry.chain.operations import (
    SETTLEMENT_STATUSES,
    AssignTradeCode,
    Grant,
    GrantTerms,
    RecordDelivery,
    RecordTrade,
    SetSettlement,
    SetTradeCode,
    TradeAcceptance,
    TradeSignatures,
    TradeTerms,
)
from registry.chain.types import checksum
from registry.cli.api_client import ApiClient
from registry.cli.common import (
    Output,
    beijing_time,
    chain_client,
    parse_time,
    read_json_file,
    signing_account,
    submit,
    time_text,
    whole_number,
    write_json_file,
)
from registry.cli.listings import feed_cursor
from registry.cli.rights import store_document
from registry.config import Settings
from registry.errors import ValidationError

NUMBER = re.compile(r"^[A-Z0-9]{2,6}JY(\d{4})(\d{6})$")
TTL = 7 * 86_400


def _field(document: dict[str, Any], key: str, what: str) -> Any:
    if key not in document:
        raise ValidationError(f"The {what} file has no '{key}': is it a {what} file from `datareg trade`?")
    return document[key]


def _signature(text: Any, what: str) -> bytes:
    if not isinstance(text, str) or not re.fullmatch(r"0x[0-9a-fA-F]{130}", text):
        raise ValidationError(f"The {what} file's signature is not 65 bytes of 0x hex.")
    return bytes.fromhex(text[2:])


def _number(text: str) -> tuple[int, int]:
    match = NUMBER.match(text)
    if not match:
        raise ValidationError(f"'{text}' is not a trade certificate number such as SZDEJY2026000001 (code, JY, "
                              "year, six-digit serial).")
    return int(match.group(1)), int(match.group(2))


def cmd_set_code(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    api = ApiClient(settings.api_url)
    operation = SetTradeCode(args.code)
    operation.args()  # refuses a malformed code before anything is sent
    result = submit(api, settings, operation, signing_account(args, settings), relayed=False)
    out.result({"code": args.code, "tx_hash": result["tx_hash"]},
               lambda d: f"Trade code {d['code']} set: your trade numbers start {d['code']}JY.\n"
                         f"  transaction  {d['tx_hash']}")


def cmd_assign_code(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    api = ApiClient(settings.api_url)
    exchange = checksum(args.exchange, "exchange address")
    operation = AssignTradeCode(exchange, args.code)
    operation.args()  # refuses a malformed code before anything is sent
    result = submit(api, settings, operation, signing_account(args, settings), relayed=False)
    out.result({"exchange": exchange, "code": args.code, "tx_hash": result["tx_hash"]},
               lambda d: f"Trade code {d['code']} assigned to {d['exchange']}: its next trade numbers start "
                         f"{d['code']}JY (those issued keep theirs).\n  transaction  {d['tx_hash']}")


def cmd_feed(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    """The party's trades' entries (GET /v1/trades/feed), signed with --key, from --after, as they come."""
    api = ApiClient(settings.api_url, reader=signing_account(args, settings))
    party = api.reader.address
    cursor = args.after
    while True:
        page = api.get("/v1/trades/feed", party=party, after=cursor, limit=1000)
        for entry in page["data"]:
            out.record(entry, lambda e: f"[{e['cursor']}] retracted: the entry at [{e['retracts']}] was removed by a "
                                        "reorg; undo it" if e.get("retracts")
                       else f"[{e['cursor']}] {e['trade_number']} {e['change']}: {e['status']} (listing "
                            f"{e['listing_id']}, exchange {e['exchange']}, seller {e['seller']}, buyer {e['buyer']})")
        cursor = page["next_cursor"]
        if not args.follow:
            break
        time.sleep(1)


def cmd_sign_grant(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    """The seller signs its Grant of a usage right to the buyer, under the contract document."""
    api = ApiClient(settings.api_url)
    seller = signing_account(args, settings)
    listing = api.get(f"/v1/listings/{args.listing}")
    if listing["holder"] != seller.address:
        raise ValidationError(f"Listing {args.listing} is {listing['holder']}'s, not yours ({seller.address}): the "
                              "seller is the holder of the listing's operating right.")
    contract = store_document(api, args.contract)
    terms = GrantTerms(checksum(args.buyer, "buyer address"), valid_until=parse_time(args.until),
                       purpose=args.purpose or "", territory=args.territory or "", terms_cid=contract)
    grant = Grant(listing["asset_id"], args.right, terms)
    grant.args()
    signed = chain_client(api, settings).sign(grant, seller, ttl=TTL)
    document = {"listing_id": args.listing, "exchange": listing["exchange"], "seller": signed.signer,
                "deadline": signed.deadline, "signature": "0x" + signed.signature.hex(), "grant": grant.to_json()}
    write_json_file(args.out, document)
    out.result({**document, "file": args.out},
               lambda d: f"Grant of a usage right to {d['grant']['terms']['grantee']} signed by {d['seller']} for "
                         f"listing {d['listing_id']}; valid until {beijing_time(d['deadline'])}. Give {d['file']} "
                         "to the buyer.")


def _grant_of(document: dict[str, Any]) -> tuple[Grant, int, bytes]:
    grant = Grant.from_json(_field(document, "grant", "grant"))
    return grant, int(_field(document, "deadline", "grant")), _signature(_field(document, "signature", "grant"),
                                                                          "grant")


def _price(args: argparse.Namespace) -> dict[str, Any]:
    if args.price_hash:
        if args.amount is not None or args.currency:
            raise ValidationError("Give either --amount and --currency, or --price-hash for a confidential price.")
        if not re.fullmatch(r"0x[0-9a-fA-F]{64}", args.price_hash):
            raise ValidationError("--price-hash must be 0x followed by 64 hexadecimal digits.")
        return {"price_hash": bytes.fromhex(args.price_hash[2:])}
    if args.amount is None or not args.currency:
        raise ValidationError("Give the price: --amount (in the currency's minor unit, e.g. fen) and --currency "
                              "(e.g. CNY), or --price-hash for a confidential price.")
    return {"price_amount": args.amount, "currency": args.currency.upper()}


def cmd_accept(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    """The buyer accepts the seller's signed grant, with the price: shown the grant's terms, signs its acceptance."""
    api = ApiClient(settings.api_url)
    buyer = signing_account(args, settings)
    document = read_json_file(args.grant, "grant")
    grant, _, signature = _grant_of(document)
    if grant.terms.grantee != buyer.address:
        raise ValidationError(f"The grant is to {grant.terms.grantee}, not to you ({buyer.address}).")
    price = _price(args)
    acceptance = TradeAcceptance(checksum(_field(document, "exchange", "grant"), "exchange"),
                                 int(_field(document, "listing_id", "grant")), keccak(signature),
                                 contract_cid=grant.terms.terms_cid, **price)
    acceptance.args()
    signed = chain_client(api, settings).sign(acceptance, buyer, ttl=TTL)
    accepted = {"buyer": signed.signer, "deadline": signed.deadline, "signature": "0x" + signed.signature.hex(),
                "acceptance": acceptance.to_json()}
    write_json_file(args.out, accepted)
    t = grant.terms
    out.result({**accepted, "file": args.out, "terms": t and grant.to_json()["terms"]},
               lambda d: f"Accepted: a usage right over {grant.asset_id}, purpose '{t.purpose}', territory "
                         f"'{t.territory}', until {beijing_time(t.valid_until) if t.valid_until else 'no end'}. "
                         f"Give {d['file']} and the grant file to the exchange.")


def cmd_record(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    """The exchange records the trade with the seller's grant file and the buyer's acceptance file."""
    api = ApiClient(settings.api_url)
    exchange = signing_account(args, settings)
    grant_file, accepted = read_json_file(args.grant, "grant"), read_json_file(args.acceptance, "acceptance")
    grant, grant_deadline, grant_signature = _grant_of(grant_file)
    acceptance = TradeAcceptance.from_json(_field(accepted, "acceptance", "acceptance"))
    if acceptance.exchange != exchange.address:
        raise ValidationError(f"The acceptance is for exchange {acceptance.exchange}, but you are {exchange.address}.")
    if acceptance.grant_signature_hash != keccak(grant_signature):
        raise ValidationError("The acceptance is of another grant than the grant file given: ask the buyer to "
                              "accept this grant.")
    trade = TradeTerms(acceptance.listing_id, checksum(_field(accepted, "buyer", "acceptance"), "buyer"),
                       grant.parent_index, acceptance.price_amount, acceptance.currency, acceptance.price_hash,
                       acceptance.contract_cid)
    signatures = TradeSignatures(grant_deadline, grant_signature, int(_field(accepted, "deadline", "acceptance")),
                                 _signature(_field(accepted, "signature", "acceptance"), "acceptance"))
    result = submit(api, settings, RecordTrade(trade, grant.terms, signatures), exchange, relayed=False)
    recorded = next(e["args"] for e in result["events"] if e["name"] == "TradeRecorded")
    api.wait_for_block(result["block_number"])
    shown = api.get("/v1/trades", exchange=exchange.address, asset=grant.asset_id, limit=100)["data"]
    number = next(t["number"] for t in shown if (t["year"], t["serial"]) == (recorded["year"], recorded["serial"]))
    out.result({"number": number, "right_index": recorded["rightIndex"], "tx_hash": result["tx_hash"],
                "gas_used": result["gas_used"]},
               lambda d: f"Trade {d['number']} recorded; the buyer holds usage right {d['right_index']}.\n"
                         f"  transaction  {d['tx_hash']} (gas {d['gas_used']})")


def cmd_settle(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    api = ApiClient(settings.api_url)
    year, serial = _number(args.number)
    operation = SetSettlement(year, serial, args.status, store_document(api, args.note))
    operation.args()
    result = submit(api, settings, operation, signing_account(args, settings), relayed=False)
    api.wait_for_block(result["block_number"])
    out.result({"number": args.number, "settlement": args.status, "tx_hash": result["tx_hash"]},
               lambda d: f"Trade {d['number']}: {d['settlement']}.\n  transaction  {d['tx_hash']}")


def cmd_deliver(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    api = ApiClient(settings.api_url)
    year, serial = _number(args.number)
    result = submit(api, settings, RecordDelivery(year, serial, store_document(api, args.evidence)),
                    signing_account(args, settings), relayed=False)
    api.wait_for_block(result["block_number"])
    out.result({"number": args.number, "tx_hash": result["tx_hash"]},
               lambda d: f"Delivery evidence recorded for trade {d['number']}.\n  transaction  {d['tx_hash']}")


def cmd_show(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    api = ApiClient(settings.api_url)
    _number(args.number)
    t = api.get(f"/v1/trades/{checksum(args.exchange, 'exchange address')}/{args.number}")
    price = (f"{t['price_amount']} {t['currency']} (minor unit)" if t["price_amount"]
             else f"confidential ({t['price_hash']})")
    out.result(t, lambda d: "\n".join([
        f"Trade {d['number']} on listing {d['listing_id']} of asset {d['asset_id']}",
        f"  seller       {d['seller']}", f"  buyer        {d['buyer']} (usage right {d['right_index']})",
        f"  price        {price}", f"  contract     {d['contract_cid']}", f"  delivery     {d['delivery_cid']}",
        f"  settlement   {d['settlement']}", f"  recorded     {d['recorded_at']} (block {d['recorded_block']})"]))


def add_parsers(sub: Any) -> None:
    def key(p: argparse.ArgumentParser, who: str) -> None:
        p.add_argument("--key", help=f"keystore of the {who} (default: DATAREG_KEY or DATA_DIR/keys/default.json)")

    trade = sub.add_parser("trade", help="trade records: sign a grant, accept, record, settle, deliver, show")
    actions = trade.add_subparsers(dest="action", required=True, metavar="ACTION")

    p = actions.add_parser("set-code", help="as an exchange, set the code your trade numbers start with (once)")
    p.add_argument("code", help="2-6 characters A-Z and 0-9, e.g. SZDE")
    key(p, "exchange")
    p.set_defaults(handler=cmd_set_code)

    p = actions.add_parser("assign-code", help="as the council (admin), approve or override an exchange's trade code")
    p.add_argument("exchange", help="the exchange's address")
    p.add_argument("code", help="2-6 characters A-Z and 0-9, not another exchange's (numbers issued keep their code)")
    key(p, "council's admin")
    p.set_defaults(handler=cmd_assign_code)

    p = actions.add_parser("feed", help="your trades' entries (as exchange, seller or buyer), in order, signed with "
                                        "--key")
    p.add_argument("--after", type=feed_cursor, default="0", help="the cursor of the last entry applied (0: from the "
                                                                   "start)")
    p.add_argument("--follow", action="store_true", help="keep polling for new entries")
    key(p, "party")
    p.set_defaults(handler=cmd_feed)

    p = actions.add_parser("sign-grant", help="as the seller, sign the grant of a usage right to the buyer")
    p.add_argument("--listing", required=True, type=whole_number(1, 2**64 - 1, "a listing number"))
    p.add_argument("--buyer", required=True)
    p.add_argument("--right", default=2, type=whole_number(1, 2**24 - 1, "a right number"),
                   help="your usage right the buyer's is granted from (default 2, the primary usage right)")
    p.add_argument("--until", required=True, type=time_text, help="the end of the buyer's right (ISO or +365d)")
    p.add_argument("--purpose")
    p.add_argument("--territory")
    p.add_argument("--contract", required=True, help="the contract document; stored, its CID goes on chain")
    p.add_argument("--out", default="grant.json")
    key(p, "seller")
    p.set_defaults(handler=cmd_sign_grant)

    p = actions.add_parser("accept", help="as the buyer, accept a signed grant with the price")
    p.add_argument("grant", help="the grant file the seller signed")
    p.add_argument("--amount", type=whole_number(1, 2**256 - 1, "an amount in the minor unit"))
    p.add_argument("--currency")
    p.add_argument("--price-hash", help="instead: the commitment to a confidential price")
    p.add_argument("--out", default="acceptance.json")
    key(p, "buyer")
    p.set_defaults(handler=cmd_accept)

    p = actions.add_parser("record", help="as the exchange, record a trade with the grant and acceptance files")
    p.add_argument("--grant", required=True)
    p.add_argument("--acceptance", required=True)
    key(p, "exchange")
    p.set_defaults(handler=cmd_record)

    p = actions.add_parser("settle", help="as the exchange, set a trade's settlement status")
    p.add_argument("number", help="the trade certificate number")
    p.add_argument("status", choices=list(SETTLEMENT_STATUSES))
    p.add_argument("--note", help="a note or receipt; stored, its CID goes on chain")
    key(p, "exchange")
    p.set_defaults(handler=cmd_settle)

    p = actions.add_parser("deliver", help="as the exchange, record delivery evidence for a trade")
    p.add_argument("number")
    p.add_argument("--evidence", required=True)
    key(p, "exchange")
    p.set_defaults(handler=cmd_deliver)

    p = actions.add_parser("show", help="one trade, by exchange and certificate number")
    p.add_argument("exchange")
    p.add_argument("number")
    p.set_defaults(handler=cmd_show)
