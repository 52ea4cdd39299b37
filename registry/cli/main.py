"""`datareg`: the command line for data holders, exchanges and auditors.

Keys are unlocked and transactions signed in this process; only signed bytes and public documents leave
the machine. Output is for people by default and JSON with --json.
"""
from __future__ import annotations

import argparse
import os
import sys

from registry.cli import assets, audit, keys, listings, procedure, rights, verify
from registry.cli.api_client import ApiClient
from registry.cli.common import Output, whole_number
from registry.config import Settings
from registry.errors import ConfigurationError, RegistryError, ValidationError


def cmd_status(args, settings: Settings, out: Output) -> None:
    status = ApiClient(settings.api_url).get("/v1/status")
    out.result(
        status,
        lambda s: f"chain {s['chain_id']}, registry {s['contracts']['DataRegistry']}\n"
        f"head block {s['head_block']}, indexed {s['indexed_block']} (lag {s['lag_blocks']}), "
        f"database {s['database']}",
    )


def cmd_deploy(args, settings: Settings, out: Output) -> None:
    from registry.chain.deploy import deploy
    from registry.devchain import DEPLOYER_ACCOUNT, dev_key, require_dev_chain

    key = os.environ.get("DATAREG_DEPLOYER_KEY")
    deployment = deploy(settings.rpc_url, key or dev_key(DEPLOYER_ACCOUNT))
    if not key:
        require_dev_chain(deployment.chain_id, "Deploying without DATAREG_DEPLOYER_KEY")
    deployment.save(settings.deployment_file)
    out.result(
        {"chain_id": deployment.chain_id, "DataRegistry": deployment.registry, "block": deployment.deploy_block,
         "deployment_file": str(settings.deployment_file)},
        lambda d: f"DataRegistry deployed at {d['DataRegistry']} on chain {d['chain_id']} (block {d['block']}); "
        f"written to {d['deployment_file']}.",
    )


def cmd_index_check(args, settings: Settings, out: Output) -> None:
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


def cmd_index_run(args, settings: Settings, out: Output) -> None:
    from registry.indexer.service import run_indexer

    run_indexer(settings)


def cmd_api(args, settings: Settings, out: Output) -> None:
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

    def error(self, message: str):
        print(f"{self.prog}: error: {' '.join(message.split())}. See `{self.prog} --help`.", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="datareg",
        description="Register data assets and their three rights (持有权, 使用权, 经营权) on the registry chain.",
        epilog="Configuration: DATAREG_RPC_URL, DATAREG_API_URL, DATAREG_DATA_DIR, DATAREG_KEY, "
        "DATAREG_KEY_PASSWORD (see README).",
    )
    parser.add_argument("--json", action="store_true", help="print JSON for machines")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    keys.add_parsers(sub)
    assets.add_parsers(sub)
    rights.add_parsers(sub)
    audit.add_parsers(sub)
    listings.add_parsers(sub)
    procedure.add_parsers(sub)
    verify.add_parsers(sub)

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
    return parser


#: Exit statuses: 1 when the command could not be carried out, 2 when its input was wrong (argparse's own).
EXIT_FAILED, EXIT_BAD_INPUT = 1, 2


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
