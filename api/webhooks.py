"""Webhook delivery: every entry of an exchange's feed (its listing changes and its trades) is POSTed, as JSON, to
each endpoint the exchange registered (POST /v1/webhooks), in feed order, at least once.

Each request carries
    DataReg-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>
    DataReg-Delivery:  <the webhook's id>
    DataReg-Cursor:    <the entry's feed cursor: the idempotency key; an entry may arrive more than once>
A 2xx answer acknowledges the entry; anything else (or no answer within DATAREG_WEBHOOK_TIMEOUT seconds) is a
failure, retried after 1, 2, 4 ... seconds (at most DATAREG_WEBHOOK_BACKOFF_CAP, 5 min) while
DATAREG_WEBHOOK_RETRY_SECONDS (24 h) have not passed since its first failure; then the entry goes to the
webhook's dead letters and delivery goes on with the next one (tried once, and dead-lettered too while the
endpoint has been failing for longer than the window: only a success starts the window again).
The exchange reads and replays dead letters through the API.

Endpoints must be public (SSRF): a URL whose host is, or resolves to, a loopback, private, link-local (cloud
metadata at 169.254.169.254), shared, multicast, reserved or unspecified address is refused at registration and
again before every delivery (a name may resolve elsewhere later), unless DATAREG_WEBHOOK_ALLOW_PRIVATE=1 (a local
stack and the tests, whose receivers are on the same machine). Redirects are never followed.

State lives in the database (api_tables.Webhook, api_tables.WebhookDeadLetter): the cursor each endpoint acknowledged
last, its retries, its dead letters. Delivery reads the feed itself from that cursor (registry.db.listings.feed),
so no copy of the entries is kept and a restart resumes where the last acknowledgement left off. One API
instance delivers: whichever holds the deliverer's lock (a PostgreSQL advisory lock, or an flock beside the
SQLite file), as the relayer's follower is elected (registry/chain/relayer.py).
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import os
import socket
import threading
import time
from urllib.parse import urlsplit

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.schemas import ListingChangePublic, iso
from registry.chain.relayer import FollowerRole
from registry.db.api_tables import Webhook, WebhookDeadLetter
from registry.db.listings import FeedEntry, feed
from registry.db.session import read_only_reason
from registry.errors import NotFound

log = logging.getLogger("datareg.webhooks")

#: Entries read from the feed per look at one webhook.
BATCH = 100
PG_DELIVERER_LOCK = int.from_bytes(b"dr-hook", "big")
SIGNATURE_HEADER, DELIVERY_HEADER, CURSOR_HEADER = "DataReg-Signature", "DataReg-Delivery", "DataReg-Cursor"


def private_allowed() -> bool:
    """Whether endpoints on private, loopback and link-local addresses are allowed (DATAREG_WEBHOOK_ALLOW_PRIVATE=1:
    development only, where the receivers run on the same machine)."""
    return os.environ.get("DATAREG_WEBHOOK_ALLOW_PRIVATE", "") == "1"


def _not_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        # ::ffff:10.0.0.1 and 64:ff9b::/96 (NAT64) reach IPv4 hosts: judge the IPv4 address they carry.
        mapped = address.ipv4_mapped or (ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
                                         if address in ipaddress.IPv6Network("64:ff9b::/96") else None)
        if mapped is not None:
            return _not_public(mapped)
    return not address.is_global or address.is_multicast or address.is_reserved or address.is_unspecified


def url_refusal(url: str) -> str | None:
    """Why a webhook may not be delivered to `url` (None: it may): its host is, or resolves to, an address that
    is not public (an SSRF guard: an exchange must not make the API call into its own network or the cloud's
    metadata service). Every address the name resolves to must be public. Skipped when private_allowed()."""
    if private_allowed():
        return None
    host = urlsplit(url).hostname or ""
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            port = urlsplit(url).port or 443
            infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
        except (socket.gaierror, UnicodeError, ValueError) as exc:
            return f"its host '{host}' does not resolve ({exc})"
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    for address in addresses:
        if _not_public(address):
            return (f"its host '{host}' is {'' if literal is not None else 'resolves to '}{address}, a loopback, "
                    "private, link-local or otherwise non-public address (set DATAREG_WEBHOOK_ALLOW_PRIVATE=1 only "
                    "on a development stack whose receivers run on the same machine)")
    return None


def retry_seconds() -> float:
    """How long an entry is retried before it is dead-lettered (DATAREG_WEBHOOK_RETRY_SECONDS, default 24 h)."""
    return float(os.environ.get("DATAREG_WEBHOOK_RETRY_SECONDS", 86_400))


def timeout_seconds() -> float:
    return float(os.environ.get("DATAREG_WEBHOOK_TIMEOUT", 10))


def backoff_cap() -> float:
    """The longest wait between two attempts at one entry (DATAREG_WEBHOOK_BACKOFF_CAP, default 5 minutes)."""
    return float(os.environ.get("DATAREG_WEBHOOK_BACKOFF_CAP", 300))


def backoff(attempts: int) -> float:
    """The wait after the `attempts`-th failure: 1, 2, 4 ... seconds, at most backoff_cap()."""
    return min(backoff_cap(), 2.0 ** max(0, min(attempts, 40) - 1))


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The DataReg-Signature header's value for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(secret: str, header: str, body: bytes, tolerance: int = 300, now: int | None = None) -> bool:
    """What a receiver does (the README's example): recompute the HMAC and compare in constant time, and
    refuse a timestamp too far from its own clock (a replayed request)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        t = int(parts["t"])
    except (KeyError, ValueError):
        return False
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    current = int(time.time()) if now is None else now
    return abs(current - t) <= tolerance and hmac.compare_digest(expected, parts.get("v1", ""))


def entry_public(entry: FeedEntry) -> ListingChangePublic:
    """A feed entry as GET /v1/listings/feed serves it (and as a webhook receives it)."""
    c = entry.change
    return ListingChangePublic(cursor=entry.cursor, listing_id=c.listing_id, exchange=c.exchange,
                               origin_exchange=c.origin_exchange, asset_id=c.asset_id,
                               change="retracted" if entry.retracts else c.change, status=c.status, valid=c.valid,
                               reason=c.reason, block_number=c.block_number, tx_hash=c.tx_hash,
                               log_index=c.log_index, timestamp=iso(c.timestamp), retracts=entry.retracts,
                               caused_by=c.cause, trade_number=c.trade_number, buyer=c.buyer, seller=c.seller)


class Deliverer:
    """The background loop that delivers every active webhook's entries (started and stopped with the app)."""

    def __init__(self, engine: Engine, poll: float = 0.5) -> None:
        self.engine = engine
        self.poll = poll
        self._role = FollowerRole(engine, key=PG_DELIVERER_LOCK, suffix="webhooks-lock", name="webhooks")
        self._closed = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._http = httpx.Client(timeout=timeout_seconds(), follow_redirects=False)

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="webhook-deliverer", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def close(self) -> None:
        self._closed.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout_seconds() + 5)
        self._role.release()
        self._http.close()

    def _run(self) -> None:
        while not self._closed.is_set():
            self._wake.wait(self.poll)
            self._wake.clear()
            if self._closed.is_set():
                return
            try:
                if self._role.held():
                    self.deliver_due()
            except Exception as exc:  # noqa: BLE001 - the database may be away: look again a little later
                log.warning("webhooks: could not deliver: %s", str(exc).splitlines()[0] if str(exc) else exc)

    def deliver_due(self) -> None:
        """One pass: every active webhook whose next attempt is due, as far as it goes without a failure."""
        now = time.time()
        with self.engine.connect() as connection:
            # A read-only index (a standby, a read-only file) cannot record acknowledgements: delivering from it
            # would send the same entries again and again. The writable primary's API delivers.
            if read_only_reason(connection) is not None:
                return
        with Session(self.engine, expire_on_commit=False) as db:
            due = db.exec(select(Webhook).where(Webhook.active.is_(True), Webhook.next_attempt_at <= now)).all()
        for hook in due:
            if self._closed.is_set():
                return
            self._deliver(hook)

    def _post(self, hook: Webhook, cursor: str, body: bytes) -> str | None:
        """Sends one entry; None when acknowledged (2xx), else why not."""
        # Judged again at each delivery: a name that resolved to a public address at registration may not now.
        refused = url_refusal(hook.url)
        if refused is not None:
            return f"not sent: {refused}"
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature(hook.secret, int(time.time()), body),
                   DELIVERY_HEADER: hook.id, CURSOR_HEADER: cursor, "User-Agent": "datareg-webhooks/1"}
        try:
            response = self._http.post(hook.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {str(exc)[:200]}"
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}"

    def _deliver(self, hook: Webhook) -> None:
        with Session(self.engine, expire_on_commit=False) as db:
            hook = db.get(Webhook, hook.id)
            if hook is None or not hook.active:
                return
            # Replays first: the dead letters the exchange asked for again, each tried once.
            for letter in db.exec(select(WebhookDeadLetter).where(WebhookDeadLetter.webhook_id == hook.id,
                                                                  WebhookDeadLetter.replay.is_(True))
                                  .order_by(WebhookDeadLetter.id)).all():
                error = self._post(hook, letter.cursor, letter.body.encode())
                letter.attempts += 1
                # Delivered, or still dead (the exchange can replay again): a replay never blocks the feed.
                letter.replay = False
                if error is None:
                    letter.delivered_at = time.time()
                else:
                    letter.last_error = error
                db.add(letter)
                db.commit()
            try:
                # The exchange's own feed, its trades included: the webhook is its own (registered signed).
                entries, _ = feed(db, hook.exchange, hook.acked_cursor, BATCH, trades=True)
            except NotFound:
                # The acknowledged cursor is no longer in this index (rebuilt from another chain): start over.
                log.warning("webhooks: %s's cursor %s is not in the feed; delivering from the start", hook.id,
                            hook.acked_cursor)
                hook.acked_cursor = "0"
                db.add(hook)
                db.commit()
                return
            for entry in entries:
                if self._closed.is_set():
                    return
                body = entry_public(entry).model_dump_json().encode()
                error = self._post(hook, entry.cursor, body)
                now = time.time()
                if error is None:
                    hook.acked_cursor, hook.attempts, hook.failing_since = entry.cursor, 0, None
                    hook.last_error, hook.next_attempt_at = None, 0.0
                    db.add(hook)
                    db.commit()
                    continue
                hook.attempts += 1
                hook.failing_since = hook.failing_since or now
                hook.last_error = error
                if now - hook.failing_since >= retry_seconds():
                    # Retried for the whole window: dead-lettered, and delivery goes on with the next entry.
                    db.add(WebhookDeadLetter(webhook_id=hook.id, cursor=entry.cursor, body=body.decode(),
                                             attempts=hook.attempts, last_error=error, dead_at=now))
                    log.warning("webhooks: %s: entry %s dead-lettered after %d attempts (%s)", hook.id,
                                entry.cursor, hook.attempts, error)
                    # `failing_since` stays: while the endpoint keeps failing past the window, each next entry
                    # is tried once and dead-lettered, so a long outage ends as dead letters, not a stalled feed.
                    hook.acked_cursor, hook.attempts, hook.next_attempt_at = entry.cursor, 0, 0.0
                    db.add(hook)
                    db.commit()
                    continue
                hook.next_attempt_at = now + min(backoff(hook.attempts),
                                                 max(0.0, hook.failing_since + retry_seconds() - now))
                db.add(hook)
                db.commit()
                return

