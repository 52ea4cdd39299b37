"""The webhook deliverer on the indexer's own write path without a node (tests/ledger.py), on SQLite and
PostgreSQL: delivery state in the database, retries scheduled with backoff, resumption from the acknowledged
cursor by another deliverer (a restart), dead letters, and one deliverer elected among several."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlmodel import Session, select

from api.webhooks import Deliverer, verify_signature
from registry.db.api_tables import Webhook, WebhookDeadLetter
from tests.ledger import Ledger
from tests.test_listing_feed import EXCHANGE, listed_asset, served

SECRET = "whsec_" + "cd" * 32


class Endpoint:
    def __init__(self) -> None:
        self.status = 500
        self.received: list[tuple[int, str, bytes, str]] = []  # (status answered, cursor, body, signature)
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                endpoint.received.append((endpoint.status, self.headers["DataReg-Cursor"], body,
                                          self.headers["DataReg-Signature"]))
                self.send_response(endpoint.status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def hook_of(ledger: Ledger) -> Webhook:
    with Session(ledger.engine) as db:
        return db.exec(select(Webhook)).one()


def due_now(ledger: Ledger) -> None:
    with Session(ledger.engine) as db:
        hook = db.exec(select(Webhook)).one()
        hook.next_attempt_at = 0.0
        db.add(hook)
        db.commit()


def test_delivery_state_survives_a_new_deliverer_and_backs_off(tmp_path, database_url, monkeypatch):
    ledger = Ledger(tmp_path / "l", database_url=None if database_url.startswith("sqlite") else database_url)
    listed_asset(ledger)
    ledger.index()
    ledger.emit("ListingStatusChanged", listingId=1, exchange=EXCHANGE, by=EXCHANGE, status=2)  # suspended
    ledger.index()
    expected = [c[0] for c in served(ledger)]
    assert len(expected) == 2
    endpoint = Endpoint()
    with Session(ledger.engine) as db:
        db.add(Webhook(id="a" * 32, exchange=EXCHANGE, url=endpoint.url, secret=SECRET, created_at=time.time()))
        db.commit()
    first, second = Deliverer(ledger.engine), Deliverer(ledger.engine)
    try:
        assert first._role.held() and not second._role.held()  # one instance delivers
        before = time.time()
        first.deliver_due()
        hook = hook_of(ledger)
        assert (hook.acked_cursor, hook.attempts, hook.last_error) == ("0", 1, "HTTP 500")
        assert hook.next_attempt_at >= before + 1  # backed off: not due again at once
        first.deliver_due()
        assert len(endpoint.received) == 1  # not retried before its time
        due_now(ledger)
        first.deliver_due()
        assert hook_of(ledger).attempts == 2 and hook_of(ledger).next_attempt_at >= time.time() + 1
        endpoint.status = 200
        due_now(ledger)
        first.close()  # the instance goes away; the other takes over from the database's state
        deadline = time.monotonic() + 5  # the role is asked for again at most once a second
        while not second._role.held() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert second._role.held()
        second.deliver_due()
        assert hook_of(ledger).acked_cursor == expected[-1] and hook_of(ledger).attempts == 0
        acknowledged = [cursor for status, cursor, _, _ in endpoint.received if status == 200]
        assert acknowledged == expected
        for _, cursor, body, signature in endpoint.received:
            assert json.loads(body)["cursor"] == cursor and verify_signature(SECRET, signature, body)
        # Past the retry window, a failing entry is dead-lettered and the next is tried.
        endpoint.status = 503
        monkeypatch.setenv("DATAREG_WEBHOOK_RETRY_SECONDS", "0")
        ledger.emit("ListingStatusChanged", listingId=1, exchange=EXCHANGE, by=EXCHANGE, status=1)  # resumed
        ledger.index()
        second.deliver_due()
        with Session(ledger.engine) as db:
            letters = db.exec(select(WebhookDeadLetter)).all()
        newest = served(ledger)[-1][0]
        assert [letter.cursor for letter in letters] == [newest] and hook_of(ledger).acked_cursor == newest
    finally:
        first.close()
        second.close()
        endpoint.close()
