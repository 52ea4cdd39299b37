"""`datareg webhook`: an exchange's endpoints that receive its feed (POST /v1/webhooks and the routes under it).

Every request is signed with the exchange's key (a signed read request naming the method and path, as the API
requires for these routes), so only the exchange itself manages its webhooks. The secret that signs deliveries is
printed once, by `add`: the receiver checks each delivery with it (README, Webhooks)."""
from __future__ import annotations

import argparse
import json
from typing import Any

from registry.cli.api_client import ApiClient
from registry.cli.common import Output, examples, signing_account, whole_number
from registry.config import Settings

ID_HELP = "the webhook's id (from `datareg webhook add` or `datareg webhook list`)"


def _client(args: argparse.Namespace, settings: Settings) -> ApiClient:
    return ApiClient(settings.api_url, reader=signing_account(args, settings))


def _line(hook: dict[str, Any]) -> str:
    state = f"{hook['attempts']} failed attempt(s) at the next entry: {hook['last_error']}" if hook["attempts"] \
        else "up to date" if not hook["last_error"] else f"last error: {hook['last_error']}"
    return (f"{hook['id']}  {hook['url']}\n    acknowledged up to {hook['acked_cursor']}; {state}; "
            f"{hook['dead_letters']} dead letter(s)")


def cmd_add(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    made = _client(args, settings).post("/v1/webhooks", {"url": args.url})
    out.result(made, lambda h: f"Webhook {h['id']} registered for {h['exchange']}: every entry of its feed is "
                               f"POSTed to {h['url']}.\nSecret (shown only now; the receiver verifies "
                               f"DataReg-Signature with it): {h['secret']}")


def cmd_list(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    hooks = _client(args, settings).get("/v1/webhooks")
    out.result(hooks, lambda hs: "\n".join(_line(h) for h in hs) or "No webhooks.")


def cmd_remove(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    _client(args, settings).delete(f"/v1/webhooks/{args.webhook_id}")
    out.result({"removed": args.webhook_id}, lambda d: f"Webhook {d['removed']} removed: nothing more is sent to it.")


def cmd_dead_letters(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    api = _client(args, settings)
    after, letters = args.after, []
    while True:  # every page from --after on
        page = api.get(f"/v1/webhooks/{args.webhook_id}/dead-letters", after=after, limit=1000)
        letters += page
        if len(page) < 1000:
            break
        after = page[-1]["id"]

    def text(rows: list[dict[str, Any]]) -> str:
        lines = []
        for d in rows:
            state = "delivered on replay" if d["delivered_at"] else "replay queued" if d["replay_pending"] else "dead"
            change = json.loads(d["body"]).get("change", "?")
            lines.append(f"#{d['id']}  [{d['cursor']}] {change}: {state}, {d['attempts']} attempt(s), "
                         f"last error {d['last_error']}")
        return "\n".join(lines) or "No dead letters."

    out.result(letters, text)


def cmd_replay(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    replayed = _client(args, settings).post(f"/v1/webhooks/{args.webhook_id}/replay")
    out.result(replayed, lambda r: f"{r['queued']} dead letter(s) queued: each is sent once more, in order, before "
                                   "the feed goes on.")


def add_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "webhook", help="an exchange's endpoints that receive its feed: add, list, remove, dead-letters, replay",
        description="Manage your exchange's webhooks. Each request is signed with --key (the exchange's key).",
        **examples("datareg webhook add http://127.0.0.1:9/datareg --key exchange-a",
                   "datareg webhook list --key exchange-a"))
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")

    def key(q: argparse.ArgumentParser) -> None:
        q.add_argument("--key", help="the exchange's keystore (a key name in DATA_DIR/keys or a path; default: "
                                     "DATAREG_KEY or DATA_DIR/keys/default.json)")

    q = actions.add_parser("add", help="register an endpoint: every feed entry is POSTed to it, signed")
    q.add_argument("url", help="an absolute http(s) URL of a public host (private, loopback and link-local "
                               "addresses are refused unless the API runs with DATAREG_WEBHOOK_ALLOW_PRIVATE=1)")
    key(q)
    q.set_defaults(handler=cmd_add)
    q = actions.add_parser("list", help="your webhooks, how far each has acknowledged, and their dead letters")
    key(q)
    q.set_defaults(handler=cmd_list)
    q = actions.add_parser("remove", help="stop delivering to an endpoint")
    q.add_argument("webhook_id", help=ID_HELP)
    key(q)
    q.set_defaults(handler=cmd_remove)
    q = actions.add_parser("dead-letters", help="entries that failed for the whole retry window, oldest first")
    q.add_argument("webhook_id", help=ID_HELP)
    q.add_argument("--after", type=whole_number(0, 2**63 - 1, "a dead letter's id"), default=0,
                   help="the id of the last dead letter read (0: from the first)")
    key(q)
    q.set_defaults(handler=cmd_dead_letters)
    q = actions.add_parser("replay", help="send every dead letter not yet delivered again, before the feed goes on")
    q.add_argument("webhook_id", help=ID_HELP)
    key(q)
    q.set_defaults(handler=cmd_replay)
