"""Decodes the registry's event logs, for the indexer and for transaction results alike.

The decoder is built once per event type from the ABI and decodes with eth_abi directly: web3's general
`get_event_data` spent most of the indexer's time re-walking the ABI for every log.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Callable

from eth_abi import decode
from eth_utils import event_abi_to_log_topic, to_checksum_address

from registry.chain.abi import all_abis


@dataclass(frozen=True)
class DecodedEvent:
    """One registry event with where it happened: enough to find it again on the chain."""

    name: str
    args: dict[str, Any]
    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int
    address: str


@lru_cache(maxsize=65_536)
def _address(raw: bytes) -> str:
    return to_checksum_address(raw)


def _abi_type(param: dict) -> str:
    if param["type"].startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in param["components"]) + ")" + param["type"][5:]
    if param["type"].startswith("string"):
        # Decoded as the bytes they are (the same encoding) and turned into text leniently: a string in an event
        # is whatever its sender put there, which need not be UTF-8.
        return "bytes" + param["type"][6:]
    return param["type"]


def _text(raw: bytes) -> str:
    """An event's string as text that every index can store: bytes that are not UTF-8, and NUL (which
    PostgreSQL text cannot hold), become U+FFFD. Anyone can put such a string on chain (a grant's purpose);
    it must not be able to stop the indexer."""
    return bytes(raw).decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def _normaliser(param: dict) -> Callable[[Any], Any]:
    """How to turn eth_abi's value for `param` into the plain JSON-friendly form the index stores."""
    kind = param["type"]
    if kind.startswith("tuple"):
        parts = [(c["name"], _normaliser(c)) for c in param["components"]]
        one = lambda v: {name: f(x) for (name, f), x in zip(parts, v)}  # noqa: E731
        return (lambda v: [one(x) for x in v]) if kind.endswith("]") else one
    if kind.endswith("]"):
        inner = _normaliser({**param, "type": kind[: kind.rindex("[")]})
        return lambda v: [inner(x) for x in v]
    if kind == "address":
        return lambda v: _address(bytes.fromhex(v[2:]) if isinstance(v, str) else v)
    if kind == "string":
        return _text
    if kind.startswith("bytes"):
        return lambda v: "0x" + bytes(v).hex()
    return lambda v: v


@dataclass(frozen=True)
class _EventDecoder:
    name: str
    indexed: list[tuple[str, str, Callable]]  # name, type, normaliser
    data_names: list[str]
    data_types: list[str]
    data_normalisers: list[Callable]

    def args(self, topics: list[bytes], data: bytes) -> dict[str, Any]:
        args: dict[str, Any] = {}
        for (name, kind, normalise), topic in zip(self.indexed, topics[1:]):
            # Indexed dynamic values (strings, arrays) are stored as their hash; ours are all static.
            args[name] = normalise(decode([kind], topic)[0])
        values = decode(self.data_types, data) if self.data_types else ()
        for name, normalise, value in zip(self.data_names, self.data_normalisers, values):
            args[name] = normalise(value)
        return args


@cache
def _decoders() -> dict[bytes, _EventDecoder]:
    decoders = {}
    for abi in all_abis():
        if abi["type"] != "event":
            continue
        indexed = [(i["name"], _abi_type(i), _normaliser(i)) for i in abi["inputs"] if i["indexed"]]
        data = [i for i in abi["inputs"] if not i["indexed"]]
        decoders[event_abi_to_log_topic(abi)] = _EventDecoder(
            abi["name"], indexed, [i["name"] for i in data], [_abi_type(i) for i in data],
            [_normaliser(i) for i in data])
    return decoders


def _bytes(value: Any) -> bytes:
    return bytes.fromhex(value[2:]) if isinstance(value, str) else bytes(value)


def _hex(value: Any) -> str:
    return value if isinstance(value, str) else "0x" + bytes(value).hex()


def _int(value: Any) -> int:
    return int(value, 16) if isinstance(value, str) else value


def decode_log(log: dict) -> DecodedEvent | None:
    """The decoded event, or None for a log that is not one of the registry's events. Accepts a raw
    JSON-RPC log (hex strings) or web3's receipt log (bytes and ints)."""
    topics = log.get("topics") or []
    if not topics:
        return None
    topics = [_bytes(t) for t in topics]
    decoder = _decoders().get(topics[0])
    if decoder is None:
        return None
    return DecodedEvent(
        name=decoder.name,
        args=decoder.args(topics, _bytes(log["data"])),
        block_number=_int(log["blockNumber"]),
        block_hash=_hex(log["blockHash"]),
        tx_hash=_hex(log["transactionHash"]),
        log_index=_int(log["logIndex"]),
        address=_address(_bytes(log["address"])),
    )
