"""New heads pushed by the node (eth_subscribe "newHeads" over WebSocket), so that the indexer reads a block
as soon as the node has it instead of at its next poll.

Polling every 10 ms cost a new block 5 ms on average before the indexer even asked, and a request for the
latest header each time; the pushed header is that header. The subscription is an accelerator only: the
scanner still checks every range by hashes as before (a pushed header is used once, as `eth_getBlockByNumber
("latest")` would have answered, and the headers are read again after the logs), and it still polls, slowly,
while subscribed (a push lost in a reconnect is then picked up within HEARTBEAT), and at the usual interval
whenever the node offers no WebSocket or the connection is down.
"""
from __future__ import annotations

import logging
import threading
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import orjson

log = logging.getLogger("datareg.indexer")

# While subscribed: the longest wait for a push before the scanner asks the node itself.
HEARTBEAT = 0.25
# Reconnection backoff after the connection fails or drops.
RETRY_FIRST, RETRY_MAX = 0.5, 30.0


def websocket_url(rpc_url: str) -> str | None:
    """The node's WebSocket address when it serves one on the HTTP port (anvil, and nodes behind a proxy that
    upgrades): http -> ws, https -> wss. None for anything else, and for a list of nodes (the RPC client fails
    over between them; heads pushed by one while the logs are read from another would not be the same chain's)."""
    if "," in rpc_url:
        return None
    parts = urlsplit(rpc_url)
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme)
    return urlunsplit((scheme, *parts[1:])) if scheme else None


class HeadSubscription:
    """A thread that keeps a newHeads subscription open and hands each pushed header to the scanner."""

    def __init__(self, url: str, stop: threading.Event) -> None:
        self.url = url
        self.arrived = threading.Event()  # set by a push (and when the subscription ends)
        self.active = False  # subscribed now: the scanner waits for pushes instead of polling
        self._stop = stop
        self._latest: dict[str, Any] | None = None
        self._lock = threading.Lock()
        self._warned = False
        self._thread = threading.Thread(target=self._run, name="datareg-heads", daemon=True)
        self._thread.start()

    def take(self) -> dict[str, Any] | None:
        """The header pushed since the last take (the raw JSON-RPC block header), once; None if none was."""
        with self._lock:
            header, self._latest = self._latest, None
        return header

    def wait(self, poll_interval: float) -> None:
        """Until a push, the stop, or the poll interval (HEARTBEAT while subscribed) has passed."""
        self.arrived.wait(HEARTBEAT if self.active else poll_interval)
        self.arrived.clear()

    def join(self, timeout: float = 2.0) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        delay = RETRY_FIRST
        while not self._stop.is_set():
            try:
                self._subscribe()
                delay = RETRY_FIRST  # it was up: the next failure starts the backoff again
            except Exception as exc:  # noqa: BLE001 - any failure means polling until the next attempt
                if not self._warned:
                    log.info("no newHeads subscription at %s (%s); polling the node", self.url, exc)
                    self._warned = True
            finally:
                self.active = False
                self.arrived.set()  # the scanner polls at once instead of waiting out a heartbeat
            self._stop.wait(delay)
            delay = min(delay * 2, RETRY_MAX)

    def _subscribe(self) -> None:
        from websockets.sync.client import connect  # only the indexer process pays for the import

        with connect(self.url, open_timeout=5, close_timeout=1, max_size=1 << 22, compression=None) as ws:
            ws.send(orjson.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe", "params": ["newHeads"]}))
            reply = orjson.loads(ws.recv(timeout=5))
            if "result" not in reply:
                raise RuntimeError(f"eth_subscribe refused: {reply.get('error')}")
            subscription = reply["result"]
            self.active = True
            self.arrived.set()  # a scanner waiting out a poll interval asks now, then waits for pushes
            if self._warned:
                log.info("newHeads subscription at %s restored", self.url)
                self._warned = False
            while not self._stop.is_set():
                try:
                    message = ws.recv(timeout=1.0)
                except TimeoutError:
                    continue  # to look at the stop flag
                params = orjson.loads(message).get("params") or {}
                if params.get("subscription") == subscription and isinstance(params.get("result"), dict):
                    with self._lock:
                        self._latest = params["result"]
                    self.arrived.set()
