"""The one JSON-RPC transport to a chain node: every component that talks to the node (the indexer's
scanner, the chain client and its web3 provider, deploy, audit, the dev harness, the API's status) goes
through `Rpc`.

One kept-alive HTTP connection pool, requests encoded and answers decoded with orjson (web3's provider
spent longer parsing a large eth_getLogs answer than the node spent producing it), JSON-RPC batches, a
few quick retries when the request never reached the node (or could be repeated harmlessly), and the
node's errors turned into the package's: ChainUnavailable when the node cannot be reached, ContractRevert
when a call reverted with one of the contracts' custom errors, RpcError for any other refusal.

Several nodes: the URL may be a comma-separated list (DATAREG_RPC_URL="http://a:8545,http://b:8545"). The
transport then checks the nodes' health every few seconds (chain id, head, lag behind the best node), sends
each request to the first healthy node in the list's order, fails over to the next one as soon as a node
stops answering, refuses a node on another chain id or more than DATAREG_RPC_MAX_LAG blocks behind, and goes
back to an earlier node of the list once it is healthy again. One URL works as before, with no checks.

The answers are plain JSON, never validated field by field, so proof-of-authority blocks (QBFT, IBFT and
Clique carry 97 bytes or more of extraData, which web3's block formatter refuses) pass through as they are.
"""
from __future__ import annotations

import itertools
import json
import os
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from registry.errors import ChainError, ChainUnavailable, ConfigurationError

# Methods whose repetition changes nothing: a request for one of them is sent again after any transport
# failure. Any other (a transaction, evm_mine, anvil_*) only when the request never left this process.
_SAFE_PREFIXES = ("eth_get", "eth_call", "eth_chainId", "eth_blockNumber", "eth_syncing", "eth_estimateGas",
                  "eth_gasPrice", "eth_maxPriorityFeePerGas", "eth_feeHistory", "net_", "web3_")
# HTTP statuses that mean "busy or restarting, ask again", as load balancers and rate limiters answer.
_RETRY_STATUSES = {429, 502, 503, 504}
# Calls per HTTP request: Besu refuses batches above 1,024 by default, geth above 1,000.
MAX_BATCH = 1000
# Several nodes: how far (in blocks) a node may be behind the best one and still be read from, how often
# their health is checked, and how long a health check waits for a node.
DEFAULT_MAX_LAG = 16
CHECK_INTERVAL = 2.0
CHECK_TIMEOUT = 2.0


def split_urls(urls: str) -> list[str]:
    """The node URLs of a DATAREG_RPC_URL value: one URL, or several separated by commas."""
    found = [u.strip() for u in urls.split(",") if u.strip()]
    if not found:
        raise ConfigurationError("DATAREG_RPC_URL is empty: set it to a node's URL, or to several separated by commas.")
    return found


def max_lag_setting() -> int:
    """DATAREG_RPC_MAX_LAG: blocks a node may be behind the best node before it is no longer read from."""
    value = os.environ.get("DATAREG_RPC_MAX_LAG", "").strip()
    if not value:
        return DEFAULT_MAX_LAG
    if not value.isdigit():
        raise ConfigurationError(f"DATAREG_RPC_MAX_LAG must be a number of blocks (e.g. 16), not {value!r}.")
    return int(value)


@dataclass
class NodeHealth:
    """What the last health check (or the last failed request) found about one node."""

    url: str
    chain_id: int | None = None
    head: int | None = None
    healthy: bool = True  # until a check or a request says otherwise
    reason: str | None = None  # why it is not healthy

    def public(self) -> dict[str, Any]:
        return {"url": public_url(self.url), "chain_id": self.chain_id, "head": self.head,
                "healthy": self.healthy, "reason": self.reason}


class RpcError(ChainError):
    """The node answered a call with a JSON-RPC error (it was reachable, and refused)."""

    code = "rpc_error"

    def __init__(self, method: str, error: object) -> None:
        details = error if isinstance(error, dict) else {"message": str(error)}
        self.method = method
        self.rpc_code = details.get("code")
        self.rpc_message = str(details.get("message", error))
        self.data = details.get("data")
        super().__init__(f"The node refused {method}: {self.rpc_message}.")


class Rpc:
    """JSON-RPC over HTTP to one node, or to the first healthy one of several (see the module's docstring).
    Thread-safe: the connection pool is shared, ids are unique.

    `chain_id` is the chain the nodes must serve (the deployment's); without it, the chain most of the
    reachable nodes serve (the first listed one's on a tie). `max_lag` defaults to DATAREG_RPC_MAX_LAG."""

    def __init__(self, url: str, timeout: float = 30.0, retries: int = 2, backoff: float = 0.05,
                 chain_id: int | None = None, max_lag: int | None = None,
                 check_interval: float = CHECK_INTERVAL) -> None:
        self.nodes = [NodeHealth(u) for u in split_urls(url)]
        self.retries = retries
        self.backoff = backoff
        self.chain_id = chain_id
        self.max_lag = max_lag_setting() if max_lag is None else max_lag
        self.check_interval = check_interval
        limits = httpx.Limits(max_keepalive_connections=16)
        # Nodes reached over plain HTTP (a local node, the usual case) never need TLS, and redirects are not
        # followed: their transport is made without the CA bundle, whose loading was a twentieth of the indexer's
        # start. Proxies from the environment get their own transports, with the bundle, from httpx as before.
        plain = all(node.url.lower().startswith("http://") for node in self.nodes)
        self._http = httpx.Client(timeout=timeout, limits=limits,
                                  transport=httpx.HTTPTransport(verify=False, limits=limits) if plain else None)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._check_lock = threading.Lock()
        self._checked_at = float("-inf")
        self._current = self.nodes[0]

    @property
    def url(self) -> str:
        """The URL of the node requests go to now."""
        return self._current.url

    def close(self) -> None:
        self._http.close()

    # ───────────────────────────── calls ─────────────────────────────

    def call(self, method: str, params: list[Any] | None = None) -> Any:
        """The result of one call; its error raised as ContractRevert or RpcError."""
        return _result(method, self.request(method, params))

    def batch(self, calls: list[tuple[str, list[Any]]], allow_errors: bool = False) -> list[Any]:
        """The results of `calls`, in their order, sent as JSON-RPC batches of up to MAX_BATCH calls; the
        first error among them is raised, or with `allow_errors` (an eth_call of a view that reverts for a
        thing that does not exist) is None in its place. Nodes may run a batch's calls concurrently: only
        calls that do not depend on each other's effects belong in one batch."""
        answers = self.batch_request(calls)
        if allow_errors:
            return [answer.get("result") for answer in answers]
        return [_result(method, answer) for (method, _), answer in zip(calls, answers)]

    # ───────────────────────────── raw answers ─────────────────────────────

    def request(self, method: str, params: list[Any] | None = None) -> dict[str, Any]:
        """The node's JSON-RPC response object for one call, errors included, as web3's providers return it."""
        answer = self._post(self._envelope(method, params), (method,))
        if not isinstance(answer, dict):
            raise ChainError(f"The node's answer to {method} is not a JSON-RPC response: {str(answer)[:200]}.")
        return answer

    def batch_request(self, calls: list[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
        """The node's response objects for `calls`, in their order."""
        answers: list[dict[str, Any]] = []
        for start in range(0, len(calls), MAX_BATCH):
            chunk = calls[start:start + MAX_BATCH]
            envelopes = [self._envelope(method, params) for method, params in chunk]
            body = self._post(envelopes, tuple(method for method, _ in chunk))
            if isinstance(body, dict):  # the whole batch refused, e.g. too large
                raise RpcError(f"a batch of {len(chunk)} calls", body.get("error", body))
            by_id = {answer.get("id"): answer for answer in body if isinstance(answer, dict)}
            for envelope, (method, _) in zip(envelopes, chunk):
                if envelope["id"] not in by_id:
                    raise ChainError(f"The node's answer to a batch has no response to {method}.")
                answers.append(by_id[envelope["id"]])
        return answers

    # ───────────────────────────── transport ─────────────────────────────

    def _envelope(self, method: str, params: list[Any] | None) -> dict[str, Any]:
        with self._lock:
            request_id = next(self._ids)
        return {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params or []}

    def _post(self, payload: object, methods: tuple[str, ...]) -> Any:
        content = _encode(payload)
        repeatable = all(m.startswith(_SAFE_PREFIXES) for m in methods)
        if len(self.nodes) == 1:
            return self._post_to(self.nodes[0].url, content, methods, repeatable, self.retries)
        if time.monotonic() - self._checked_at >= self.check_interval:
            self.check_nodes()
        tried: set[str] = set()
        while True:
            node = next((n for n in self.nodes if n.healthy and n.url not in tried), None)
            if node is None:
                raise ChainUnavailable(self._no_node_message(methods))
            self._current = node
            try:
                # One quick retry per node: the next node is the better retry.
                return self._post_to(node.url, content, methods, repeatable, min(self.retries, 1))
            except ChainUnavailable as exc:
                with self._lock:
                    node.healthy, node.reason = False, f"stopped answering ({_reason(exc.__cause__ or exc)})"
                tried.add(node.url)
                # A transaction that may have reached the node is not sent to another one: the caller
                # decides (its receipt may still come).
                if not (repeatable or getattr(exc, "never_sent", False)):
                    raise

    def check_nodes(self) -> list[NodeHealth]:
        """Asks every node its chain id and head (one batch, a short timeout, no retries) and marks which
        ones may be read from. Runs in one thread at a time; the others go on with the last findings."""
        if not self._check_lock.acquire(blocking=False):
            return self.nodes
        try:
            found: list[tuple[NodeHealth, int | None, int | None, str | None]] = []
            for node in self.nodes:
                try:
                    body = orjson.loads(self._http.post(
                        node.url, timeout=CHECK_TIMEOUT, headers={"content-type": "application/json"},
                        content=_encode([self._envelope("eth_chainId", []), self._envelope("eth_blockNumber", [])]),
                    ).content)
                    results = sorted(body, key=lambda a: a["id"])
                    found.append((node, int(results[0]["result"], 16), int(results[1]["result"], 16), None))
                except (httpx.HTTPError, orjson.JSONDecodeError) as exc:
                    found.append((node, None, None, f"cannot be reached ({type(exc).__name__}: {_reason(exc)})"))
                except (KeyError, TypeError, ValueError, IndexError):
                    found.append((node, None, None, "does not answer eth_chainId and eth_blockNumber"))
            reachable = [chain for _, chain, _, error in found if error is None]
            expected = self.chain_id if self.chain_id is not None else (
                max(Counter(reachable).items(), key=lambda kv: (kv[1], -reachable.index(kv[0])))[0]
                if reachable else None)
            heads = [head for _, chain, head, error in found
                     if error is None and chain == expected and head is not None]
            best = max(heads, default=None)
            with self._lock:
                for node, chain, head, error in found:
                    node.chain_id, node.head = chain, head
                    if error is None and chain != expected:
                        error = f"serves chain {chain}, not chain {expected}: left out"
                    elif error is None and best is not None and head is not None and best - head > self.max_lag:
                        error = (f"{best - head} blocks behind the best node (block {best}), more than the "
                                 f"{self.max_lag} allowed (DATAREG_RPC_MAX_LAG)")
                    node.healthy, node.reason = error is None, error
            self._checked_at = time.monotonic()
            return self.nodes
        finally:
            self._check_lock.release()

    def health(self) -> list[dict[str, Any]]:
        """Each node as the last check saw it (URLs without credentials), for the status."""
        with self._lock:
            return [node.public() for node in self.nodes]

    def _no_node_message(self, methods: tuple[str, ...]) -> str:
        reasons = "; ".join(f"{public_url(n.url)} {n.reason or 'failed'}" for n in self.nodes)
        return (f"No chain node can be read from for {methods[0]}: {reasons}. Check that the nodes run and that "
                "DATAREG_RPC_URL lists nodes of the deployment's chain.")

    def _post_to(self, url: str, content: bytes, methods: tuple[str, ...], repeatable: bool, retries: int) -> Any:
        what = methods[0] if len(methods) == 1 else f"a batch of {len(methods)} calls ({methods[0]}, …)"
        attempt = 0
        while True:
            try:
                response = self._http.post(url, content=content, headers={"content-type": "application/json"})
                if response.status_code in _RETRY_STATUSES and repeatable and attempt < retries:
                    raise _Busy(f"HTTP {response.status_code}")
                return _decode(response, what, url)
            except (httpx.TransportError, _Busy) as exc:
                # A refused connection never carried the request; anything else may have reached the node. A
                # node that took the whole timeout to answer is not asked again at once.
                never_sent = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))
                timed_out = isinstance(exc, httpx.TimeoutException) and not never_sent
                if attempt >= retries or not (never_sent or (repeatable and not timed_out)):
                    unavailable = ChainUnavailable(
                        f"Cannot read from the chain node at '{public_url(url)}': it cannot be reached "
                        f"({_reason(exc)}) for {what}. Check that it runs and that DATAREG_RPC_URL (or --rpc) "
                        "points at it.")
                    unavailable.never_sent = never_sent  # type: ignore[attr-defined]
                    raise unavailable from exc
            time.sleep(self.backoff * 2 ** attempt)
            attempt += 1


class _Busy(Exception):
    """An HTTP status that asks the client to try again later."""


def _encode(payload: object) -> bytes:
    try:
        return orjson.dumps(payload, default=_bytes_as_hex)
    except TypeError:  # an integer beyond 64 bits: the standard library copes
        return json.dumps(payload, default=_bytes_as_hex).encode()


def _bytes_as_hex(value: object) -> str:
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    raise TypeError(f"{type(value).__name__} cannot be sent in a JSON-RPC request")


def _decode(response: httpx.Response, what: str, url: str) -> Any:
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        raise ChainError(f"The chain node at '{public_url(url)}' answered {what} with HTTP "
                         f"{response.status_code} and no JSON-RPC response: {response.text[:200]!r}.") from None


def _result(method: str, answer: dict[str, Any]) -> Any:
    if "error" in answer:
        raise _mapped(method, answer["error"])
    if "result" not in answer:
        raise ChainError(f"The node's answer to {method} has neither a result nor an error.")
    return answer["result"]


def _mapped(method: str, error: object) -> ChainError:
    """A contract's custom error (revert data in the error) becomes a ContractRevert; anything else RpcError."""
    data = error.get("data") if isinstance(error, dict) else None
    if isinstance(data, dict):  # some nodes nest it: {"data": {"data": "0x…"}}
        data = data.get("data")
    if isinstance(data, str) and data.startswith("0x") and len(data) >= 10:
        from registry.chain.errors import decode_revert  # the ABIs are loaded only when a call reverts

        return decode_revert(bytes.fromhex(data[2:]))
    return RpcError(method, error)


def _reason(exc: BaseException) -> str:
    text = str(exc).split("Caused by ")[-1][:200]
    return text or type(exc).__name__


def public_url(url: str) -> str:
    """A node URL (or a comma-separated list of them) fit for an error message: scheme, host and port,
    without credentials or a path that may carry an API key."""
    if "," in url:
        return ",".join(public_url(u) for u in split_urls(url))
    parsed = httpx.URL(url.strip())
    return f"{parsed.scheme}://{parsed.host}" + (f":{parsed.port}" if parsed.port else "")
