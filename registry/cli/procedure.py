"""The national registration procedure on the command line: every step (apply, accept, return, review,
object, resolve, certify, renew, change, cancel, freeze, release, pledge, release pledge, attest, revoke an
attestation), signed with the acting party's key, sent directly or (--relay) relayed by the API."""
from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from registry import calendar
from registry.chain.operations import (
    AcceptApplication,
    AcceptRight,
    AdminReleaseFreeze,
    ApplyForChange,
    ApplyForRegistration,
    Appraise,
    Attest,
    BoolKind,
    Cancel,
    Cli,
    CompleteRegistration,
    ConfigureIpRegistrar,
    ConfigureRegistrar,
    ConsentAsPledgee,
    Engage,
    Freeze,
    LodgeObjection,
    Member,
    Named,
    Operation,
    RecordPledge,
    RefuseRenewal,
    ReleaseFreeze,
    ReleasePledge,
    RenewRegistration,
    RequestRenewal,
    ResolveObjection,
    ReturnApplication,
    ReviewApplication,
    ReviewChange,
    RevokeAttestation,
    Uint,
    WithdrawAssignment,
    WithdrawEngagement,
)
from registry.chain.types import asset_id_hex, checksum
from registry.cli.api_client import ApiClient
from registry.cli.common import (
    READ_KEY_HELP,
    Output,
    beijing_time,
    chain_client,
    examples,
    legal_status_line,
    parse_time,
    reading_client,
    signing_account,
    submit,
    time_text,
    whole_number,
)
from registry.cli.rights import store_document
from registry.config import Settings
from registry.content import cid_to_digest, fingerprint_bytes, fingerprint_file
from registry.errors import ValidationError
from registry.metadata import canonical_bytes
from registry.prepare import load_metadata
from registry.vocabulary import AttestationRevocationReason

ZERO = bytes(32)

# name: (help, who acts, the operation: its declared fields are the command's arguments)
STEPS: dict[str, tuple[str, str, type[Operation]]] = {
    "apply": ("apply for registration of an asset you registered", "applicant", ApplyForRegistration),
    "accept": ("accept an application (registrar)", "registrar", AcceptApplication),
    "return": ("return an application for missing material (registrar)", "registrar", ReturnApplication),
    "review": ("pass the review, starting publicity, or end the application with --terminate (registrar)",
               "registrar", ReviewApplication),
    "object": ("lodge an objection during publicity (any participant)", "objector", LodgeObjection),
    "resolve": ("uphold or reject an objection (registrar)", "registrar", ResolveObjection),
    "certify": ("register after publicity, issuing the certificate number (registrar)", "registrar",
                CompleteRegistration),
    "renew-request": ("request renewal, 6 months to 1 day before the registration ends (the certificate's holder)",
                      "holder", RequestRenewal),
    "renew-registration": ("grant the holder's renewal request (registrar)", "registrar", RenewRegistration),
    "refuse-renewal": ("refuse the holder's renewal request (registrar)", "registrar", RefuseRenewal),
    "change": ("apply for a change registration: a new metadata document, new data if --file, classification and "
               "flags; current only once the registrar approves it (registrant)", "registrant", ApplyForChange),
    "review-change": ("approve a change registration, or refuse it with --refuse (registrar)", "registrar",
                      ReviewChange),
    "cancel": ("cancel an asset's record (registrant on request; registrar for reasons 2-4)", "party", Cancel),
    "freeze": ("record a freeze order (regulator); a further order waits behind a standing one (轮候查封)",
               "regulator", Freeze),
    "unfreeze": ("release a freeze order you issued (regulator)", "regulator", ReleaseFreeze),
    "release": ("release a freeze order you issued (regulator; same as unfreeze)", "regulator", ReleaseFreeze),
    "admin-unfreeze": ("release a freeze order with a recorded reason (council admin)", "admin", AdminReleaseFreeze),
    "pledge-consent": ("consent, once, to a transfer or grant of the pledged operating right or to cancellation "
                       "(pledgee)", "pledgee", ConsentAsPledgee),
    "accept-right": ("accept a right the registrant named you to hold (until then it is pending)", "holder",
                     AcceptRight),
    "withdraw-right": ("withdraw a right you named another party to, before it accepts (registrant)", "registrant",
                       WithdrawAssignment),
    "pledge": ("record a pledge registered in the movable-property financing registry (registrar)", "registrar",
               RecordPledge),
    "release-pledge": ("record the release of a pledge (registrar)", "registrar", ReleasePledge),
    "attest": ("issue a compliance certification, quality evaluation, notarisation, custody or insurance record "
               "(a qualified service provider of the kind's role; appraisals: engage, then appraise)", "issuer",
               Attest),
    "engage": ("engage an appraiser for an asset whose holding right you hold (业务委托; --relay: signed, the API "
               "relays it)", "holder", Engage),
    "appraise": ("issue an appraisal under a holder's engagement, with valuation date and value type (qualified "
                 "appraiser)", "appraiser", Appraise),
    "withdraw-engagement": ("withdraw an engagement of an appraiser you made, before it is used (holder)", "holder",
                            WithdrawEngagement),
}

#: `$ datareg` lines in a step's --help (tests/test_readme.py runs them after the README, ENGAGEMENT_ID being the
#: engagement the last `engage` printed; DERIVED_ID, since the README cancels ASSET_ID at the end).
STEP_EXAMPLES: dict[str, tuple[str, ...]] = {
    "engage": ("datareg engage 0xAPPRAISER DERIVED_ID --right 1",),
    "appraise": ("datareg appraise DERIVED_ID --engagement ENGAGEMENT_ID --value 120000000 --valuation-date "
                 "2026-11-30 --value-type market --method 收益法 --basis 数据资产评估指导意见 --key appraiser",),
}


# ───────────── a field's command-line argument, from its declaration in chain/operations.py ─────────────

def _option(member: Member) -> tuple[str, dict[str, Any]]:
    """The argparse argument of a field: its declared option, else the positional argument of its name."""
    cli = member.arg.cli or Cli(member.name)
    options: dict[str, Any] = {}
    if isinstance(member.kind, BoolKind):
        options["action"] = "store_true"
    elif isinstance(member.kind, Uint) and not cli.source:
        # Bounded as the field's JSON form is, so a value the contract cannot take is refused while parsing.
        high = 2**member.kind.bits - 1 if member.kind.high is None else member.kind.high
        options["type"] = whole_number(member.kind.low, high, f"a number for {cli.flag}")
    elif cli.source == "time":
        options["type"] = time_text
    elif cli.source == "publicity":
        options["type"] = publicity_end_text
    if isinstance(member.kind, Named):
        options["choices"] = list(member.kind.codes)
    if cli.required:
        options["required"] = True
    if cli.default is not None:
        options["default"] = cli.default
    help_text = cli.help
    if cli.vocabulary is not None:
        help_text = (f"{help_text}; " if help_text else "") + "a name or number: " + ", ".join(
            f"{m.key} ({m.value})" for m in cli.vocabulary)
    if help_text:
        options["help"] = help_text
    return cli.flag, options


def _store_metadata(api: ApiClient, path: str) -> bytes:
    document = load_metadata(Path(path))
    stored = api.post("/v1/metadata", json.loads(canonical_bytes(document)))
    if stored["cid"] != fingerprint_bytes(canonical_bytes(document)).cid:
        raise ValidationError("The API stored the metadata under another CID; nothing was changed.")
    return cid_to_digest(stored["cid"])


def _value(api: ApiClient, member: Member, text: Any) -> Any:
    """The field's value from its argument's text, by the declared source or else as its JSON form is read."""
    cli = member.arg.cli or Cli(member.name)
    if cli.invert:
        return not text
    if cli.source == "document":
        return store_document(api, text, private=cli.private)
    if cli.source == "metadata":
        return _store_metadata(api, text)
    if cli.source == "fingerprint":
        return fingerprint_file(Path(text)).sha256 if text else ZERO
    if cli.source == "time":
        return parse_time(text) if text else 0
    if cli.source == "publicity":
        return publicity_end(text) if text else 0  # 0: counted on the calendar when sending (_run)
    if cli.source == "names" and cli.vocabulary is not None:
        # A name or number of the vocabulary; the default (0: no reason) as it is.
        return text if isinstance(text, int) else int(cli.vocabulary.from_text(text))
    return member.kind.from_json(text, member.arg.label or member.name)


def _dest(member: Member) -> str:
    return (member.arg.cli or Cli(member.name)).flag.lstrip("-").replace("-", "_")


def build_step(step: str, api: ApiClient, args: argparse.Namespace) -> Operation:
    """The step's operation from the parsed arguments, field by field."""
    operation = STEPS[step][2]
    members = operation.struct().members()
    return operation(**{m.name: _value(api, m, getattr(args, _dest(m))) for m in members})


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def publicity_end(text: str) -> int:
    """A publicity end as given: a day (YYYY-MM-DD) is its last day, the period running through 24:00 Beijing
    time; anything else is a time as `parse_time` reads it."""
    text = text.strip()
    if _DAY.fullmatch(text):
        try:
            return calendar.end_of_day(date.fromisoformat(text))
        except ValueError:
            raise ValidationError(f"'{text}' is not a day: use YYYY-MM-DD, e.g. 2026-10-12.") from None
    return parse_time(text)


def publicity_end_text(text: str) -> str:
    try:
        publicity_end(text)
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def with_publicity_end(operation: Operation, api: ApiClient, settings: Settings) -> Operation:
    """A review that passes without a given end gets 5 working days on the calendar, counted from the day (in
    Beijing) the transaction will be mined in; a NotCovered error when the calendar has no holidays for it."""
    if not isinstance(operation, ReviewApplication) or not operation.passed or operation.publicity_ends:
        return operation
    opens = chain_client(api, settings).next_block_time()
    return dataclasses.replace(operation, publicity_ends=calendar.load().publicity_end(opens, strict=True))


def _run(step: str) -> Callable[[argparse.Namespace, Settings, Output], None]:
    def handler(args: argparse.Namespace, settings: Settings, out: Output) -> None:
        api = ApiClient(settings.api_url)
        operation = with_publicity_end(build_step(step, api, args), api, settings)
        account = signing_account(args, settings)
        result = submit(api, settings, operation, account, args.relay)
        events = [e["name"] for e in result["events"]]
        data = {"step": step, "tx_hash": result["tx_hash"], "block_number": result["block_number"],
                "events": result["events"], **created_ids(result["events"])}
        ends = next((e["args"]["publicityEnds"] for e in result["events"] if e["name"] == "ReviewPassed"), None)
        if ends is not None:
            data["publicity_ends"] = ends
        out.result(data, lambda d: f"{step}: done ({', '.join(events)})\n"
                   + "".join(f"  {field.replace('_', ' '):<12} {d[field]}\n" for field in CREATED_IDS.values()
                             if field in d)
                   + (f"  publicity until {beijing_time(d['publicity_ends'])}\n" if "publicity_ends" in d else "")
                   + f"  transaction  {d['tx_hash']} (block {d['block_number']})")
    return handler


#: The events that create something, the argument carrying its id, and the field the CLI prints it as: the id
#: the next step needs (`resolve ASSET OBJECTION_ID`, `release-pledge ... PLEDGE_ID`, `revoke-attestation ID`).
CREATED_IDS = {("ObjectionLodged", "objectionId"): "objection_id", ("PledgeRecorded", "pledgeId"): "pledge_id",
               ("Attested", "attestationId"): "attestation_id", ("Engaged", "engagementId"): "engagement_id"}


def created_ids(events: list[dict[str, Any]]) -> dict[str, Any]:
    ids = {}
    for event in events:
        for (name, argument), field in CREATED_IDS.items():
            if event["name"] == name:
                value = event["args"][argument]
                ids[field] = "0x" + value.hex() if isinstance(value, (bytes, bytearray)) else value
    return ids


def cmd_revoke_attestation(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    api = ApiClient(settings.api_url)
    account = signing_account(args, settings)
    code = int(AttestationRevocationReason.from_text(args.reason)) if args.reason else 0
    result = submit(api, settings, RevokeAttestation(args.attestation_id, code), account, args.relay)
    out.result({"tx_hash": result["tx_hash"]}, lambda d: f"Attestation {args.attestation_id} revoked ({d['tx_hash']}).")


def cmd_configure_registrar(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    api = ApiClient(settings.api_url)
    account = signing_account(args, settings)
    registrar = checksum(args.address, "registrar")
    if args.ip_division:
        # Data intellectual property registration: 17-digit numbers (division, code digit, YYYYMM, serial).
        if not (len(args.ip_division) == 6 and args.ip_division.isdigit() and args.code.isdigit()):
            raise ValidationError(f"--ip-division must be the 6-digit administrative division code (e.g. 350200) and "
                                  f"--code one digit, got '{args.ip_division}' and '{args.code}'.")
        operation: ConfigureRegistrar | ConfigureIpRegistrar = ConfigureIpRegistrar(registrar, args.ip_division,
                                                                                    args.code)
        code = f"{args.ip_division}{args.code} (data intellectual property, 17-digit numbers)"
    elif args.region:
        operation, code = ConfigureRegistrar(registrar, args.region, args.code), f"{args.region}{args.code}"
    else:
        raise ValidationError("Give --region (national certificates, SJ…) or --ip-division (data intellectual "
                              "property certificates, 17 digits).")
    result = submit(api, settings, operation, account, args.relay)
    out.result({"tx_hash": result["tx_hash"]}, lambda d: f"Registrar {args.address} has code {code} ({d['tx_hash']}).")


def cmd_registration(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    r = reading_client(args, settings).get(f"/v1/assets/{asset_id_hex(args.asset_id)}/registration")
    out.result(r, lambda r: "\n".join([
        f"stage {r['stage']}; certificate {r['certificate_status']}"
        + (f" {r['certificate_number']} valid until {beijing_time(r['valid_until'])}"
           if r["certificate_number"] else ""),
        f"registrar {r['registrar_name'] or ''} {r['registrar']}",
        *(f"legal status {legal_status_line(r['legal_status'])}" for _ in [1] if r.get("legal_status")),
        *(f"reason {r['reason']['key'] or r['reason']['code']} ({r['reason']['zh'] or '-'})" for _ in [1]
          if r.get("reason")),
        *(f"publicity until {beijing_time(r['publicity_ends'])}" for _ in [1] if r["publicity_ends"]),
        *(f"documents {r['documents_cid']}" for _ in [1] if r.get("documents_cid")),
        *(f"objection {o['objection_id']} by {o['objector']}: {o['status']}"
          + (f", reason {o['reason']['key'] or o['reason']['code']} ({o['reason']['zh'] or '-'})"
             if o.get("reason") else "")
          + (f", evidence {o['evidence_cid']}" if o.get("evidence_cid") else "") for o in r["objections"]),
        *(deadline_line(d) for d in r.get("deadlines", []))]))


def deadline_line(d: dict[str, Any]) -> str:
    """A deadline for people: `acceptance (3 working days) until 2026-10-12 24:00 Beijing time: overdue`."""
    state = ("overdue" if d["overdue"] else "ended" if d["kind"] == "publicity" and d["passed"]
             else "done" if d["done"] else "running")
    name = d["kind"] + (f" {d['objection_id']}" if d.get("objection_id") else "")
    return (f"{name} ({d['working_days']} working days) until {d['last_day']} 24:00 Beijing time: {state}"
            + (" (provisional calendar)" if d["provisional"] else ""))


def cmd_document(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    data = reading_client(args, settings).get_bytes(f"/v1/content/{args.cid.strip()}")
    if args.out:
        Path(args.out).write_bytes(data)
        out.result({"cid": args.cid, "file": args.out, "size": len(data)},
                   lambda d: f"{d['size']:,} bytes written to {d['file']}.")
    elif out.as_json:
        out.result({"cid": args.cid, "size": len(data)}, lambda d: "")
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


def cmd_certificate(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    api = ApiClient(settings.api_url)
    path = f"/v1/assets/{asset_id_hex(args.asset_id)}/certificate"
    if args.html:
        Path(args.html).write_text(api.get_text(path, format="html"))
        out.result({"file": args.html}, lambda d: f"Printable certificate written to {d['file']}.")
        return
    if args.pdf:
        Path(args.pdf).write_bytes(api.get_bytes(path, format="pdf"))
        out.result({"file": args.pdf}, lambda d: f"PDF certificate (A4) written to {d['file']}.")
        return
    c = api.get(path)
    holder = c["holder"] + (f" ({c['holder_name']})" if c.get("holder_name") else "")
    out.result(c, lambda c: f"{c['certificate_number']} ({c['status']}): {c['data_name']}\n"
                            + (f"  legal status {legal_status_line(c['legal_status'])}\n" if c.get("legal_status")
                               else "")
                            + f"  holder {holder}\n"
                            f"  registered {beijing_time(c['registered_at'])}, "
                            f"valid until {beijing_time(c['valid_until'])}\n"
                            f"  verify at {c['verification_url']}")


def cmd_publicity(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    rows = ApiClient(settings.api_url).get("/v1/registrations", status="publicity")
    out.result(rows, lambda rows: "\n".join(
        f"{r['asset_id']}  until {beijing_time(r['publicity_ends'])}  "
        f"{r['applicant_name'] or ''}: {r['data_name'] or ''}"
        for r in rows) or "No application is in publicity.")


def add_parsers(sub: Any) -> None:
    def key(p: argparse.ArgumentParser, who: str) -> None:
        p.add_argument("--key", help=f"keystore of the {who} (default: DATAREG_KEY or DATA_DIR/keys/default.json)")
        p.add_argument("--relay", action="store_true", help="sign EIP-712 typed data; the API's relayer pays gas")

    for name, (help_text, who, operation) in STEPS.items():
        p = sub.add_parser(name, help=help_text, **(examples(*STEP_EXAMPLES[name]) if name in STEP_EXAMPLES else {}))
        for member in operation.struct().members():
            flag, options = _option(member)
            p.add_argument(flag, **options)
        key(p, who)
        p.set_defaults(handler=_run(name))

    p = sub.add_parser("revoke-attestation", help="revoke an attestation you issued")
    p.add_argument("attestation_id", type=whole_number(1, 2**256 - 1, "an attestation id"))
    p.add_argument("--reason", help="a name or number: "
                   + ", ".join(f"{m.key} ({m.value})" for m in AttestationRevocationReason))
    key(p, "issuer")
    p.set_defaults(handler=cmd_revoke_attestation)

    p = sub.add_parser("registrar", help="give a registrar its region and code for certificate numbers (admin)")
    p.add_argument("action", choices=["configure"])
    p.add_argument("address")
    p.add_argument("--region", help="two digits of the administrative division code, e.g. 35")
    p.add_argument("--ip-division", help="instead of --region, for data intellectual property registration "
                   "(17-digit certificate numbers): the 6-digit administrative division code, e.g. 350200")
    p.add_argument("--code", required=True, help="one digit or capital letter (one digit with --ip-division)")
    key(p, "admin")
    p.set_defaults(handler=cmd_configure_registrar)

    p = sub.add_parser("registration", help="an asset's application, objections and certificate status")
    p.add_argument("asset_id")
    p.add_argument("--key", help=READ_KEY_HELP)
    p.set_defaults(handler=cmd_registration)

    p = sub.add_parser("document", help="a stored document by its CID (application documents and objection "
                       "evidence only for their parties: --key)")
    p.add_argument("cid")
    p.add_argument("--out", metavar="FILE", help="write it to FILE (default: standard output)")
    p.add_argument("--key", help=READ_KEY_HELP)
    p.set_defaults(handler=cmd_document)

    p = sub.add_parser("certificate", help="an asset's registration certificate (--html FILE: printable page; "
                       "--pdf FILE: A4 PDF)")
    p.add_argument("asset_id")
    p.add_argument("--html", metavar="FILE", help="write the printable page (HTML) to FILE")
    p.add_argument("--pdf", metavar="FILE", help="write the A4 PDF to FILE")
    p.set_defaults(handler=cmd_certificate)

    p = sub.add_parser("publicity", help="applications in their publicity period (公示)")
    p.set_defaults(handler=cmd_publicity)
