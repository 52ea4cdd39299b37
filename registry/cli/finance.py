"""Finance records on the command line (issue 21): a holder's accounting record of an asset (数据资产入表), kept
private to the holder and its auditor, and capital contribution (作价出资) and data-trust (数据信托) remarks.

Each write is the holder's own transaction to the FinanceRecords contract, which checks through the DataRegistry
that the key holds the asset's holding right (--right, default: the key's valid holding right)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from registry.chain.types import asset_id_hex, checksum
from registry.cli.api_client import ApiClient
from registry.cli.common import (
    Output,
    beijing_time,
    examples,
    key_path,
    parse_time,
    signing_account,
    submit,
    time_text,
    unlock,
    whole_number,
)
from registry.cli.rights import resolve_right, store_document
from registry.config import Settings
from registry.errors import ValidationError

ZERO = bytes(32)


def _holding_right(api: ApiClient, args: argparse.Namespace, asset_id: str, holder: str) -> int:
    return resolve_right(api, asset_id, str(args.right) if args.right else "holding", holder)


def _done(out: Output, result: dict[str, Any], message: str, **extra: Any) -> None:
    data = {"tx_hash": result["tx_hash"], "block_number": result["block_number"], "gas_used": result["gas_used"],
            **extra}
    out.result(data, lambda d: f"{message}\n  transaction  {d['tx_hash']} (block {d['block_number']}, "
                               f"{d['gas_used']:,} gas)")


# ─────────────────────────────── accounting (数据资产入表) ───────────────────────────────


def cmd_accounting_record(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    """Stores the accounting document (encrypted, on the API's server) and commits to it on chain."""
    from registry.chain.operations import RecordAccounting
    from registry.content.cid import cid_to_digest

    asset_id = asset_id_hex(args.asset_id)
    api = ApiClient(settings.api_url)
    account = signing_account(args, settings)
    try:
        document = json.loads(Path(args.document).read_text())
    except OSError as exc:
        raise ValidationError(f"Cannot read '{args.document}': {exc.strerror}.") from None
    except ValueError as exc:
        raise ValidationError(f"'{args.document}' is not JSON: {exc}.") from None
    if not isinstance(document, dict):
        raise ValidationError(f"'{args.document}' must hold a JSON object: the accounting document.")
    # The document names the asset and holder it is about; the command fills them in (or checks them).
    for field, value in (("asset_id", asset_id), ("holder", account.address)):
        given = document.get(field)
        if given is not None and str(given).lower() != value.lower():
            raise ValidationError(f"'{args.document}' gives {field} {given}, but this record is of {value}: "
                                  f"remove {field} from the file or use the right asset and key.")
        document[field] = value
    auditor = checksum(args.auditor, "auditor address") if args.auditor else "0x" + "00" * 20
    right = _holding_right(api, args, asset_id, account.address)
    stored = api.post("/v1/accounting/documents", document)
    operation = RecordAccounting(asset_id, right, auditor, cid_to_digest(stored["cid"]))
    result = submit(api, settings, operation, account, relayed=False)
    api.wait_for_block(result["block_number"])
    revision = next((e["args"]["revision"] for e in result["events"] if e["name"] == "AccountingRecorded"), None)
    _done(out, result, f"Accounting record of asset {asset_id} committed (revision {revision}): document "
          f"{stored['cid']}, readable by you and {args.auditor or 'no auditor'} only.",
          cid=stored["cid"], revision=revision, auditor=args.auditor)


def cmd_accounting_show(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    """A holder's accounting document, as the holder or its auditor (signed read with --key or the default
    key)."""
    from registry.cli.common import default_key_path

    asset_id = asset_id_hex(args.asset_id)
    reader = unlock(key_path(args.key, settings) if args.key else default_key_path(settings))
    api = ApiClient(settings.api_url, reader=reader)
    holder = checksum(args.holder, "holder address") if args.holder else reader.address
    answer = api.get(f"/v1/assets/{asset_id}/accounting/{holder}")

    def human(d: dict[str, Any]) -> str:
        doc, record = d["document"], d["record"]
        lines = [f"Accounting record of asset {d['asset_id']} by {record['holder']} (revision {record['revision']}, "
                 f"verified against the chain: {d['verified']})",
                 f"  auditor          {record['auditor'] or '-'}", f"  document         {record['document_cid']}",
                 f"  category         {doc['category']}", f"  recognised on    {doc.get('recognised_on', '-')}"]
        for item in doc.get("cost_basis", []):
            lines.append(f"  cost             {item['item']}: {item['amount']} {doc['currency']}")
        if doc.get("amortisation_method"):
            lines.append(f"  amortisation     {doc['amortisation_method']} over "
                         f"{doc.get('useful_life_months', '-')} months")
        for i in doc.get("impairments", []):
            lines.append(f"  impairment       {i['date']}: {i['amount']} {doc['currency']} ({i['reason']})")
        return "\n".join(lines)

    out.result(answer, human)


# ─────────────────────────────── contribution (作价出资) and trust (数据信托) ───────────────────────────────


def _record_remark(args: argparse.Namespace, settings: Settings, out: Output, kind: str, counterparty: str,
                   beneficiaries: tuple[str, ...]) -> None:
    from registry.chain.operations import RecordFinanceRemark

    asset_id = asset_id_hex(args.asset_id)
    api = ApiClient(settings.api_url)
    account = signing_account(args, settings)
    right = _holding_right(api, args, asset_id, account.address)
    start = parse_time(args.start) if args.start else None
    operation = RecordFinanceRemark(
        asset_id, right, kind, checksum(counterparty, "counterparty address"), beneficiaries,
        store_document(api, args.agreement, private=True), start or 0,
        parse_time(args.until) if args.until else 0)
    operation.args()  # refuses a malformed address before anything is stored or sent
    result = submit(api, settings, operation, account, relayed=False)
    api.wait_for_block(result["block_number"])
    remark_id = next((e["args"]["remarkId"] for e in result["events"] if e["name"] == "FinanceRemarkRecorded"), None)
    what = "Capital contribution" if kind == "capital_contribution" else "Data trust"
    _done(out, result, f"{what} recorded on asset {asset_id}: remark {remark_id}.", remark_id=remark_id)


def cmd_contribution_record(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    _record_remark(args, settings, out, "capital_contribution", args.investee, ())


def cmd_trust_record(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    if not args.beneficiary:
        raise ValidationError("A data trust names at least one beneficiary: add --beneficiary ADDRESS.")
    _record_remark(args, settings, out, "data_trust", args.trustee,
                   tuple(checksum(b, "beneficiary address") for b in args.beneficiary))


def cmd_remark_end(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    from registry.chain.operations import EndFinanceRemark

    api = ApiClient(settings.api_url)
    operation = EndFinanceRemark(args.remark_id, store_document(api, args.evidence, private=True))
    result = submit(api, settings, operation, signing_account(args, settings), relayed=False)
    api.wait_for_block(result["block_number"])
    _done(out, result, f"Remark {args.remark_id} ended.", remark_id=args.remark_id)


def cmd_remarks(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    asset_id = asset_id_hex(args.asset_id)
    remarks = ApiClient(settings.api_url).get(f"/v1/assets/{asset_id}/finance-remarks")

    def human(rows: list[dict[str, Any]]) -> str:
        if not rows:
            return f"No capital contribution or data trust is recorded on asset {asset_id}."
        lines = []
        for r in rows:
            lines.append(f"remark {r['remark_id']}  {r['kind']} ({r['kind_zh']})  {r['status']}  by {r['holder']}")
            role = "investee" if r["kind"] == "capital_contribution" else "trustee"
            lines.append(f"  {role:<13}{r['counterparty']}")
            for b in r["beneficiaries"]:
                lines.append(f"  beneficiary  {b}")
            lines.append(f"  agreement    {r['document_cid']}  from {beijing_time(r['effective_from'])}"
                         + (f" until {beijing_time(r['effective_until'])}" if r["effective_until"] else ""))
        return "\n".join(lines)

    out.result(remarks, human)


def add_parsers(sub: Any) -> None:
    def holder_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--right", type=whole_number(1, 2**64 - 1, "a right number"),
                       help="your holding right's number (default: your valid holding right of the asset)")
        p.add_argument("--key", help="keystore of the holder (default: DATAREG_KEY or DATA_DIR/keys/default.json)")

    def remark_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("asset_id")
        p.add_argument("--agreement", required=True, help="the agreement; stored encrypted, its CID goes on chain")
        p.add_argument("--start", type=time_text, help="when it takes effect: ISO date/time or +1d (default: unset)")
        p.add_argument("--until", type=time_text, help="when it ends by its terms (default: no fixed end)")
        holder_options(p)

    accounting = sub.add_parser(
        "accounting", help="an asset's accounting record (数据资产入表), private to you and your auditor",
        **examples("datareg register examples/finance/dataset.csv --metadata examples/finance/dataset.json",
                   "datareg accounting record NEW_ID --document examples/finance/accounting.json "
                   "--auditor 0xAPPRAISER",
                   "datareg accounting show NEW_ID"))
    actions = accounting.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = actions.add_parser("record", help="store the accounting document encrypted and commit to it on chain")
    p.add_argument("asset_id")
    p.add_argument("--document", required=True, help="the accounting document (JSON: category, cost_basis, "
                   "useful_life_months, amortisation_method, impairments; see examples/finance/accounting.json)")
    p.add_argument("--auditor", help="the auditor who may read the document besides you")
    holder_options(p)
    p.set_defaults(handler=cmd_accounting_record)
    p = actions.add_parser("show", help="read an accounting document as its holder or auditor (signed read)")
    p.add_argument("asset_id")
    p.add_argument("--holder", help="whose record (default: the reading key's own)")
    p.add_argument("--key", help="read as this party (default: DATAREG_KEY or DATA_DIR/keys/default.json)")
    p.set_defaults(handler=cmd_accounting_show)

    contribution = sub.add_parser(
        "contribution", help="capital contribution (作价出资) of an asset: record it, release it",
        **examples("datareg contribution record NEW_ID --investee 0xOTHER "
                   "--agreement examples/finance/agreement.txt --start 2026-12-01",
                   "datareg contribution list NEW_ID"))
    actions = contribution.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = actions.add_parser("record", help="as the holding-right holder, record a capital contribution")
    p.add_argument("--investee", required=True, help="the company the asset is contributed to")
    remark_options(p)
    p.set_defaults(handler=cmd_contribution_record)
    p = actions.add_parser("release", help="release a contribution you recorded")
    p.add_argument("remark_id", type=whole_number(1, 2**64 - 1, "a remark number"))
    p.add_argument("--evidence", help="the release document; stored encrypted, its CID goes on chain")
    p.add_argument("--key", help="keystore of the holder that recorded it")
    p.set_defaults(handler=cmd_remark_end)
    p = actions.add_parser("list", help="an asset's contribution and trust remarks")
    p.add_argument("asset_id")
    p.set_defaults(handler=cmd_remarks)

    trust = sub.add_parser(
        "trust", help="data trust (数据信托) of an asset: record it with trustee and beneficiaries, end it",
        **examples("datareg trust record NEW_ID --trustee 0xOTHER --beneficiary 0xEXCHANGE "
                   "--agreement examples/finance/agreement.txt --until +365d"))
    actions = trust.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = actions.add_parser("record", help="as the holding-right holder, record a data trust")
    p.add_argument("--trustee", required=True)
    p.add_argument("--beneficiary", action="append", help="a beneficiary's address (repeat for several)")
    remark_options(p)
    p.set_defaults(handler=cmd_trust_record)
    p = actions.add_parser("end", help="end a trust you recorded")
    p.add_argument("remark_id", type=whole_number(1, 2**64 - 1, "a remark number"))
    p.add_argument("--evidence", help="the termination document; stored encrypted, its CID goes on chain")
    p.add_argument("--key", help="keystore of the holder that recorded it")
    p.set_defaults(handler=cmd_remark_end)
    p = actions.add_parser("list", help="an asset's contribution and trust remarks")
    p.add_argument("asset_id")
    p.set_defaults(handler=cmd_remarks)
