"""The one JSON-RPC transport to a chain node: every component that talks to the node (the indexer's
scanner, the chain client and its web3 provider, deploy, audit, the dev harness, the API's status) goes
through `Rpc`.

One kept-alive HTTP connection pool, requests encoded and answers decoded with orjson (web3's provider
spent longer parsing a large eth_getLogs answer than the node spent producing it), JSON-RPC batches, a
few quick retries when the request never reached the node (or could be repeated harmlessly), and the
node's errors turned into the package's: ChainUnavailable when the node cannot be reached, ContractRevert
when a call reverted with one of the contracts' custom errors, RpcError for any other refusal.

The answers are plain JSON, never validated field by field, so proof-of-authority blocks (QBFT, IBFT and
Clique carry 97 bytes or more of extraData, which web3's block formatter refuses) pass through as they are.
"""
from __future__ import annotations

import itertools
import json
import threading
import time
from typing import Any

import httpx
import orjson

from registry.errors import ChainError, ChainUnavailable

# Methods whose repetition changes nothing: a request for one of them is sent again after any transport
# failure. Any other (a transaction, evm_mine, anvil_*) only when the request never left this process.
_SAFE_PREFIXES = ("eth_get", "eth_call", "eth_chainId", "eth_blockNumber", "eth_syncing", "eth_estimateGas",
                  "eth_gasPrice", "eth_maxPriorityFeePerGas", "eth_feeHistory", "net_", "web3_")
# HTTP statuses that mean "busy or restarting, ask again", as load balancers and rate limiters answer.
_RETRY_STATUSES = {429, 502, 503, 504}
# Calls per HTTP request: Besu refuses batches above 1,024 by default, geth above 1,000.
MAX_BATCH = 1000


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
    """JSON-RPC over HTTP to one node. Thread-safe: the connection pool is shared, ids are unique."""

    def __init__(self, url: str, timeout: float = 30.0, retries: int = 2, backoff: float = 0.05) -> None:
        self.url = url
        self.retries = retries
        self.backoff = backoff
        self._http = httpx.Client(timeout=timeout, limits=httpx.Limits(max_keepalive_connections=16))
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._http.close()

    # ───────────────────────────── calls ─────────────────────────────

    def call(self, method: str, params: list | None = None) -> Any:
        """The result of one call; its error raised as ContractRevert or RpcError."""
        return _result(method, self.request(method, params))

    def batch(self, calls: list[tuple[str, list]], allow_errors: bool = False) -> list[Any]:
        """The results of `calls`, in their order, sent as JSON-RPC batches of up to MAX_BATCH calls; the
        first error among them is raised, or with `allow_errors` (an eth_call of a view that reverts for a
        thing that does not exist) is None in its place. Nodes may run a batch's calls concurrently: only
        calls that do not depend on each other's effects belong in one batch."""
        answers = self.batch_request(calls)
        if allow_errors:
            return [answer.get("result") for answer in answers]
        return [_result(method, answer) for (method, _), answer in zip(calls, answers)]

    # ───────────────────────────── raw answers ─────────────────────────────

    def request(self, method: str, params: list | None = None) -> dict:
        """The node's JSON-RPC response object for one call, errors included, as web3's providers return it."""
        answer = self._post(self._envelope(method, params), (method,))
        if not isinstance(answer, dict):
            raise ChainError(f"The node's answer to {method} is not a JSON-RPC response: {str(answer)[:200]}.")
        return answer

    def batch_request(self, calls: list[tuple[str, list]]) -> list[dict]:
        """The node's response objects for `calls`, in their order."""
        answers: list[dict] = []
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

    def _envelope(self, method: str, params: list | None) -> dict:
        with self._lock:
            request_id = next(self._ids)
        return {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params or []}

    def _post(self, payload: object, methods: tuple[str, ...]) -> Any:
        content = _encode(payload)
        repeatable = all(m.startswith(_SAFE_PREFIXES) for m in methods)
        what = methods[0] if len(methods) == 1 else f"a batch of {len(methods)} calls ({methods[0]}, …)"
        attempt = 0
        while True:
            try:
                response = self._http.post(self.url, content=content, headers={"content-type": "application/json"})
                if response.status_code in _RETRY_STATUSES and repeatable and attempt < self.retries:
                    raise _Busy(f"HTTP {response.status_code}")
                return _decode(response, what, self.url)
            except (httpx.TransportError, _Busy) as exc:
                # A refused connection never carried the request; anything else may have reached the node. A
                # node that took the whole timeout to answer is not asked again at once.
                never_sent = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))
                timed_out = isinstance(exc, httpx.TimeoutException) and not never_sent
                if attempt >= self.retries or not (never_sent or (repeatable and not timed_out)):
                    raise ChainUnavailable(
                        f"Cannot read from the chain node at '{public_url(self.url)}': it cannot be reached "
                        f"({_reason(exc)}) for {what}. Check that it runs and that DATAREG_RPC_URL (or --rpc) "
                        "points at it.") from exc
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


def _result(method: str, answer: dict) -> Any:
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
    """A node URL fit for an error message: scheme, host and port, without credentials or a path that may
    carry an API key."""
    parsed = httpx.URL(url)
    return f"{parsed.scheme}://{parsed.host}" + (f":{parsed.port}" if parsed.port else "")
