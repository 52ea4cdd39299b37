"""Proxies that stand between the stack and a development node (or PostgreSQL) to make the node misbehave on
purpose, for the tests and the benchmarks: the one place such proxies are written.

- `RpcProxy`: a JSON-RPC forwarder in front of anvil that records every call (batches unpacked), can hold
  all requests (`gate`) or the next request for a method after another (`hold_next`, to open a race at a
  chosen point), refuse eth_getLogs over long ranges as hosted nodes do, withhold the logs and receipts of
  new blocks as a node that announces a head before executing it does, and, in `qbft` mode, look like a
  Hyperledger Besu QBFT node: 97-byte extraData in every block and no anvil_/evm_/hardhat_ methods.
- `TcpProxy`: a plain TCP forwarder that can be cut and restored, so "the node (or the database) is down"
  is a real refused connection.
"""
from __future__ import annotations

import http.client
import json
import select
import socket
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from registry.devchain import free_port

# 97 bytes of extraData, as Clique writes it (32 bytes of vanity, a 65-byte seal) and as long as a QBFT
# block's RLP with one validator: web3's block formatter refuses anything over 32 bytes.
LONG_EXTRA_DATA = "0x" + "00" * 32 + "5e" * 65
# Methods a production node does not have.
DEV_METHOD_PREFIXES = ("anvil_", "evm_", "hardhat_")


@dataclass
class Record:
    at: float  # perf_counter on arrival
    method: str
    params: list[Any]


class RpcProxy:
    """A JSON-RPC forwarder to `upstream` on a free local port (`url`). Every call is recorded on arrival;
    requests wait while `gate` is cleared. Misbehaviours are switched on by attributes:

    - `log_range_limit`: eth_getLogs over more blocks is refused ("query returned more than 10000 results");
    - `withhold_logs_from`: logs of that block and later ones are left out of eth_getLogs answers, and their
      transactions' receipts are null, until it is set back to None;
    - `late_logs_seconds`: the same for each block during that long after the proxy first answered with its
      number, as a node that announces a head before it has executed it;
    - `qbft`: blocks carry 97-byte extraData and dev methods are refused with "Method not found";
    - `pre_london`: blocks carry no base fee, as on a chain without EIP-1559 (legacy gas prices only);
    - `syncing`: eth_syncing answers that the node is still catching up, as a restarted node does."""

    def __init__(self, upstream: str, qbft: bool = False, log_range_limit: int | None = None,
                 pre_london: bool = False, late_logs_seconds: float = 0.0) -> None:
        parts = urlsplit(upstream)
        self.host, self.port_ = parts.hostname or "127.0.0.1", parts.port
        self.qbft = qbft
        self.pre_london = pre_london
        self.syncing = False
        self.log_range_limit = log_range_limit
        self.withhold_logs_from: int | None = None
        self.late_logs_seconds = late_logs_seconds
        self._first_seen: dict[int, float] = {}  # block number -> when an answer first named it
        self.records: list[Record] = []
        self.lock = threading.Lock()
        self.gate = threading.Event()
        self.gate.set()
        self.held = threading.Event()  # set while a request caught by hold_next waits
        self._hold: tuple[str, str] | None = None  # (after method, method) of hold_next
        self._armed = False
        self._release = threading.Event()
        self.local = threading.local()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Without TCP_NODELAY, a response written in two pieces waits for the client's delayed ACK: 40 ms.
            disable_nagle_algorithm = True

            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                data = proxy.handle(body)
                head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        f"Content-Length: {len(data)}\r\n\r\n").encode()
                try:
                    self.wfile.write(head + data)  # one write, one segment
                except OSError:
                    pass  # the client was killed

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                if not isinstance(sys.exc_info()[1], OSError):  # a killed client's connection reset is expected
                    super().handle_error(request, client_address)

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="rpc-proxy")
        self.thread.start()

    # ───────────────────────────── control ─────────────────────────────

    def hold_next(self, method: str, after: str) -> None:
        """Holds the first request for `method` that arrives after a request for `after`, until `release()`;
        `held` is set while it waits."""
        with self.lock:
            self._hold, self._armed = (after, method), False
            self._release.clear()
            self.held.clear()

    def release(self) -> None:
        with self.lock:
            self._hold = None
        self._release.set()

    def mark(self) -> int:
        with self.lock:
            return len(self.records)

    def since(self, mark: int, end: int | None = None) -> list[Record]:
        with self.lock:
            return list(self.records[mark:end])

    def calls(self, method: str) -> list[Record]:
        with self.lock:
            return [r for r in self.records if r.method == method]

    def close(self) -> None:
        self.gate.set()
        self._release.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "RpcProxy":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ───────────────────────────── requests ─────────────────────────────

    def handle(self, body: bytes) -> bytes:
        try:
            request = json.loads(body)
        except ValueError:
            return self.forward(body)
        calls = [c for c in (request if isinstance(request, list) else [request]) if isinstance(c, dict)]
        now = time.perf_counter()
        with self.lock:
            self.records += [Record(now, c.get("method", ""), c.get("params") or []) for c in calls]
        self._wait_if_held(calls)
        self.gate.wait()
        if not (self.qbft or self.pre_london or self.syncing or self.log_range_limit
                or self.withhold_logs_from is not None or self.late_logs_seconds):
            return self.forward(body)  # as it came: the proxy adds no parsing to the answers
        refused = {id(c): answer for c in calls if (answer := self._refusal(c)) is not None}
        passed = [c for c in calls if id(c) not in refused]
        forwarded: list[dict[str, Any]] = []
        if passed:
            answer = json.loads(self.forward(json.dumps(passed if isinstance(request, list) else passed[0]).encode()))
            forwarded = answer if isinstance(answer, list) else [answer]
        by_id = {a.get("id"): a for a in forwarded if isinstance(a, dict)}
        answers = [refused.get(id(c)) or self._rewritten(c, by_id.get(c.get("id"), {})) for c in calls]
        return json.dumps(answers if isinstance(request, list) else answers[0]).encode()

    def _wait_if_held(self, calls: list[dict[str, Any]]) -> None:
        with self.lock:
            if self._hold is None:
                return
            after, method = self._hold
            methods = {c.get("method") for c in calls}
            if not self._armed:
                self._armed = after in methods
                return
            if method not in methods:
                return
            self._hold = None
        self.held.set()
        self._release.wait()

    def _refusal(self, call: dict[str, Any]) -> dict[str, Any] | None:
        """The answer this node gives `call` itself (a refusal, or a state of its own), if any."""
        method, params = call.get("method", ""), call.get("params") or []
        if self.qbft and method.startswith(DEV_METHOD_PREFIXES):
            return {"jsonrpc": "2.0", "id": call.get("id"), "error": {"code": -32601, "message": "Method not found"}}
        if method == "eth_syncing" and self.syncing:
            return {"jsonrpc": "2.0", "id": call.get("id"),
                    "result": {"startingBlock": "0x0", "currentBlock": "0x0", "highestBlock": "0xffff"}}
        if method == "eth_getLogs" and self.log_range_limit and params:
            first, last = int(params[0]["fromBlock"], 16), int(params[0]["toBlock"], 16)
            if last - first + 1 > self.log_range_limit:
                return {"jsonrpc": "2.0", "id": call.get("id"),
                        "error": {"code": -32005, "message": "query returned more than 10000 results"}}
        return None

    def _rewritten(self, call: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
        """The upstream's answer to `call` as this node gives it."""
        method, result = call.get("method", ""), answer.get("result")
        if method == "eth_blockNumber" and isinstance(result, str):
            self._withheld(int(result, 16))  # the moment the node announces a head
        elif method == "eth_getLogs" and isinstance(result, list):
            answer["result"] = [e for e in result if not self._withheld(int(e["blockNumber"], 16))]
        elif method == "eth_getTransactionReceipt" and isinstance(result, dict):
            if self._withheld(int(result["blockNumber"], 16)):
                answer["result"] = None
        elif method.startswith("eth_getBlockBy") and isinstance(result, dict):
            self._withheld(int(result["number"], 16))
            if self.qbft:
                result["extraData"] = LONG_EXTRA_DATA
            if self.pre_london:
                result.pop("baseFeePerGas", None)
        return answer

    def _withheld(self, block: int) -> bool:
        """Whether the logs and receipts of `block` are not served yet; notes when the block was first named."""
        with self.lock:
            first_seen = self._first_seen.setdefault(block, time.monotonic())
        if self.withhold_logs_from is not None and block >= self.withhold_logs_from:
            return True
        return time.monotonic() - first_seen < self.late_logs_seconds

    def forward(self, body: bytes) -> bytes:
        for attempt in range(2):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection(self.host, self.port_, timeout=60)
                conn.connect()
                conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                conn.request("POST", "/", body, {"Content-Type": "application/json"})
                return conn.getresponse().read()
            except (OSError, http.client.HTTPException):
                conn.close()
                self.local.conn = None
                if attempt:
                    raise
        raise AssertionError


class TcpProxy:
    """Forwards 127.0.0.1:port to a target address. `cut()` closes the listening socket and every open
    connection, so clients see their connections reset and new ones refused, as when the server stops;
    `restore()` listens on the same port again."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1", port: int | None = None) -> None:
        self.target = (target_host, target_port)
        self.port = port or free_port()
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.connections = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def up(self) -> bool:
        return self._listener is not None

    def restore(self) -> "TcpProxy":
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() of the proxy's thread
            except OSError:
                pass
            listener.close()
        with self._lock:
            for sock in list(self._open):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:  # cut while connecting
                    client.close()
                    upstream.close()
                    return
                self._open |= {client, upstream}
                self.connections += 1
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while True:
                readable, _, _ = select.select([a, b], [], [], 1.0)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (b if sock is a else a).sendall(data)
        except (OSError, ValueError):
            return
        finally:
            with self._lock:
                self._open -= {a, b}
            for sock in (a, b):
                sock.close()
