"""`datareg recognition add|withdraw|list`: the registries the council recognises (一地登记、全国共享).

A recognised registry's certificates are then checked by `datareg verify` and POST /v1/verify on that registry's
own chain, through the RPC endpoint the API is given for its chain id (DATAREG_RECOGNISED_RPC).
"""
from __future__ import annotations

import argparse
from typing import Any

from registry.chain.types import checksum
from registry.cli.api_client import ApiClient
from registry.cli.common import Output, examples, signing_account, submit, whole_number
from registry.config import Settings
from registry.errors import ValidationError
from registry.vocabulary import RecognitionWithdrawalReason


def cmd_recognition(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    if args.action == "list":
        rows = ApiClient(settings.api_url).get("/v1/recognitions", **({"status": args.status} if args.status else {}))
        out.result(rows, render_list)
        return
    # Imported here: `list` needs only httpx (the CLI's start-up budget, see registry/cli/main.py COMMANDS).
    from registry.chain.operations import Operation, Recognise, WithdrawRecognition

    api = ApiClient(settings.api_url)
    council = signing_account(args, settings)
    operation: Operation
    if args.action == "add":
        missing = [flag for flag, value in (("--chain-id", args.chain_id), ("--data-registry", args.data_registry),
                                            ("--registration-office", args.registration_office),
                                            ("--region", args.region), ("--name", args.name)) if value is None]
        if missing:
            raise ValidationError(f"Recognising a registry needs {', '.join(missing)}: the other registry's chain id, "
                                  "its DataRegistry and RegistrationOffice addresses, two digits of its region and "
                                  "its name.")
        if len(args.region) != 2 or not args.region.isdigit():
            raise ValidationError(f"--region must be two digits of the administrative division code (e.g. 46), "
                                  f"got '{args.region}'.")
        operation = Recognise(args.chain_id, checksum(args.data_registry, "DataRegistry address"),
                              checksum(args.registration_office, "RegistrationOffice address"), args.from_block,
                              args.region, args.name)
    else:
        if args.id is None:
            raise ValidationError("Withdrawing a recognition needs its number: `datareg recognition withdraw ID "
                                  "--reason REASON` (`datareg recognition list` shows the numbers).")
        reason = RecognitionWithdrawalReason.from_text(args.reason, "withdrawal reason") if args.reason else None
        if reason is None:
            raise ValidationError("Withdrawing a recognition needs --reason: "
                                  + ", ".join(f"{m.key} ({m.value})" for m in RecognitionWithdrawalReason) + ".")
        operation = WithdrawRecognition(args.id, int(reason))
    result = submit(api, settings, operation, council, relayed=False)
    ids = [e["args"]["recognitionId"] for e in result["events"] if e["name"] == "RegistryRecognised"]
    data = {"tx_hash": result["tx_hash"], "block_number": result["block_number"],
            "recognition_id": ids[0] if ids else args.id}
    message = (f"Recognised as recognition {data['recognition_id']}: {args.name} (chain {args.chain_id})."
               if args.action == "add" else f"Recognition {args.id} withdrawn.")
    out.result(data, lambda d: f"{message}\n  transaction  {d['tx_hash']} (block {d['block_number']})")


def render_list(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "No registry is recognised."
    lines = []
    for r in rows:
        lines.append(f"#{r['recognition_id']} {r['name']} (region {r['region']}): {r['status']} ({r['status_zh']})")
        lines.append(f"  chain {r['chain_id']}, DataRegistry {r['contracts']['DataRegistry']}, RegistrationOffice "
                     f"{r['contracts']['RegistrationOffice']}, from block {r['from_block']}")
        if not r["endpoint_configured"] and r["status"] == "recognised":
            lines.append(f"  no RPC endpoint configured for chain {r['chain_id']} (DATAREG_RECOGNISED_RPC): its "
                         "certificates cannot be checked")
        if r.get("withdrawal_reason"):
            w = r["withdrawal_reason"]
            lines.append(f"  withdrawn: {w['key'] or w['code']} ({w['zh'] or '-'})")
    return "\n".join(lines)


def add_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "recognition",
        help="recognise another registry, withdraw a recognition (council), or list them",
        description="Mutual recognition (一地登记、全国共享): the council recognises another registry deployment (its "
        "chain id, DataRegistry and RegistrationOffice, region and name) or withdraws a recognition; `list` shows "
        "them. Certificates of a recognised registry are checked by `datareg verify` on its own chain, through the "
        "RPC endpoint the API is configured with for that chain id (DATAREG_RECOGNISED_RPC='chainId=url,...').",
        **examples("datareg recognition list"),
    )
    p.add_argument("action", choices=["add", "withdraw", "list"])
    p.add_argument("id", nargs="?", type=whole_number(1, 2**63 - 1, "a recognition number"),
                   help="for withdraw: the recognition's number")
    p.add_argument("--chain-id", type=whole_number(1, 2**64 - 1, "a chain id"), help="for add: the other chain's id")
    p.add_argument("--data-registry", help="for add: its DataRegistry address")
    p.add_argument("--registration-office", help="for add: its RegistrationOffice address")
    p.add_argument("--from-block", type=whole_number(0, 2**64 - 1, "a block number"), default=0,
                   help="for add: its deployment block (verification reads its events from there; default 0)")
    p.add_argument("--region", help="for add: two digits of its administrative division code, e.g. 46")
    p.add_argument("--name", help="for add: its name, e.g. 海南省数据登记中心")
    p.add_argument("--reason", help="for withdraw, a name or number: "
                   + ", ".join(f"{m.key} ({m.value})" for m in RecognitionWithdrawalReason))
    p.add_argument("--status", choices=["recognised", "withdrawn"], help="for list: only these")
    p.add_argument("--key", help="keystore of the council (default: DATAREG_KEY or DATA_DIR/keys/default.json)")
    p.set_defaults(handler=cmd_recognition)
