"""What one client can make the API do: request body sizes, the rate of writes per client address, and
which other web origins may call it from a browser. Every refusal is JSON like every other error.

DATAREG_MAX_BODY_BYTES     largest request body, in bytes, for every endpoint but POST /v1/verify (which has
                           its own, DATAREG_VERIFY_MAX_UPLOAD_BYTES) and POST /v1/content (10 MiB, the
                           document limit); default 1048576 (1 MiB). Larger bodies get 413.
DATAREG_MAX_JSON_DEPTH     deepest nesting of arrays and objects in a JSON request body; default 32 (the deepest
                           body the API takes, a registration, nests 4). Deeper bodies get 422 before any JSON is
                           decoded: a decoder's recursion over 100,000 levels crashed the process.
DATAREG_WRITE_RATE_LIMIT   requests per client address to POST /v1/relay/* and /v1/transactions, as N/second,
                           N/minute or N/hour; default 60/minute. A token bucket of N tokens refilled evenly over
                           the period, so a burst of N is allowed. `off` disables it. Over the limit: 429 with
                           Retry-After. On a PostgreSQL index the buckets are rows of the database (rate_buckets),
                           so every API instance on it draws from one allowance per client; on SQLite (one
                           machine) each API process counts alone.
DATAREG_STORE_RATE_LIMIT   the same for POST /v1/metadata and /v1/content (documents written to the store);
                           default 600/minute.
DATAREG_CORS_ORIGINS       comma-separated web origins (https://explorer.example.org) whose pages may call the
                           API from a browser; `*` for any. Default: none, so only pages served by the API itself
                           (same origin) can read its answers in a browser. No credentials are ever allowed.

A NUL character (%00) in the path or query is refused (422): no id or text holds one, and PostgreSQL cannot
compare text with it.

The client address is the connection's peer (an IPv6 client counts by its /64 network). Behind a reverse proxy
run uvicorn with --proxy-headers and
--forwarded-allow-ips set to the proxy's address, so the peer is the real client and not the proxy.
"""
from __future__ import annotations

import ipaddress
import logging
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Float, bindparam, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from registry.errors import ConfigurationError
from registry.jsondepth import MAX_DEPTH, JsonDepthScanner

log = logging.getLogger("datareg.api")

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
#: POST /v1/content stores documents (terms, evidence) up to this size.
CONTENT_MAX_BODY_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_JSON_DEPTH = MAX_DEPTH
DEFAULT_WRITE_RATE = "60/minute"
DEFAULT_STORE_RATE = "600/minute"
_PERIODS = {"second": 1.0, "sec": 1.0, "s": 1.0, "minute": 60.0, "min": 60.0, "m": 60.0, "hour": 3600.0, "h": 3600.0}
#: Client addresses remembered per bucket before idle ones are forgotten (a full bucket is the same as none).
_MAX_CLIENTS = 10_000


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()


@dataclass(frozen=True)
class Rate:
    requests: int
    period: float  # seconds

    @classmethod
    def parse(cls, text: str, name: str) -> "Rate | None":
        """'60/minute' -> 60 requests per 60 s; 'off' or '0' -> no limit."""
        value = text.strip().lower()
        if value in ("off", "0", "none", "unlimited"):
            return None
        count, _, unit = value.partition("/")
        unit = unit.strip() or "minute"
        if not count.strip().isdigit() or unit not in _PERIODS or int(count) < 1:
            raise ConfigurationError(
                f"{name} must look like 60/minute, 5/second or 1000/hour (or off), got '{text}'."
            )
        return cls(int(count), _PERIODS[unit])

    def describe(self) -> str:
        unit = {1.0: "second", 60.0: "minute", 3600.0: "hour"}[self.period]
        return f"{self.requests} per {unit}"


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_json_depth: int = DEFAULT_MAX_JSON_DEPTH
    write_rate: Rate | None = field(default_factory=lambda: Rate.parse(DEFAULT_WRITE_RATE, ""))
    store_rate: Rate | None = field(default_factory=lambda: Rate.parse(DEFAULT_STORE_RATE, ""))
    cors_origins: tuple[str, ...] = ()

    @classmethod
    def from_env(cls) -> "Limits":
        body = _env("DATAREG_MAX_BODY_BYTES") or str(DEFAULT_MAX_BODY_BYTES)
        if not body.isdigit() or int(body) < 1:
            raise ConfigurationError(f"DATAREG_MAX_BODY_BYTES must be a whole number of bytes, got '{body}'.")
        depth = _env("DATAREG_MAX_JSON_DEPTH") or str(DEFAULT_MAX_JSON_DEPTH)
        if not depth.isdigit() or int(depth) < 1:
            raise ConfigurationError(f"DATAREG_MAX_JSON_DEPTH must be a whole number of levels, got '{depth}'.")
        origins = tuple(o.strip().rstrip("/") for o in _env("DATAREG_CORS_ORIGINS").split(",") if o.strip())
        for origin in origins:
            if origin != "*" and not origin.startswith(("http://", "https://")):
                raise ConfigurationError(
                    f"DATAREG_CORS_ORIGINS takes origins such as https://explorer.example.org, got '{origin}'."
                )
        return cls(
            max_body_bytes=int(body),
            max_json_depth=int(depth),
            write_rate=Rate.parse(_env("DATAREG_WRITE_RATE_LIMIT") or DEFAULT_WRITE_RATE, "DATAREG_WRITE_RATE_LIMIT"),
            store_rate=Rate.parse(_env("DATAREG_STORE_RATE_LIMIT") or DEFAULT_STORE_RATE, "DATAREG_STORE_RATE_LIMIT"),
            cors_origins=origins,
        )


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": code, "message": message}, headers=headers)


# ───────────────────────────── body size ─────────────────────────────


def _too_large_message(path: str, limit: int, size: int | None = None) -> str:
    what = f"The request body is {size:,} bytes" if size is not None else "The request body is too large"
    return (f"{what}; {path} accepts at most {limit:,} bytes. To check a large file's registration, POST "
            "/v1/verify takes the file itself or only its fingerprint.")


class _BodyTooLarge(HTTPException):
    """Raised from `receive` when the body passes the limit. An HTTPException, so that FastAPI's body reading
    lets it through (it turns other errors into a 400) and the app's handler answers it as JSON."""

    def __init__(self, path: str, limit: int) -> None:
        super().__init__(413, _too_large_message(path, limit))


def _too_large(path: str, limit: int, size: int | None = None) -> JSONResponse:
    return error_response(413, "request_too_large", _too_large_message(path, limit, size))


class BodySizeLimit:
    """Refuses request bodies over the limit with 413: at once when Content-Length says so, otherwise as soon
    as the bytes received pass it (chunked uploads), so an oversized body is never held in memory."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    def limit_for(self, path: str) -> int | None:
        if path.rstrip("/") == "/v1/verify":
            return None  # streamed and hashed, with its own limit (DATAREG_VERIFY_MAX_UPLOAD_BYTES)
        if path.rstrip("/") == "/v1/content":
            return max(self.limit, CONTENT_MAX_BODY_BYTES)
        return self.limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        limit = self.limit_for(path)
        if limit is None:
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > limit:
            await _too_large(path, limit, int(length))(scope, receive, send)
            return
        received = 0

        def count(chunk: bytes) -> None:
            nonlocal received
            received += len(chunk)
            if received > limit:
                raise _BodyTooLarge(path, limit)

        await _run_checking_body(self.app, scope, receive, send, count, _BodyTooLarge,
                                 lambda: _too_large(path, limit))


async def _run_checking_body(app: ASGIApp, scope: Scope, receive: Receive, send: Send,
                             check: Callable[[bytes], None], refused: type[Exception],
                             answer: Callable[[], ASGIApp]) -> None:
    """Runs `app` with each chunk of the request body passed to `check` as it is received; `check` raises
    `refused` to stop the request, and `answer()` answers it then, unless `app` had already begun its answer
    (then the error propagates and the connection is dropped)."""
    started = False

    async def checking_receive() -> Message:
        message = await receive()
        if message["type"] == "http.request":
            check(message.get("body", b""))
        return message

    async def tracking_send(message: Message) -> None:
        nonlocal started
        if message["type"] == "http.response.start":
            started = True
        await send(message)

    try:
        await app(scope, checking_receive, tracking_send)
    except refused:
        if started:
            raise
        await answer()(scope, receive, send)


# ───────────────────────────── JSON nesting depth ─────────────────────────────

def _too_deep_message(limit: int) -> str:
    return (f"The JSON body nests arrays or objects more than {limit} levels deep; no request needs more than "
            f"{limit} (DATAREG_MAX_JSON_DEPTH). Send the object flat, as the API docs (/docs) show it.")


class _JsonTooDeep(HTTPException):
    """Raised from `receive` when the body nests too deep: an HTTPException for the same reason as
    _BodyTooLarge. `error_code` names it in the answer."""

    error_code = "json_too_deep"

    def __init__(self, limit: int) -> None:
        super().__init__(422, _too_deep_message(limit))


def _decoded_as_json(scope: Scope) -> bool:
    """Whether some route may decode this request's body as JSON: FastAPI decodes a body without a content
    type as JSON too. POST /v1/content stores its body as bytes and never decodes it; multipart uploads and
    forms are not JSON."""
    if scope.get("method") in ("GET", "HEAD", "OPTIONS") or scope.get("path", "").rstrip("/") == "/v1/content":
        return False
    media = Headers(scope=scope).get("content-type", "").split(";", 1)[0].strip().lower()
    return media == "" or media == "application/json" or media.endswith("+json")


class JsonDepthLimit:
    """Refuses a JSON request body nested deeper than the limit with 422, measured on the raw bytes as they
    are received, before any of it is decoded: a JSON decoder or validator recursing through 100,000 levels
    exhausts the C stack and kills the process (not even an exception), so the check cannot be left to them."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _decoded_as_json(scope):
            await self.app(scope, receive, send)
            return
        scanner = JsonDepthScanner(self.limit)

        def scan(chunk: bytes) -> None:
            if not scanner.feed(chunk):
                raise _JsonTooDeep(self.limit)

        await _run_checking_body(self.app, scope, receive, send, scan, _JsonTooDeep,
                                 lambda: error_response(422, _JsonTooDeep.error_code, _too_deep_message(self.limit)))


# ───────────────────────────── NUL in the URL ─────────────────────────────


class NoNulInUrl:
    """Refuses a NUL character (%00) in the path or query: no id, address or search text holds one, and
    PostgreSQL cannot even compare text with it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and ("\x00" in scope.get("path", "")
                                        or b"\x00" in unquote_to_bytes(scope.get("query_string", b""))):
            response = error_response(422, "invalid_text", "The URL contains a NUL character (%00), which no id, "
                                      "address or search text can hold: remove it.")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


# ───────────────────────────── rate limits ─────────────────────────────


class TokenBucket:
    """Per-client token buckets: `rate.requests` tokens, refilled evenly over `rate.period`, in this process."""

    shared = False

    def __init__(self, rate: Rate, clock=time.monotonic) -> None:
        self.rate = rate
        self.capacity = float(rate.requests)
        self.refill = rate.requests / rate.period  # tokens per second
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """Takes a token for `client`; returns 0 if allowed, else the seconds until a token is available."""
        with self._lock:
            now = self.clock()
            tokens, at = self._buckets.get(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - at) * self.refill)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                if len(self._buckets) > _MAX_CLIENTS:
                    self._forget_idle(now)
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1.0 - tokens) / self.refill

    def _forget_idle(self, now: float) -> None:
        full = [c for c, (t, at) in self._buckets.items() if t + (now - at) * self.refill >= self.capacity]
        for client in full:
            del self._buckets[client]
        if len(self._buckets) > _MAX_CLIENTS:  # all busy: forget the least recently seen
            for client, _ in sorted(self._buckets.items(), key=lambda item: item[1][1])[: len(self._buckets) // 2]:
                del self._buckets[client]


# One statement takes a token, or says when the next one comes, for a client, on the database's clock: concurrent
# requests of one client, on any API instance, queue on the row's lock (INSERT ... ON CONFLICT DO UPDATE), so no
# two of them spend the same token. Every SET expression reads the row as it was.
_REFILLED = "least(:capacity, b.tokens + greatest(0.0, excluded.updated_at - b.updated_at) * :refill)"
_TAKE = text(f"""
INSERT INTO rate_buckets AS b (rule, client, tokens, updated_at, allowed)
VALUES (:rule, :client, :capacity - 1.0, extract(epoch FROM clock_timestamp())::float8, true)
ON CONFLICT (rule, client) DO UPDATE SET
  tokens = CASE WHEN {_REFILLED} >= 1.0 THEN {_REFILLED} - 1.0 ELSE {_REFILLED} END,
  allowed = {_REFILLED} >= 1.0,
  updated_at = greatest(excluded.updated_at, b.updated_at)
RETURNING tokens, allowed""").bindparams(bindparam("capacity", type_=Float()), bindparam("refill", type_=Float()))
# A bucket untouched for a whole period is full again, the same as none: forgotten.
_FORGET = text("DELETE FROM rate_buckets WHERE rule = :rule "
               "AND updated_at < extract(epoch FROM clock_timestamp())::float8 - :period")


class SharedTokenBucket(TokenBucket):
    """The same token buckets kept in the index's PostgreSQL database (table rate_buckets), so that any number of
    API instances on one index allow a client its rate once, not once per instance. If the database cannot be
    reached, this process's own bucket serves meanwhile (the write would mostly fail anyway)."""

    shared = True

    def __init__(self, rate: Rate, engine: Engine, rule: str) -> None:
        super().__init__(rate)
        self.engine = engine
        self.rule = rule
        self._takes = 0

    def take(self, client: str) -> float:
        try:
            with self.engine.begin() as connection:
                tokens, allowed = connection.execute(_TAKE, {
                    "rule": self.rule, "client": client[:64], "capacity": self.capacity, "refill": self.refill}).one()
                self._takes += 1
                if self._takes % 1000 == 0:
                    connection.execute(_FORGET, {"rule": self.rule, "period": self.rate.period})
        except SQLAlchemyError as exc:
            log.warning("rate limit: the shared buckets cannot be read (%s); this process counts alone meanwhile",
                        str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            return super().take(client)
        return 0.0 if allowed else (1.0 - tokens) / self.refill


def make_bucket(rate: Rate, engine: Engine | None, rule: str) -> TokenBucket:
    """Shared by every API instance on a PostgreSQL index; on SQLite (one machine), each process's own."""
    if engine is not None and engine.dialect.name == "postgresql":
        return SharedTokenBucket(rate, engine, rule)
    return TokenBucket(rate)


@dataclass
class _Rule:
    name: str
    describe_paths: str
    bucket: TokenBucket
    env: str

    def matches(self, method: str, path: str) -> bool:
        raise NotImplementedError


class _WriteRule(_Rule):
    def matches(self, method: str, path: str) -> bool:
        return method == "POST" and (path.rstrip("/") == "/v1/transactions" or path.startswith("/v1/relay/"))


class _StoreRule(_Rule):
    def matches(self, method: str, path: str) -> bool:
        return method == "POST" and path.rstrip("/") in ("/v1/metadata", "/v1/content")


def client_key(address: str) -> str:
    """Whose allowance a request uses: its IPv4 address, or the /64 network of an IPv6 address (one host
    commonly holds a whole /64, so single IPv6 addresses would cost an attacker nothing to rotate)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


class RateLimit:
    """Refuses a client's requests to the write endpoints beyond their rate with 429 and Retry-After. Every
    request counts, valid or not, before its body is read."""

    def __init__(self, app: ASGIApp, rules: list[_Rule]) -> None:
        self.app = app
        self.rules = rules

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            method, path = scope.get("method", ""), scope.get("path", "")
            for rule in self.rules:
                if rule.matches(method, path):
                    client = client_key((scope.get("client") or ("unknown", 0))[0])
                    if rule.bucket.shared:  # a database round trip: not on the event loop
                        wait = await run_in_threadpool(rule.bucket.take, client)
                    else:
                        wait = rule.bucket.take(client)
                    if wait > 0:
                        retry = max(1, math.ceil(wait))
                        response = error_response(
                            429, "rate_limited",
                            f"Too many requests from {client} to {rule.describe_paths}: the limit is "
                            f"{rule.bucket.rate.describe()} per client address"
                            f"{' across every API instance' if rule.bucket.shared else ''} ({rule.env}). Retry after "
                            f"{retry} s.",
                            headers={"Retry-After": str(retry)},
                        )
                        await _drain_small(receive)
                        await response(scope, receive, send)
                        return
                    break
        await self.app(scope, receive, send)


async def _drain_small(receive: Receive, most: int = 64 * 1024) -> None:
    """Reads up to `most` bytes of a refused request's body, so a small client gets the answer rather than a
    reset connection; a larger body is left unread (the server closes the connection)."""
    read = 0
    while read <= most:
        message = await receive()
        if message["type"] != "http.request":
            return
        read += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


# ───────────────────────────── CORS ─────────────────────────────


class JSONCORSMiddleware(CORSMiddleware):
    """Starlette's CORS policy, with a refused preflight answered as JSON (403) like every other error."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        failures = response.body.decode().removeprefix("Disallowed CORS ").strip()
        origin = request_headers.get("origin")
        allowed = ", ".join(self.allow_origins) or "none: same origin only"
        headers = {k: v for k, v in response.headers.items() if k.lower().startswith(("access-control-", "vary"))}
        return error_response(
            403, "cors_refused",
            f"The cross-origin request from '{origin}' is not allowed ({failures}). Allowed origins: {allowed}; "
            f"methods: {', '.join(self.allow_methods)}. The operator sets them with DATAREG_CORS_ORIGINS.",
            headers=headers,
        )


# ───────────────────────────── installing ─────────────────────────────


def install(app: FastAPI, limits: Limits | None = None, engine: Engine | None = None) -> Limits:
    """Adds the limits to the app. The last added runs first: CORS, the rate limit, the body size, the JSON
    nesting depth, then the refusal of NUL in URLs. With the index's `engine` on PostgreSQL, the rate limits are
    counted in the database, across every API instance."""
    limits = limits or Limits.from_env()
    app.state.limits = limits
    app.add_middleware(NoNulInUrl)
    app.add_middleware(JsonDepthLimit, limit=limits.max_json_depth)
    app.add_middleware(BodySizeLimit, limit=limits.max_body_bytes)
    rules: list[_Rule] = []
    if limits.write_rate:
        rules.append(_WriteRule("writes", "POST /v1/relay/* and /v1/transactions",
                                make_bucket(limits.write_rate, engine, "writes"), "DATAREG_WRITE_RATE_LIMIT"))
    if limits.store_rate:
        rules.append(_StoreRule("store", "POST /v1/metadata and /v1/content",
                                make_bucket(limits.store_rate, engine, "store"), "DATAREG_STORE_RATE_LIMIT"))
    app.add_middleware(RateLimit, rules=rules)
    app.add_middleware(
        JSONCORSMiddleware,
        allow_origins=list(limits.cors_origins),
        allow_methods=["GET", "POST"],
        # Authorization carries a signed read request (api/deps.py get_reader): no ambient credential, so a page
        # of another origin may send one its reader signed; cookies and HTTP credentials stay refused.
        allow_headers=["Content-Type", "Authorization"],
        allow_credentials=False,
        expose_headers=["Retry-After", "DataReg-Withheld", "WWW-Authenticate"],
        max_age=600,
    )
    return app.state.limits


__all__ = ["Limits", "Rate", "SharedTokenBucket", "TokenBucket", "install", "make_bucket"]
