"""`datareg`: the command line for data holders, exchanges and auditors.

Keys are unlocked and transactions signed in this process; only signed bytes and public documents leave
the machine. Output is for people by default and JSON with --json.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Any, NoReturn

from registry.cli.common import Output, whole_number
from registry.config import Settings
from registry.errors import ConfigurationError, RegistryError, ValidationError


def cmd_status(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    from registry.cli.api_client import ApiClient

    status = ApiClient(settings.api_url).get("/v1/status")
    out.result(
        status,
        lambda s: f"chain {s['chain_id']}, registry {s['contracts']['DataRegistry']}\n"
        f"head block {s['head_block']}, indexed {s['indexed_block']} (lag {s['lag_blocks']}), "
        f"database {s['database']}",
    )


def cmd_deploy(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    from registry.chain.deploy import deploy
    from registry.config import DEPLOYER_ACCOUNT, dev_key
    from registry.devchain import require_dev_chain

    key = os.environ.get("DATAREG_DEPLOYER_KEY")
    # Beside the deployment file: an interrupted `datareg deploy` run again continues where it stopped.
    record = settings.deployment_file.with_name(settings.deployment_file.stem + ".record.json")
    settings.deployment_file.parent.mkdir(parents=True, exist_ok=True)
    deployment = deploy(settings.rpc_url, key or dev_key(DEPLOYER_ACCOUNT), record=record)
    if not key:
        require_dev_chain(deployment.chain_id, "Deploying without DATAREG_DEPLOYER_KEY")
    deployment.save(settings.deployment_file)
    out.result(
        {"chain_id": deployment.chain_id, "DataRegistry": deployment.registry, "block": deployment.deploy_block,
         "deployment_file": str(settings.deployment_file)},
        lambda d: f"DataRegistry deployed at {d['DataRegistry']} on chain {d['chain_id']} (block {d['block']}); "
        f"written to {d['deployment_file']}.",
    )


def cmd_index_check(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    from registry.config import Deployment
    from registry.db.session import make_engine
    from registry.indexer.check import check

    report = check(settings.rpc_url, Deployment.load(settings.deployment_file), make_engine(settings.database_url))
    data = {"block": report.block, "checked": report.checked,
            "differences": [d.__dict__ for d in report.differences]}
    out.result(data, lambda d: f"Checked the index against the contracts at block {d['block']}: "
                               + ", ".join(f"{n} {k}" for k, n in d["checked"].items()) + ".\n"
                               + ("\n".join(f"  DIFFERENCE {x['entity']} {x['field']}: index {x['index']!r}, "
                                            f"chain {x['chain']!r}" for x in d["differences"])
                                  or "  No differences."))
    if report.differences:
        raise SystemExit(1)


def cmd_index_run(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    from registry.indexer.service import run_indexer

    run_indexer(settings)


def cmd_api(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    import uvicorn

    if args.workers == 1:
        uvicorn.run("registry.cli.serve:create_app", factory=True, host=args.host, port=args.port,
                    log_level="warning")
        return
    # Several workers: uvicorn's supervisor starts each as its own process, which builds its own app from the
    # import string (each with its own database pool), all accepting on one listening socket. That socket is
    # made here: uvicorn's own (Config.bind_socket) leaves the protocol number at 0, accepted connections
    # inherit it, and asyncio then leaves Nagle's algorithm on (it sets TCP_NODELAY only for IPPROTO_TCP), so
    # every answer on a kept-alive connection after the first waited ~40 ms for the client's delayed ACK
    # (uvicorn issue 3149).
    import socket

    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config("registry.cli.serve:create_app", factory=True, host=args.host, port=args.port,
                            log_level="warning", workers=args.workers)
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as exc:
        raise ConfigurationError(f"Cannot listen on {args.host}:{args.port}: {exc.strerror}.") from None
    sock.set_inheritable(True)
    try:
        Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()


# ─────────────────────────────────────── parser ───────────────────────────────────────


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a whole number, got '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"at least 1, got {value}")
    return value


class Parser(argparse.ArgumentParser):
    """argparse, refusing a bad command line with one line on stderr (what was wrong and where the help is)
    rather than the usage block, and exit status 2. Every subcommand's parser is one too."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: error: {' '.join(message.split())}. See `{self.prog} --help`.", file=sys.stderr)
        raise SystemExit(2)


#: Every command: the module that defines its parser and runs it, and its line in `datareg --help`. Only the
#: module of the command being run is imported: together they import web3, eth_account, SQLAlchemy and more,
#: ~1.5 s of CPU before anything happens, where `status`, `show` and `verify` need only httpx and hashlib.
#: tests/test_cli_startup.py checks that this table matches the modules' own parsers.
COMMANDS: dict[str, tuple[str, str]] = {
    "key": ("registry.cli.keys", "create or import an encrypted key"),
    "fingerprint": ("registry.cli.assets", "SHA-256 and IPFS CID of a file, computed locally"),
    "metadata": ("registry.cli.assets", "check a metadata document against the schema"),
    "register": ("registry.cli.assets", "register a data file as an asset, signed with your key"),
    "derive": ("registry.cli.assets", "register derived data: `register` with at least one --source"),
    "show": ("registry.cli.assets", "an asset, its rights and evidence"),
    "grant": ("registry.cli.rights", "grant (license) a right you hold to another party, with terms"),
    "transfer": ("registry.cli.rights", "transfer a right you hold to another party"),
    "revoke": ("registry.cli.rights", "revoke a grant you made (its sub-grants fall with it)"),
    "renew": ("registry.cli.rights", "set a new end for a grant you made"),
    "history": ("registry.cli.audit", "every event of an asset, in order"),
    "audit": ("registry.cli.audit", "an audit report of an asset's full history; --verify proves it complete "
              "and true on chain (exit 0 verified, 1 differences, 2 could not check)"),
    "participant": ("registry.cli.listings", "a participant and its qualifications (show); admit, suspend, "
                    "reinstate, qualify, renew or revoke its qualification (admin)"),
    "participants": ("registry.cli.listings", "exchanges, registrars, service providers and regulators"),
    "consent": ("registry.cli.listings", "as holder of the operating right, sign consent for an exchange to list"),
    "approve-listing": ("registry.cli.listings", "as holder, consent to a listing by your own transaction"),
    "list": ("registry.cli.listings", "as an exchange, list (or cross-list) a product with the holder's consent"),
    "listing": ("registry.cli.listings", "suspend, resume or delist a listing; listing rules (上架审核); withdraw "
                "consents, revoke approvals and show both"),
    "listings": ("registry.cli.listings", "listings, with whether each is valid and why not"),
    "feed": ("registry.cli.listings", "an exchange's listing changes, in order, from a cursor"),
    "trade": ("registry.cli.trades", "trade records: sign a grant, accept, record, settle, deliver, show"),
    "webhook": ("registry.cli.webhooks", "an exchange's endpoints that receive its feed: add, list, remove, "
                "dead-letters, replay"),
    "authorisation": ("registry.cli.authorisations", "public-data authorised operation: grant, approve-scenario, "
                      "license, bind, revoke, show"),
    "apply": ("registry.cli.procedure", "apply for registration of an asset you registered"),
    "accept": ("registry.cli.procedure", "accept an application (registrar)"),
    "return": ("registry.cli.procedure", "return an application for missing material (registrar)"),
    "review": ("registry.cli.procedure", "pass the review, starting publicity, or end the application with "
               "--terminate (registrar)"),
    "object": ("registry.cli.procedure", "lodge an objection during publicity (any participant)"),
    "resolve": ("registry.cli.procedure", "uphold or reject an objection (registrar)"),
    "certify": ("registry.cli.procedure", "register after publicity, issuing the certificate number (registrar)"),
    "renew-request": ("registry.cli.procedure", "request renewal, 6 months to 1 day before the registration ends "
                      "(the certificate's holder)"),
    "renew-registration": ("registry.cli.procedure", "grant the holder's renewal request (registrar)"),
    "refuse-renewal": ("registry.cli.procedure", "refuse the holder's renewal request (registrar)"),
    "change": ("registry.cli.procedure",
               "apply for a change registration: a new metadata document, new data if --file, classification and "
               "flags; current only once the registrar approves it (registrant)"),
    "review-change": ("registry.cli.procedure",
                      "approve a change registration, or refuse it with --refuse (registrar)"),
    "cancel": ("registry.cli.procedure", "cancel an asset's record (registrant on request; registrar for reasons 2-4)"),
    "freeze": ("registry.cli.procedure",
               "record a freeze order (regulator); a further order waits behind a standing one (轮候查封)"),
    "release": ("registry.cli.procedure", "release a freeze order you issued (regulator; same as unfreeze)"),
    "unfreeze": ("registry.cli.procedure", "release a freeze order you issued (regulator)"),
    "admin-unfreeze": ("registry.cli.procedure", "release a freeze order with a recorded reason (council admin)"),
    "pledge": ("registry.cli.procedure",
               "record a pledge registered in the movable-property financing registry (registrar)"),
    "release-pledge": ("registry.cli.procedure", "record the release of a pledge (registrar)"),
    "pledge-consent": ("registry.cli.procedure", "consent, once, to a transfer or grant of the pledged operating "
                       "right or to cancellation (pledgee)"),
    "accept-right": ("registry.cli.procedure",
                     "accept a right the registrant named you to hold (until then it is pending)"),
    "withdraw-right": ("registry.cli.procedure",
                       "withdraw a right you named another party to, before it accepts (registrant)"),
    "attest": ("registry.cli.procedure", "issue a compliance certification, quality evaluation, notarisation, "
               "custody or insurance record (a qualified service provider of the kind's role; appraisals: engage, "
               "then appraise)"),
    "engage": ("registry.cli.procedure", "engage an appraiser for an asset whose holding right you hold (业务委托; "
               "--relay: signed, the API relays it)"),
    "appraise": ("registry.cli.procedure", "issue an appraisal under a holder's engagement, with valuation date and "
                 "value type (qualified appraiser)"),
    "withdraw-engagement": ("registry.cli.procedure", "withdraw an engagement of an appraiser you made, before it "
                            "is used (holder)"),
    "revoke-attestation": ("registry.cli.procedure", "revoke an attestation you issued"),
    "accounting": ("registry.cli.finance",
                   "an asset's accounting record (数据资产入表), private to you and your auditor"),
    "contribution": ("registry.cli.finance", "capital contribution (作价出资) of an asset: record it, release it"),
    "trust": ("registry.cli.finance", "data trust (数据信托) of an asset: record it with trustee and beneficiaries, "
              "end it"),
    "registrar": ("registry.cli.procedure", "give a registrar its region and code for certificate numbers (admin)"),
    "recognition": ("registry.cli.recognition",
                    "recognise another registry, withdraw a recognition (council), or list them"),
    "registration": ("registry.cli.procedure", "an asset's application, objections and certificate status"),
    "document": ("registry.cli.procedure", "a stored document by its CID (application documents and objection "
                 "evidence only for their parties: --key)"),
    "certificate": ("registry.cli.procedure", "an asset's registration certificate (--html FILE: printable page; "
                    "--pdf FILE: A4 PDF)"),
    "publicity": ("registry.cli.procedure", "applications in their publicity period (公示)"),
    "verify": ("registry.cli.verify", "is this file registered and certified? by whom, who holds its rights, is it "
                                      "encumbered (exit 0 certified and unencumbered; 3, 4, 5 see --help; 1 not "
                                      "registered)"),
    "status": (__name__, "chain, contracts and index lag"),
    "deploy": (__name__, "deploy the contracts (local chain, or DATAREG_DEPLOYER_KEY)"),
    "index": (__name__, "run the indexer, or check the index against the contracts"),
    "api": (__name__, "serve the HTTP API"),
}


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser for this command line: the full parser of the command it names (of every command, with
    argv None), placeholders with their help line for the rest."""
    parser = Parser(
        prog="datareg",
        description="Register data assets and their three rights (持有权, 使用权, 经营权) on the registry chain.",
        epilog="Configuration: DATAREG_RPC_URL, DATAREG_API_URL, DATAREG_DATA_DIR, DATAREG_KEY, "
        "DATAREG_KEY_PASSWORD (see README).",
    )
    parser.add_argument("--json", action="store_true", help="print JSON for machines")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    if argv is None:
        modules = dict.fromkeys(module for module, _ in COMMANDS.values())
    else:
        chosen = COMMANDS.get(_command_in(argv) or "")
        modules = {chosen[0]: None} if chosen else {}
    for module in modules:
        _add_module_parsers(module, sub)
    # The other commands get a placeholder: enough for the list in `datareg --help`, without importing them.
    for name, (_, help_text) in COMMANDS.items():
        if name not in sub.choices:
            sub.add_parser(name, help=help_text)
    return parser


def _command_in(argv: list[str]) -> str | None:
    """The command named on the command line: its first word that is not an option (the only options before
    the command are --json and --help, which take no value)."""
    return next((word for word in argv if not word.startswith("-")), None)


def _add_module_parsers(module: str, sub: Any) -> None:
    if module == __name__:
        add_parsers(sub)
    else:
        importlib.import_module(module).add_parsers(sub)


def add_parsers(sub: Any) -> None:
    """The commands this module runs itself."""
    p = sub.add_parser("status", help="chain, contracts and index lag")
    p.set_defaults(handler=cmd_status)

    p = sub.add_parser("deploy", help="deploy the contracts (local chain, or DATAREG_DEPLOYER_KEY)")
    p.set_defaults(handler=cmd_deploy)

    p = sub.add_parser("index", help="run the indexer, or check the index against the contracts")
    p.add_argument("action", choices=["run", "check"],
                   help="run: follow the chain; check: compare every table of the index with the chain's logs "
                   "and the contracts' views (exit 1 on any difference, naming it)")
    p.set_defaults(handler=lambda args, settings, out: (cmd_index_run if args.action == "run" else cmd_index_check)(
        args, settings, out))

    p = sub.add_parser("api", help="serve the HTTP API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=whole_number(1, 65535, "a port"), default=8000)
    p.add_argument("--workers", type=_positive, default=1,
                   help="worker processes (default 1); on a machine of its own, about one per core. Each "
                   "keeps its own rate-limit counters (DATAREG_WRITE_RATE_LIMIT, ...), so a client may get up to "
                   "N times the limit")
    p.set_defaults(handler=cmd_api)


#: Exit statuses: 1 when the command could not be carried out, 2 when its input was wrong (argparse's own).
EXIT_FAILED, EXIT_BAD_INPUT = 1, 2


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
    out = Output(args.json)
    try:
        args.handler(args, Settings.from_env(), out)
    except ValidationError as exc:
        out.error(exc)
        return EXIT_BAD_INPUT
    except RegistryError as exc:
        out.error(exc)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - never a traceback: one line that says what failed
        out.error(RegistryError(f"the command failed unexpectedly ({type(exc).__name__}: "
                                f"{' '.join(str(exc).split())[:300]}). Please report it with the command line."))
        return EXIT_FAILED
    return 0


if __name__ == "__main__":
    sys.exit(main())
