"""Public-data authorised operation on the command line (公共数据授权运营, issue 21): a data authority authorises a
first-level operator and approves its scenarios; the operator binds its catalogue assets and licenses second-level
operators; the authority revokes. Each is a transaction the acting party signs with its own key."""
from __future__ import annotations

import argparse
from typing import Any

from registry.chain.operations import (
    ApproveScenario,
    AuthorisationTerms,
    Authorise,
    BindAsset,
    License,
    RevokeAuthorisation,
    RevokeLicence,
)
from registry.chain.types import checksum
from registry.cli.api_client import ApiClient
from registry.cli.common import Output, examples, parse_time, signing_account, submit, whole_number
from registry.cli.rights import store_document
from registry.config import Settings
from registry.vocabulary import AuthorisationRevocationReason

AUTHORISATION = whole_number(1, 2**63 - 1, "an authorisation number")
REASONS = {m.key: m.value for m in AuthorisationRevocationReason}


def _sent(out: Output, what: str, result: dict[str, Any], **extra: Any) -> None:
    out.result({**extra, "tx_hash": result["tx_hash"]},
               lambda d: f"{what}.\n  transaction  {d['tx_hash']}")


def cmd_grant(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    """The authority records an authorisation; its number is in the AuthorisationGranted event."""
    api = ApiClient(settings.api_url)
    terms = AuthorisationTerms(
        operator=checksum(args.operator, "operator address"), catalogue_cid=store_document(api, args.catalogue),
        catalogue_entries=args.entries, scenarios=tuple(args.scenario),
        valid_from=parse_time(args.start) if args.start else 0, valid_until=parse_time(args.until),
        conditions_cid=store_document(api, args.conditions))
    result = submit(api, settings, Authorise(terms), signing_account(args, settings), relayed=False)
    granted = next((e for e in result.get("events", []) if e.get("name") == "AuthorisationGranted"), None)
    number = granted["args"]["authorisationId"] if granted else None
    out.result({"authorisation_id": number, "tx_hash": result["tx_hash"]},
               lambda d: f"Authorisation {d['authorisation_id']} recorded for operator {terms.operator}.\n"
                         f"  transaction  {d['tx_hash']}")


def cmd_approve(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    api = ApiClient(settings.api_url)
    operation = ApproveScenario(args.authorisation, args.scenario, store_document(api, args.review))
    result = submit(api, settings, operation, signing_account(args, settings), relayed=False)
    _sent(out, f"Scenario '{args.scenario}' approved under authorisation {args.authorisation}", result,
          authorisation_id=args.authorisation, scenario=args.scenario)


def cmd_license(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    api = ApiClient(settings.api_url)
    operation = License(args.authorisation, checksum(args.licensee, "licensee address"), tuple(args.scenario),
                        parse_time(args.until), store_document(api, args.terms))
    result = submit(api, settings, operation, signing_account(args, settings), relayed=False)
    _sent(out, f"{operation.licensee} licensed under authorisation {args.authorisation}", result,
          authorisation_id=args.authorisation, licensee=operation.licensee)


def cmd_bind(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    api = ApiClient(settings.api_url)
    operation = BindAsset(args.authorisation, args.asset, args.entry)
    result = submit(api, settings, operation, signing_account(args, settings), relayed=False)
    _sent(out, f"Asset {args.asset} is public data under authorisation {args.authorisation}", result,
          authorisation_id=args.authorisation, asset_id=args.asset)


def cmd_revoke(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    api = ApiClient(settings.api_url)
    reason = REASONS[args.reason]
    if args.licensee:
        operation: Any = RevokeLicence(args.authorisation, checksum(args.licensee, "licensee address"), reason)
        what = f"Licence of {args.licensee} under authorisation {args.authorisation} revoked"
    else:
        operation = RevokeAuthorisation(args.authorisation, reason, store_document(api, args.evidence))
        what = f"Authorisation {args.authorisation} revoked: every right under it has lapsed"
    result = submit(api, settings, operation, signing_account(args, settings), relayed=False)
    _sent(out, what, result, authorisation_id=args.authorisation, reason=args.reason)


def cmd_show(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    api = ApiClient(settings.api_url)
    a = api.get(f"/v1/authorisations/{args.authorisation}")
    assets = api.get(f"/v1/authorisations/{args.authorisation}/assets?limit=100")
    a["assets"] = assets["data"]

    def text(d: dict[str, Any]) -> str:
        lines = [f"Authorisation {d['authorisation_id']}: {d['status']}",
                 f"  authority    {d['authority']}", f"  operator     {d['operator']}",
                 f"  term         {d['valid_from']} .. {d['valid_until']}",
                 f"  catalogue    {d['catalogue_entries']} entries ({d['catalogue_cid']})"]
        if d["revocation_reason"]:
            r = d["revocation_reason"]
            lines.append(f"  revoked      {d['revoked_at']}: {r['en'] or r['code']} ({r['zh'] or ''})")
        for s in d["approved_scenarios"]:
            lines.append(f"  scenario     {s['scenario']}: {'approved' if s['approved'] else 'not approved yet'}")
        for lic in d["licences"]:
            lines.append(f"  licensee     {lic['licensee']} until {lic['valid_until']}: "
                         f"{'in force' if lic['in_force'] else lic['reason']}")
        for asset in d["assets"]:
            valid = sum(1 for r in asset["rights"] if r["valid"])
            lines.append(f"  asset        {asset['asset_id']}: {valid} of {len(asset['rights'])} rights valid, "
                         f"{sum(1 for x in asset['listings'] if x['valid'])} of {len(asset['listings'])} listings")
        return "\n".join(lines)

    out.result(a, text)


def add_parsers(sub: Any) -> None:
    def key(p: argparse.ArgumentParser, who: str) -> None:
        p.add_argument("--key", help=f"keystore of the {who} (default: DATAREG_KEY or DATA_DIR/keys/default.json)")

    # The examples run in this order on `make run`'s stack (tests/test_readme.py): the authority (key `authority`)
    # authorises your dev key's account, which registers and binds its asset and licenses the appraiser.
    you = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    top = sub.add_parser("authorisation", help="public-data authorised operation: grant, approve-scenario, "
                         "license, bind, revoke, show", **examples(
                             "datareg register examples/public-data/dataset.csv "
                             "--metadata examples/public-data/dataset.json",
                             f"datareg authorisation grant --operator {you} --entries 3 --scenario 交通规划研究 "
                             "--until +365d --catalogue examples/public-data/catalogue.json --key authority",
                             "datareg authorisation bind AUTHORISATION_ID NEW_ID --entry 1",
                             "datareg authorisation approve-scenario AUTHORISATION_ID 交通规划研究 --key authority",
                             "datareg authorisation license AUTHORISATION_ID 0xAPPRAISER --scenario 交通规划研究 "
                             "--until +180d",
                             "datareg authorisation show AUTHORISATION_ID",
                             "datareg authorisation revoke AUTHORISATION_ID --licensee 0xAPPRAISER "
                             "--reason breach_of_conditions",
                             "datareg authorisation revoke AUTHORISATION_ID --reason security_incident --key authority",
                             "datareg --json authorisation show AUTHORISATION_ID"))
    actions = top.add_subparsers(dest="action", required=True, metavar="ACTION")

    p = actions.add_parser("grant", help="as a data authority, authorise a first-level operator")
    p.add_argument("--operator", required=True)
    p.add_argument("--catalogue", help="the catalogue document of the data in scope; stored, its CID goes on chain")
    p.add_argument("--entries", required=True, type=whole_number(1, 2**32 - 1, "a number of catalogue entries"))
    p.add_argument("--scenario", action="append", required=True, help="a permitted scenario (repeat for several)")
    p.add_argument("--start", help="when it starts (ISO or +1d; default now)")
    p.add_argument("--until", required=True, help="when it ends (ISO or +365d)")
    p.add_argument("--conditions", help="the conditions document; stored, its CID goes on chain")
    key(p, "authority")
    p.set_defaults(handler=cmd_grant)

    p = actions.add_parser("approve-scenario", help="as the authority, approve a permitted scenario (一类场景一审定)")
    p.add_argument("authorisation", type=AUTHORISATION)
    p.add_argument("scenario")
    p.add_argument("--review", help="the review document; stored, its CID goes on chain")
    key(p, "authority")
    p.set_defaults(handler=cmd_approve)

    p = actions.add_parser("license", help="as the operator, license a second-level operator")
    p.add_argument("authorisation", type=AUTHORISATION)
    p.add_argument("licensee")
    p.add_argument("--scenario", action="append", required=True)
    p.add_argument("--until", required=True)
    p.add_argument("--terms", help="the licence document; stored, its CID goes on chain")
    key(p, "operator")
    p.set_defaults(handler=cmd_license)

    p = actions.add_parser("bind", help="as the operator, bind an asset you registered (a catalogue entry)")
    p.add_argument("authorisation", type=AUTHORISATION)
    p.add_argument("asset")
    p.add_argument("--entry", required=True, type=whole_number(1, 2**32 - 1, "a catalogue entry number"))
    key(p, "operator")
    p.set_defaults(handler=cmd_bind)

    p = actions.add_parser("revoke", help="as the authority, revoke the authorisation (or, with --licensee, as the "
                           "operator, a licence): every right under it lapses")
    p.add_argument("authorisation", type=AUTHORISATION)
    p.add_argument("--reason", required=True, choices=list(REASONS))
    p.add_argument("--licensee")
    p.add_argument("--evidence", help="the evidence document; stored, its CID goes on chain")
    key(p, "authority or operator")
    p.set_defaults(handler=cmd_revoke)

    p = actions.add_parser("show", help="an authorisation, its scenarios, licences and what falls under it")
    p.add_argument("authorisation", type=AUTHORISATION)
    p.set_defaults(handler=cmd_show)
