"""Signed read requests: how a reader proves who it is to the API, for the answers only some parties may read.

A read request is EIP-712 typed data in the registry's own domain (`DataRegistry`, version 1, the chain id and
the DataRegistry's address, as the operations of registry/chain/operations.py), signed by the reader's key and
sent with the request it authorises:

    Authorization: DataReg-EIP712 <base64url of {"domain": {...}, "message": {...}, "signature": "0x..."}>

    ReadRequest(address reader, string resource, uint64 issuedAt, uint64 expiresAt, bytes32 requestId)

`resource` is the request's method and path, without the query: "GET /v1/content/Qm...". `issuedAt` and
`expiresAt` are unix seconds: a request lives at most MAX_LIFETIME seconds and is refused after it expires; the
API accepts an `issuedAt` up to CLOCK_SKEW seconds in its future. `requestId` is 32 random bytes: the API
answers each request id once (ReplayGuard), so a header seen in transit cannot be used again. A read request is
no contract call and costs nothing: it is never sent to the chain. Its primary type is its own, so no read
request is ever a valid signature of an operation, nor the reverse.

Only keys (EOAs) sign read requests: a contract account (ERC-1271) cannot, as the API checks the signature
without calling the chain. The same request serves any route that answers some parties only (documents and
contact details now; an exchange's own feed and a holder's accounting records later), each route deciding
what the proven reader may see.
"""
from __future__ import annotations

import base64
import binascii
import json
import os
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils import is_hex_address, to_checksum_address

from registry.chain.operations import DOMAIN_VERSION, EIP712_DOMAIN

SCHEME = "DataReg-EIP712"
DOMAIN_NAME = "DataRegistry"
PRIMARY_TYPE = "ReadRequest"
READ_REQUEST_TYPE = [
    {"name": "reader", "type": "address"},
    {"name": "resource", "type": "string"},
    {"name": "issuedAt", "type": "uint64"},
    {"name": "expiresAt", "type": "uint64"},
    {"name": "requestId", "type": "bytes32"},
]
#: The longest a read request may live (expiresAt - issuedAt), in seconds.
MAX_LIFETIME = 300
#: How far in the API's future a request's issuedAt may be (the reader's clock running fast), in seconds.
CLOCK_SKEW = 60
#: The longest Authorization header the API reads (a request is ~500 bytes; anything much longer is not one).
MAX_HEADER = 4096


class ReadRequestRefused(Exception):
    """A read request the API cannot accept: `code` is the API's error code, the message says how to fix it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def resource_of(method: str, path: str) -> str:
    """What a read request names: the method and the path without its query, as one string."""
    return f"{method.upper()} {unquote(path.split('?', 1)[0])}"


def domain(chain_id: int, registry: str) -> dict[str, Any]:
    return {"name": DOMAIN_NAME, "version": DOMAIN_VERSION, "chainId": chain_id, "verifyingContract": registry}


def typed_data(message: dict[str, Any], chain_id: int, registry: str) -> dict[str, Any]:
    return {"types": {"EIP712Domain": EIP712_DOMAIN, PRIMARY_TYPE: READ_REQUEST_TYPE}, "primaryType": PRIMARY_TYPE,
            "domain": domain(chain_id, registry), "message": message}


def sign(account: LocalAccount, resource: str, chain_id: int, registry: str, *, lifetime: int = 60,
         now: int | None = None, request_id: bytes | None = None) -> str:
    """The Authorization header's value for reading `resource` (resource_of(method, path)) as `account`."""
    issued = int(time.time()) if now is None else now
    message = {"reader": account.address, "resource": resource, "issuedAt": issued, "expiresAt": issued + lifetime,
               "requestId": "0x" + (request_id or os.urandom(32)).hex()}
    signature = account.sign_message(encode_typed_data(full_message=typed_data(message, chain_id, registry)))
    body = {"domain": domain(chain_id, registry), "message": message, "signature": "0x" + signature.signature.hex()}
    encoded = base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{SCHEME} {encoded}"


class ReplayGuard:
    """The request ids answered and not yet expired: each is answered once. In memory, per API process (a
    header replayed to another worker process within its few minutes is caught there only by its expiry);
    at most `capacity` at once, beyond which new requests are asked to come back a moment later."""

    def __init__(self, capacity: int = 200_000) -> None:
        self.capacity = capacity
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()
        self._next_prune = 0

    def use(self, request_id: str, expires_at: int, now: int) -> None:
        with self._lock:
            if now >= self._next_prune or len(self._seen) >= self.capacity:
                self._seen = {k: v for k, v in self._seen.items() if v >= now}
                self._next_prune = now + 10
            if request_id in self._seen:
                raise ReadRequestRefused("read_request_replayed", f"The read request {request_id} was already "
                                         "used: sign a new read request (a new requestId) for every request.")
            if len(self._seen) >= self.capacity:
                raise ReadRequestRefused("read_request_busy", "Too many signed read requests are in flight; "
                                         "try again in a few seconds.")
            self._seen[request_id] = expires_at


@dataclass(frozen=True)
class Verified:
    reader: str
    request_id: str
    expires_at: int


def _refuse(code: str, message: str) -> ReadRequestRefused:
    return ReadRequestRefused(code, message + f" See the {SCHEME} scheme in the API's README (signed reads).")


def decode(header: str) -> dict[str, Any]:
    """The JSON body of an Authorization header of this scheme; refuses anything else, saying what is wrong."""
    if len(header) > MAX_HEADER:
        raise _refuse("read_request_malformed", f"The Authorization header is longer than {MAX_HEADER} bytes.")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != SCHEME.lower():
        raise _refuse("read_request_malformed", f"The Authorization scheme '{scheme[:40]}' is not accepted: "
                      f"send `Authorization: {SCHEME} <base64 of the signed read request>`.")
    token = token.strip()
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        body = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _refuse("read_request_malformed", "The Authorization header's token is not base64url-encoded "
                      "JSON.") from None
    if not isinstance(body, dict) or not isinstance(body.get("message"), dict):
        raise _refuse("read_request_malformed", "The signed read request must be a JSON object with `domain`, "
                      "`message` and `signature`.")
    return body


def _field(message: dict[str, Any], name: str, kind: type) -> Any:
    value = message.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise _refuse("read_request_malformed", f"The read request's `{name}` is missing or not a "
                      f"{'number' if kind is int else 'string'}.")
    return value


def verify(header: str, resource: str, chain_id: int, registry: str, now: int,
           replay: ReplayGuard | None = None) -> Verified:
    """The reader a read request proves, or ReadRequestRefused: malformed, another domain or chain, another
    resource, not yet valid, expired, living too long, a signature not the reader's, or already used."""
    body = decode(header)
    message = body["message"]
    expected = domain(chain_id, registry)
    given = body.get("domain")
    if isinstance(given, dict) and given:
        for key, value in expected.items():
            other = given.get(key)
            same = (isinstance(other, str) and other.lower() == value.lower()) if isinstance(value, str) \
                else other == value
            if not same:
                raise _refuse("read_request_wrong_domain", f"The read request was signed for {key} "
                              f"'{str(other)[:80]}', but this registry's domain has {key} '{value}' "
                              f"(chain {chain_id}, DataRegistry {registry}).")
    reader = _field(message, "reader", str)
    if not is_hex_address(reader):
        raise _refuse("read_request_malformed", f"The read request's reader '{reader[:60]}' is not an address.")
    signed_resource = _field(message, "resource", str)
    issued, expires = _field(message, "issuedAt", int), _field(message, "expiresAt", int)
    request_id = _field(message, "requestId", str)
    if len(request_id) != 66 or not request_id.startswith("0x"):
        raise _refuse("read_request_malformed", "The read request's requestId must be 32 bytes as 0x-prefixed hex.")
    try:
        bytes.fromhex(request_id[2:])
    except ValueError:
        raise _refuse("read_request_malformed", "The read request's requestId is not hex.") from None
    if not 0 <= issued < 2**64 or not 0 <= expires < 2**64:
        raise _refuse("read_request_malformed", "The read request's times must be unix seconds (uint64).")
    signature = body.get("signature")
    if not isinstance(signature, str):
        raise _refuse("read_request_malformed", "The signed read request has no `signature`.")
    try:
        recovered = Account.recover_message(encode_typed_data(full_message=typed_data(
            {"reader": reader, "resource": signed_resource, "issuedAt": issued, "expiresAt": expires,
             "requestId": request_id}, chain_id, registry)), signature=signature)
    except Exception:  # noqa: BLE001 - eth-account raises several types for a signature that is not one
        raise _refuse("read_request_invalid_signature", "The read request's signature is not a valid "
                      "secp256k1 signature (65 bytes, r, s, v).") from None
    if recovered.lower() != reader.lower():
        raise _refuse("read_request_invalid_signature", f"The read request's signature is not {reader}'s: sign "
                      "the ReadRequest typed data with the reader's own key, in this registry's domain.")
    if signed_resource != resource:
        raise _refuse("read_request_wrong_resource", f"The read request was signed for '{signed_resource[:200]}', "
                      f"not for '{resource[:200]}': sign the method and path of this request.")
    if expires - issued > MAX_LIFETIME:
        raise _refuse("read_request_too_long", f"The read request lives {expires - issued} s; at most "
                      f"{MAX_LIFETIME} s are accepted.")
    if issued > now + CLOCK_SKEW:
        raise _refuse("read_request_not_yet_valid", f"The read request was issued at {issued}, {issued - now} s "
                      "after this server's time: check the reader's clock.")
    if expires <= now:
        raise _refuse("read_request_expired", f"The read request expired at {expires}, {now - expires} s ago "
                      f"(server time {now}): sign a new one for each request.")
    if replay is not None:
        replay.use(request_id.lower(), expires, now)
    return Verified(reader=to_checksum_address(reader), request_id=request_id.lower(), expires_at=expires)
