"""Decodes the registry's event logs, for the indexer and for transaction results alike.

A decoder is compiled once per event type from the ABI into readers that slice the log's hex text word by
word: the indexer decodes tens of thousands of logs a second, and eth_abi (which builds objects for every
value) took most of its time. tests/test_events.py checks these readers against eth_abi on random values of
every event the contracts declare.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from eth_hash.auto import keccak

from registry.chain.abi import all_abis, canonical_type


@dataclass(frozen=True, slots=True)
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
def _address(hex40: str) -> str:
    """EIP-55 checksummed address from 40 hex digits (eth_utils' to_checksum_address is ~10x slower)."""
    lower = hex40.lower()
    digest = keccak(lower.encode()).hex()
    return "0x" + "".join(c.upper() if d in "89abcdef" else c for c, d in zip(lower, digest))


def _text(raw: bytes) -> str:
    """An event's string as text that every index can store: bytes that are not UTF-8, and NUL (which
    PostgreSQL text cannot hold), become U+FFFD. Anyone can put such a string on chain (a grant's purpose);
    it must not be able to stop the indexer."""
    return raw.decode("utf-8", errors="replace").replace("\x00", "\ufffd")


# A reader takes the hex text of an ABI encoding (no 0x) and the word at which a value's encoding starts, and
# returns the value in the plain JSON-friendly form the index stores: checksummed addresses, 0x-hex bytes,
# ints, bools, text, dicts for tuples and lists for arrays.
Reader = Callable[[str, int], Any]
WORD = 64  # hex digits in a 32-byte word


@dataclass(frozen=True)
class _Type:
    words: int  # head words: the whole encoding for a static type, one (the offset) for a dynamic one
    dynamic: bool
    read: Reader  # reads the value's own encoding (for a dynamic type, where the offset points)


def _uint(d: str, w: int) -> int:
    return int(d[w * WORD:(w + 1) * WORD], 16)


def _compile(param: dict[str, Any]) -> _Type:
    kind: str = param["type"]
    if kind.endswith("]"):
        inner = _compile({**param, "type": kind[:kind.rindex("[")]})
        size = kind[kind.rindex("[") + 1:-1]
        if size:  # T[k]: k elements laid out like a tuple
            return _sequence([inner] * int(size), lambda values: values)
        # T[]: a length word, then the elements laid out like a tuple of that length
        return _Type(1, True, lambda d, w: _sequence([inner] * _uint(d, w), list).read(d, w + 1))
    if kind.startswith("tuple"):
        names = [c["name"] for c in param["components"]]
        return _sequence([_compile(c) for c in param["components"]], lambda values: dict(zip(names, values)))
    if kind == "address":
        return _Type(1, False, lambda d, w: _address(d[w * WORD + 24:(w + 1) * WORD]))
    if kind == "bool":
        return _Type(1, False, lambda d, w: d[(w + 1) * WORD - 1] != "0")
    if kind.startswith("uint"):
        return _Type(1, False, _uint)
    if kind.startswith("int"):
        bits = int(kind[3:] or 256)

        def signed(d: str, w: int) -> int:
            value = _uint(d, w) & ((1 << bits) - 1)
            return value - (1 << bits) if value >> (bits - 1) else value

        return _Type(1, False, signed)
    if kind in ("bytes", "string"):
        def dynamic(d: str, w: int) -> str:
            length = _uint(d, w)
            start = (w + 1) * WORD
            body = d[start:start + 2 * length]
            return "0x" + body if kind == "bytes" else _text(bytes.fromhex(body))

        return _Type(1, True, dynamic)
    if kind.startswith("bytes"):
        digits = 2 * int(kind[5:])
        return _Type(1, False, lambda d, w: "0x" + d[w * WORD:w * WORD + digits])
    raise ValueError(f"unsupported ABI type {kind!r}")


def _sequence(parts: list[_Type], build: Callable[[list[Any]], Any]) -> _Type:
    """A tuple's encoding: each part's head in order; a dynamic part's head is the offset (in bytes, from the
    tuple's start) of its encoding."""
    heads, position = [], 0
    for part in parts:
        heads.append(position)
        position += part.words

    def read(d: str, w: int) -> Any:
        return build([
            part.read(d, w + _uint(d, w + head) // 32) if part.dynamic else part.read(d, w + head)
            for part, head in zip(parts, heads)
        ])

    dynamic = any(part.dynamic for part in parts)
    return _Type(1 if dynamic else position, dynamic, read)


@dataclass(frozen=True)
class _EventDecoder:
    name: str
    indexed: list[tuple[str, Reader]]
    data_names: list[str]
    data: _Type
    # For an event whose every value is one word: its arguments from the 0x topics and the data's hex digits in
    # one generated expression (_direct_reader), a third of the time of the readers above. None otherwise.
    direct: Callable[[list[str], str], dict[str, Any]] | None = None

    def args(self, topics: list[str], data: str) -> dict[str, Any]:
        # Indexed values are one word each (dynamic ones would be stored as their hash; ours are all static).
        args = {name: read(topic, 0) for (name, read), topic in zip(self.indexed, topics[1:])}
        if self.data_names:
            args.update(zip(self.data_names, self.data.read(data, 0)))
        return args


def _word_expression(kind: str, text: str, start: int) -> str | None:
    """Python source reading a one-word value of type `kind` whose word starts at hex digit `start` of the
    variable `text`, as the readers of _compile would read it; None for any other type."""
    if kind == "address":
        return f"_address({text}[{start + 24}:{start + WORD}])"
    if kind == "bool":
        return f"{text}[{start + WORD - 1}] != '0'"
    if kind.startswith("uint") and not kind.endswith("]"):
        return f"int({text}[{start}:{start + WORD}], 16)"
    if kind.startswith("bytes") and kind[5:].isdigit():
        return f"'0x' + {text}[{start}:{start + 2 * int(kind[5:])}]"
    return None


def _direct_reader(abi: dict[str, Any]) -> Callable[[list[str], str], dict[str, Any]] | None:
    """A function of (the log's topics with their 0x, lower case; its data's hex digits without 0x) that
    returns the arguments in the order _EventDecoder.args gives them (indexed first; the order is kept in the
    events table's args_json), generated when every argument is an address, bool, uint or bytesN."""
    items = []
    indexed = [i for i in abi["inputs"] if i["indexed"]]
    for position, param in enumerate(indexed, start=1):
        items.append((param["name"], _word_expression(param["type"], f"topics[{position}]", 2)))
    for word, param in enumerate(i for i in abi["inputs"] if not i["indexed"]):
        items.append((param["name"], _word_expression(param["type"], "d", word * WORD)))
    if any(expression is None for _, expression in items):
        return None
    source = ("def read(topics, d):\n    return {" + ", ".join(f"{name!r}: {expression}" for name, expression in items)
              + "}\n")
    namespace: dict[str, Any] = {"_address": _address}
    exec(compile(source, f"<decoder of {abi['name']}>", "exec"), namespace)  # noqa: S102 - source built above
    reader: Callable[[list[str], str], dict[str, Any]] = namespace["read"]
    return reader



def _topic(abi: dict[str, Any]) -> str:
    """topic0 of an event: the keccak of its signature (eth_utils, which also does this, takes 80 ms to
    import, a tenth of the indexer's start)."""
    signature = f"{abi['name']}({','.join(canonical_type(i) for i in abi['inputs'])})"
    return "0x" + keccak(signature.encode()).hex()


@cache
def _decoders() -> dict[str, _EventDecoder]:
    decoders = {}
    for abi in all_abis():
        if abi["type"] != "event":
            continue
        data = [i for i in abi["inputs"] if not i["indexed"]]
        topic = _topic(abi)
        decoders[topic] = _EventDecoder(
            abi["name"],
            [(i["name"], _compile(i).read) for i in abi["inputs"] if i["indexed"]],
            [i["name"] for i in data],
            _sequence([_compile(i) for i in data], list),
            _direct_reader(abi),
        )
    return decoders


def _hex(value: Any) -> str:
    return value.lower() if isinstance(value, str) else "0x" + bytes(value).hex()


def _int(value: Any) -> int:
    return int(value, 16) if isinstance(value, str) else value


def decode_log(log: dict[str, Any]) -> DecodedEvent | None:
    """The decoded event, or None for a log that is not one of the registry's events. Accepts a raw
    JSON-RPC log (hex strings) or web3's receipt log (bytes and ints)."""
    topics = log.get("topics") or []
    if not topics:
        return None
    if isinstance(topics[0], str) and isinstance(log["data"], str) and isinstance(log.get("blockNumber"), str):
        return _decode_raw(log, topics)  # a JSON-RPC log: the indexer's tens of thousands a second
    topics = [_hex(t) for t in topics]
    decoder = _decoders().get(topics[0])
    if decoder is None:
        return None
    return DecodedEvent(
        name=decoder.name,
        args=decoder.args([t[2:] for t in topics], _hex(log["data"])[2:]),
        block_number=_int(log["blockNumber"]),
        block_hash=_hex(log["blockHash"]),
        tx_hash=_hex(log["transactionHash"]),
        log_index=_int(log["logIndex"]),
        address=_address(_hex(log["address"])[2:]),
    )


def _decode_raw(log: dict[str, Any], topics: list[str]) -> DecodedEvent | None:
    """decode_log for a raw JSON-RPC log (every value hex text), without a type test per field."""
    topics = [t.lower() for t in topics]
    decoder = _decoders().get(topics[0])
    if decoder is None:
        return None
    data = log["data"][2:].lower()
    if decoder.direct is not None and len(topics) == len(decoder.indexed) + 1:
        args = decoder.direct(topics, data)
    else:
        args = decoder.args([t[2:] for t in topics], data)
    return DecodedEvent(
        decoder.name,
        args,
        int(log["blockNumber"], 16),
        log["blockHash"].lower(),
        log["transactionHash"].lower(),
        int(log["logIndex"], 16),
        _address(log["address"][2:].lower()),
    )
