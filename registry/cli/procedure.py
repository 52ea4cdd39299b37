"""The national registration procedure on the command line: every step (apply, accept, return, review,
object, resolve, certify, renew, change, cancel, freeze, release, pledge, release pledge, attest, revoke an
attestation), signed with the acting party's key, sent directly or (--relay) relayed by the API."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from registry.chain.operations import (
    ATTESTATION_KINDS,
    CANCEL_REASONS,
    AcceptApplication,
    ApplyForRegistration,
    Attest,
    Cancel,
    ChangeMetadata,
    CompleteRegistration,
    ConfigureRegistrar,
    Freeze,
    LodgeObjection,
    Operation,
    RecordPledge,
    ReleaseFreeze,
    ReleasePledge,
    RenewRegistration,
    ResolveObjection,
    ReturnApplication,
    ReviewApplication,
    RevokeAttestation,
)
from registry.chain.types import asset_id_hex, checksum
from registry.cli.api_client import ApiClient
from registry.cli.common import Output, beijing_time, parse_time, signing_account, submit, time_text, whole_number
from registry.cli.rights import store_document
from registry.config import Settings
from registry.content import cid_to_digest, fingerprint_bytes, fingerprint_file
from registry.errors import ValidationError
from registry.metadata import canonical_bytes
from registry.prepare import load_metadata

ZERO = bytes(32)
REASON_CODE = whole_number(0, 65535, "a reason code")  # the contracts' uint16


def _change(api: ApiClient, a) -> Operation:
    document = load_metadata(Path(a.metadata))
    stored = api.post("/v1/metadata", json.loads(canonical_bytes(document)))
    if stored["cid"] != fingerprint_bytes(canonical_bytes(document)).cid:
        raise ValidationError("The API stored the metadata under another CID; nothing was changed.")
    content = fingerprint_file(Path(a.file)).sha256 if a.file else ZERO
    return ChangeMetadata(asset_id_hex(a.asset_id), cid_to_digest(stored["cid"]), content)


def _cancel_reason(text: str) -> int:
    if text.isascii() and text.isdigit() and int(text) <= 65535:
        return int(text)
    if text not in CANCEL_REASONS:
        raise ValidationError(f"Unknown reason '{text}': use one of {', '.join(CANCEL_REASONS)}.")
    return CANCEL_REASONS[text]


# name: (help, arguments, who acts, how to build the operation from the parsed arguments and the API)
STEPS: dict[str, tuple[str, list[tuple[str, dict]], str, Callable]] = {
    "apply": ("apply for registration of an asset you registered", [("--registrar", {"required": True}),
              ("--documents", {"help": "application documents; stored, their CID goes on chain"})], "applicant",
              lambda api, a: ApplyForRegistration(asset_id_hex(a.asset_id), checksum(a.registrar, "registrar"),
                                                  store_document(api, a.documents))),
    "accept": ("accept an application (registrar)", [], "registrar",
               lambda api, a: AcceptApplication(asset_id_hex(a.asset_id))),
    "return": ("return an application for missing material (registrar)", [
               ("--reason", {"type": REASON_CODE, "required": True}), ("--note", {})], "registrar",
               lambda api, a: ReturnApplication(asset_id_hex(a.asset_id), a.reason, store_document(api, a.note))),
    "review": ("pass the review, starting publicity, or end the application with --terminate (registrar)", [
               ("--terminate", {"action": "store_true"}), ("--reason", {"type": REASON_CODE, "default": 0}), ("--note", {})],
               "registrar", lambda api, a: ReviewApplication(asset_id_hex(a.asset_id), not a.terminate, a.reason,
                                                             store_document(api, a.note))),
    "object": ("lodge an objection during publicity (any participant)", [
               ("--reason", {"type": REASON_CODE, "required": True}), ("--evidence", {})], "objector",
               lambda api, a: LodgeObjection(asset_id_hex(a.asset_id), a.reason, store_document(api, a.evidence))),
    "resolve": ("uphold or reject an objection (registrar)", [
                ("objection_id", {"type": whole_number(1, 2**256 - 1, "an objection id")}), ("--uphold", {"action": "store_true"}), ("--note", {})], "registrar",
                lambda api, a: ResolveObjection(asset_id_hex(a.asset_id), a.objection_id, a.uphold,
                                                store_document(api, a.note))),
    "certify": ("register after publicity, issuing the certificate number (registrar)", [
                ("--years", {"type": whole_number(1, 255, "a number of years"), "default": 5, "help": "validity, 1-5 years"})], "registrar",
                lambda api, a: CompleteRegistration(asset_id_hex(a.asset_id), a.years)),
    "renew-registration": ("renew a registration, 6 months to 1 day before it ends (registrar)", [
                           ("--years", {"type": whole_number(1, 255, "a number of years"), "default": 5})], "registrar",
                           lambda api, a: RenewRegistration(asset_id_hex(a.asset_id), a.years)),
    "change": ("change registration: a new metadata document, and new data if --file (registrant)", [
               ("--metadata", {"required": True}), ("--file", {})], "registrant", _change),
    "cancel": ("cancel an asset's record (registrant on request; registrar)", [
               ("--reason", {"required": True, "help": ", ".join(CANCEL_REASONS)}), ("--evidence", {})], "party",
               lambda api, a: Cancel(asset_id_hex(a.asset_id), _cancel_reason(a.reason),
                                     store_document(api, a.evidence))),
    "freeze": ("freeze an asset by order (regulator)", [("--order", {"required": True}), ("--evidence", {})],
               "regulator", lambda api, a: Freeze(asset_id_hex(a.asset_id), a.order, store_document(api, a.evidence))),
    "release": ("release a freeze (regulator)", [("--evidence", {})], "regulator",
                lambda api, a: ReleaseFreeze(asset_id_hex(a.asset_id), store_document(api, a.evidence))),
    "pledge": ("record a pledge registered in the movable-property financing registry (registrar)", [
               ("--external-no", {"required": True}), ("--pledgee", {"required": True})], "registrar",
               lambda api, a: RecordPledge(asset_id_hex(a.asset_id), a.external_no, checksum(a.pledgee, "pledgee"))),
    "release-pledge": ("record the release of a pledge (registrar)", [("pledge_id", {})], "registrar",
                       lambda api, a: ReleasePledge(asset_id_hex(a.asset_id), bytes.fromhex(asset_id_hex(a.pledge_id)[2:]))),
    "attest": ("issue an appraisal, compliance certification or quality evaluation (service provider)", [
               ("--kind", {"required": True, "choices": list(ATTESTATION_KINDS)}),
               ("--value", {"type": whole_number(0, 2**256 - 1, "a value"), "default": 0, "help": "for an appraisal, in the currency's smallest unit"}),
               ("--currency", {"default": ""}), ("--method", {"default": ""}), ("--conclusion", {"default": ""}),
               ("--report", {"help": "the report; stored, its CID goes on chain"}),
               ("--until", {"type": time_text})], "issuer",
               lambda api, a: Attest(asset_id_hex(a.asset_id), a.kind, a.value, a.currency, a.method, a.conclusion,
                                     store_document(api, a.report), parse_time(a.until) if a.until else 0)),
}


def _run(step: str):
    def handler(args, settings: Settings, out: Output) -> None:
        api = ApiClient(settings.api_url)
        operation = STEPS[step][3](api, args)
        account = signing_account(args, settings)
        result = submit(api, settings, operation, account, args.relay)
        events = [e["name"] for e in result["events"]]
        out.result({"step": step, "tx_hash": result["tx_hash"], "block_number": result["block_number"],
                    "events": result["events"]},
                   lambda d: f"{step}: done ({', '.join(events)})\n  transaction  {d['tx_hash']} "
                             f"(block {d['block_number']})")
    return handler


def cmd_revoke_attestation(args, settings: Settings, out: Output) -> None:
    api = ApiClient(settings.api_url)
    account = signing_account(args, settings)
    result = submit(api, settings, RevokeAttestation(args.attestation_id, args.reason), account, args.relay)
    out.result({"tx_hash": result["tx_hash"]}, lambda d: f"Attestation {args.attestation_id} revoked ({d['tx_hash']}).")


def cmd_configure_registrar(args, settings: Settings, out: Output) -> None:
    api = ApiClient(settings.api_url)
    account = signing_account(args, settings)
    result = submit(api, settings, ConfigureRegistrar(checksum(args.address, "registrar"), args.region, args.code),
                    account, args.relay)
    out.result({"tx_hash": result["tx_hash"]}, lambda d: f"Registrar {args.address} has code "
                                                         f"{args.region}{args.code} ({d['tx_hash']}).")


def cmd_registration(args, settings: Settings, out: Output) -> None:
    r = ApiClient(settings.api_url).get(f"/v1/assets/{asset_id_hex(args.asset_id)}/registration")
    out.result(r, lambda r: "\n".join([
        f"stage {r['stage']}; certificate {r['certificate_status']}"
        + (f" {r['certificate_number']} valid until {beijing_time(r['valid_until'])}" if r["certificate_number"] else ""),
        f"registrar {r['registrar_name'] or ''} {r['registrar']}",
        *(f"publicity until {beijing_time(r['publicity_ends'])}" for _ in [1] if r["publicity_ends"]),
        *(f"objection {o['objection_id']} by {o['objector']}: {o['status']}" for o in r["objections"])]))


def cmd_certificate(args, settings: Settings, out: Output) -> None:
    api = ApiClient(settings.api_url)
    path = f"/v1/assets/{asset_id_hex(args.asset_id)}/certificate"
    if args.html:
        Path(args.html).write_text(api.get_text(path, format="html"))
        out.result({"file": args.html}, lambda d: f"Printable certificate written to {d['file']}.")
        return
    c = api.get(path)
    out.result(c, lambda c: f"{c['certificate_number']} ({c['status']}): {c['data_name']}\n  holder {c['holder']}\n"
                            f"  registered {beijing_time(c['registered_at'])}, valid until {beijing_time(c['valid_until'])}\n"
                            f"  verify at {c['verification_url']}")


def cmd_publicity(args, settings: Settings, out: Output) -> None:
    rows = ApiClient(settings.api_url).get("/v1/registrations", status="publicity")
    out.result(rows, lambda rows: "\n".join(
        f"{r['asset_id']}  until {beijing_time(r['publicity_ends'])}  {r['applicant_name'] or ''}: {r['data_name'] or ''}"
        for r in rows) or "No application is in publicity.")


def add_parsers(sub) -> None:
    def key(p, who: str) -> None:
        p.add_argument("--key", help=f"keystore of the {who} (default: DATAREG_KEY or DATA_DIR/keys/default.json)")
        p.add_argument("--relay", action="store_true", help="sign EIP-712 typed data; the API's relayer pays gas")

    for name, (help_text, arguments, who, _) in STEPS.items():
        p = sub.add_parser(name, help=help_text)
        p.add_argument("asset_id")
        for flag, options in arguments:
            p.add_argument(flag, **options)
        key(p, who)
        p.set_defaults(handler=_run(name))

    p = sub.add_parser("revoke-attestation", help="revoke an attestation you issued")
    p.add_argument("attestation_id", type=whole_number(1, 2**256 - 1, "an attestation id"))
    p.add_argument("--reason", type=REASON_CODE, default=0)
    key(p, "issuer")
    p.set_defaults(handler=cmd_revoke_attestation)

    p = sub.add_parser("registrar", help="give a registrar its region and code for certificate numbers (admin)")
    p.add_argument("action", choices=["configure"])
    p.add_argument("address")
    p.add_argument("--region", required=True, help="two digits of the administrative division code, e.g. 35")
    p.add_argument("--code", required=True, help="one digit or capital letter")
    key(p, "admin")
    p.set_defaults(handler=cmd_configure_registrar)

    p = sub.add_parser("registration", help="an asset's application, objections and certificate status")
    p.add_argument("asset_id")
    p.set_defaults(handler=cmd_registration)

    p = sub.add_parser("certificate", help="an asset's registration certificate (--html FILE: printable page)")
    p.add_argument("asset_id")
    p.add_argument("--html")
    p.set_defaults(handler=cmd_certificate)

    p = sub.add_parser("publicity", help="applications in their publicity period (公示)")
    p.set_defaults(handler=cmd_publicity)
