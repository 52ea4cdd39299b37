"""Mutual recognition (一地登记、全国共享): checking a certificate number or a content hash against the registries
the council recognises, by reading their chains directly, and the answer our own chain gives another registry.

A recognised registry is a deployment of these same contracts on another chain (or another deployment on this
one): the council records its chain id and its DataRegistry and RegistrationOffice addresses on chain
(RecognitionRegistry); where to reach that chain is configuration (DATAREG_RECOGNISED_RPC, see
`recognised_endpoints`). The check trusts no one's API, only the other chain's own views:
- a certificate number: its RegistrationOffice's `assetOfCertificate(number)`, then `certificateRecord(asset)`
  and its DataRegistry's `getAsset(asset)`;
- a content hash: its DataRegistry's AssetRegistered and AssetChanged logs from the recognised block on (the
  content hash is in their data, not a topic, so the logs are read and matched here), then for each asset found
  `isCurrentContent(asset, hash)`, `certificateRecord(asset)` and `getAsset(asset)`.
Each registry is read with a timeout; one that cannot be reached, answers for another chain, or times out is
reported as such beside the others' answers (a partial answer), never as an error of the whole request.
"""
from __future__ import annotations

import os
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import Any

from eth_abi import decode, encode
from eth_hash.auto import keccak

from registry.chain.abi import canonical_type, load_abi
from registry.chain.events import decode_log
from registry.chain.evidence import get_logs
from registry.chain.rpc import Rpc, public_url
from registry.chain.types import CertificateNumber, certificate_text, parse_certificate_number
from registry.errors import ChainError, ChainUnavailable, ConfigurationError, RegistryError
from registry.vocabulary import AssetStatus, CertificateStatus

RECOGNISED_RPC_ENV = "DATAREG_RECOGNISED_RPC"
RECOGNISED_TIMEOUT_ENV = "DATAREG_RECOGNISED_TIMEOUT"
#: Seconds a recognised registry's node has to answer each call, unless DATAREG_RECOGNISED_TIMEOUT says otherwise.
DEFAULT_TIMEOUT = 5.0
#: Blocks per eth_getLogs call when looking for content on another chain (a node that refuses a range as too
#: large has it split further by get_logs).
LOG_RANGE = 50_000


def recognised_endpoints(value: str | None = None) -> dict[int, str]:
    """DATAREG_RECOGNISED_RPC: `chainId=url` pairs separated by commas or whitespace, e.g.
    `31338=http://127.0.0.1:8546, 46001=https://node.hainan.example/rpc`; where to read each recognised
    registry's chain. A recognised registry whose chain id is not listed is reported as not configured."""
    text = os.environ.get(RECOGNISED_RPC_ENV, "") if value is None else value
    endpoints: dict[int, str] = {}
    for item in text.replace(",", " ").split():
        chain, _, url = item.partition("=")
        if not chain.strip().isdigit() or not url.startswith(("http://", "https://")):
            raise ConfigurationError(
                f"{RECOGNISED_RPC_ENV} must list chainId=url pairs separated by commas (e.g. "
                f"'31338=http://127.0.0.1:8546'); '{item}' is not one.")
        endpoints[int(chain)] = url
    return endpoints


def recognised_timeout() -> float:
    value = os.environ.get(RECOGNISED_TIMEOUT_ENV, "").strip()
    if not value:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 120:
        raise ConfigurationError(f"{RECOGNISED_TIMEOUT_ENV} must be a number of seconds from 0 to 120, got '{value}'.")
    return seconds


@dataclass(frozen=True)
class RecognisedRegistry:
    """A registry the council recognises, as the index holds it (registry.db.models.Recognition)."""

    recognition_id: int
    chain_id: int
    data_registry: str
    registration_office: str
    from_block: int
    region: str
    name: str

    def identity(self) -> dict[str, Any]:
        """Which registry certified it: what the answer names."""
        return {"recognition_id": self.recognition_id, "name": self.name, "region": self.region,
                "chain_id": self.chain_id,
                "contracts": {"DataRegistry": self.data_registry, "RegistrationOffice": self.registration_office}}


# ───────────────────────────── views, encoded and decoded from the ABI ─────────────────────────────


def _types(params: list[dict[str, Any]]) -> list[str]:
    return [canonical_type(p) for p in params]


@cache
def _function(contract: str, name: str) -> tuple[bytes, list[str], list[str]]:
    entry = next(e for e in load_abi(contract) if e["type"] == "function" and e["name"] == name)
    inputs = _types(entry["inputs"])
    selector = keccak(f"{name}({','.join(inputs)})".encode())[:4]
    return selector, inputs, _types(entry["outputs"])


def _call(rpc: Rpc, to: str, contract: str, name: str, *args: Any) -> Any:
    selector, inputs, outputs = _function(contract, name)
    data = "0x" + (selector + encode(inputs, list(args))).hex()
    raw = rpc.call("eth_call", [{"to": to, "data": data}, "latest"])
    values = decode(outputs, bytes.fromhex(str(raw).removeprefix("0x")))
    return values[0] if len(values) == 1 else values


def _hex(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def _topic(event: str) -> str:
    entry = next(e for e in load_abi("DataRegistry") if e["type"] == "event" and e["name"] == event)
    return "0x" + keccak(f"{event}({','.join(_types(entry['inputs']))})".encode()).hex()


# ───────────────────────────── one registry ─────────────────────────────


class RegistryReader:
    """Reads one recognised registry's chain through its RPC endpoint."""

    def __init__(self, registry: RecognisedRegistry, url: str, timeout: float) -> None:
        self.registry, self.url = registry, url
        self.rpc = Rpc(url, timeout=timeout, retries=0)

    def close(self) -> None:
        self.rpc.close()

    def check_chain(self) -> None:
        served = int(self.rpc.call("eth_chainId"), 16)
        if served != self.registry.chain_id:
            raise ConfigurationError(
                f"The endpoint configured for chain {self.registry.chain_id} ({public_url(self.url)}) serves chain "
                f"{served}: correct {RECOGNISED_RPC_ENV}.")

    def certificate(self, asset_id: bytes, content_hash: str | None = None) -> dict[str, Any]:
        """What the other chain says of one asset: its certificate as it stands now, with the asset's record."""
        status, number, version, holder, registered_at, valid_until = _call(
            self.rpc, self.registry.registration_office, "RegistrationOffice", "certificateRecord", asset_id)
        asset = _call(self.rpc, self.registry.data_registry, "DataRegistry", "getAsset", asset_id)
        text = certificate_text(_hex(number))
        match: dict[str, Any] = {
            "asset_id": _hex(asset_id),
            "registrant": asset[0],
            "record_status": AssetStatus.key_of(asset[1]),
            "version": asset[4],
            "frozen": bool(asset[6]),
            "certificate": {
                "status": CertificateStatus.key_of(status),
                "number": text,
                "kind": parse_certificate_number(text).kind if text else None,
                "certified_version": version or None,
                "holder": holder if int(holder, 16) else None,
                "registered_at": registered_at or None,
                "valid_until": valid_until or None,
            },
        }
        if content_hash is not None:
            match["current"] = bool(_call(self.rpc, self.registry.data_registry, "DataRegistry", "isCurrentContent",
                                          asset_id, bytes.fromhex(content_hash[2:])))
        return match

    def by_number(self, number: CertificateNumber) -> list[dict[str, Any]]:
        asset_id = _call(self.rpc, self.registry.registration_office, "RegistrationOffice", "assetOfCertificate",
                         number.as_bytes())
        if not int.from_bytes(asset_id, "big"):
            return []
        match = self.certificate(asset_id)
        # A lapsed registration registered again has a new number: the one asked about is no longer the current.
        match["number_current"] = match["certificate"]["number"] == number.number
        return [match]

    def by_content(self, sha256: str) -> list[dict[str, Any]]:
        head = int(self.rpc.call("eth_blockNumber"), 16)
        topics = [[_topic("AssetRegistered"), _topic("AssetChanged")]]
        found: dict[str, None] = {}
        wanted = sha256.lower()
        for first in range(self.registry.from_block, head + 1, LOG_RANGE):
            (logs,) = get_logs(self.rpc, [{"address": self.registry.data_registry, "topics": topics}], first,
                               min(head, first + LOG_RANGE - 1))
            for log in logs:
                event = decode_log(log)
                if event is not None and str(event.args.get("contentHash", "")).lower() == wanted:
                    found[event.args["assetId"]] = None
        return [self.certificate(bytes.fromhex(a[2:]), sha256) for a in found]


def _outcome(registry: RecognisedRegistry, url: str | None, timeout: float, number: CertificateNumber | None,
             sha256: str | None) -> dict[str, Any]:
    answer: dict[str, Any] = {"registry": registry.identity(), "reachable": False, "error": None, "matches": []}
    if url is None:
        answer["error"] = (f"No RPC endpoint is configured for chain {registry.chain_id}: add "
                           f"'{registry.chain_id}=URL' to {RECOGNISED_RPC_ENV} to check this registry.")
        return answer
    reader = RegistryReader(registry, url, timeout)
    started = time.monotonic()
    try:
        reader.check_chain()
        answer["matches"] = reader.by_number(number) if number is not None else reader.by_content(sha256 or "")
        answer["reachable"] = True
    except ChainUnavailable as exc:
        answer["error"] = (f"Registry '{registry.name}' (chain {registry.chain_id}) could not be reached at "
                           f"{public_url(url)} within {timeout:g} s: {exc.__cause__ or exc}")
    except (ChainError, ConfigurationError) as exc:
        answer["error"] = f"Registry '{registry.name}' (chain {registry.chain_id}) could not be read: {exc}"
    except (RegistryError, ValueError, KeyError, TypeError) as exc:  # an answer that is not these contracts'
        answer["error"] = (f"Registry '{registry.name}' (chain {registry.chain_id}) gave an answer that is not a "
                           f"registry's: {type(exc).__name__}: {exc}")
    finally:
        reader.close()
        answer["elapsed_ms"] = round((time.monotonic() - started) * 1000)
    return answer


def check_recognised(registries: Iterable[RecognisedRegistry], *, number: CertificateNumber | None = None,
                     sha256: str | None = None, endpoints: dict[int, str] | None = None,
                     timeout: float | None = None) -> list[dict[str, Any]]:
    """One answer per recognised registry, read in parallel: which registry, whether it was reached (and why not),
    and what its chain says of the certificate number or content hash."""
    listed = list(registries)
    if not listed:
        return []
    urls = recognised_endpoints() if endpoints is None else endpoints
    seconds = recognised_timeout() if timeout is None else timeout
    with ThreadPoolExecutor(min(8, len(listed)), thread_name_prefix="datareg-recognised") as pool:
        return list(pool.map(lambda r: _outcome(r, urls.get(r.chain_id), seconds, number, sha256), listed))
