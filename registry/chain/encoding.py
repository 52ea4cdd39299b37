"""ABI encoding of one argument type, compiled once from its type string into plain byte joins.

eth_abi validates and dispatches through several objects per value: 100 registrations took it ~5 ms, as much
as the rest of register_many's work on them (scripts/bench_bulk.py). The compiled encoder takes only values it
encodes exactly as eth_abi does (exact ints in range, bytes of the type's size, addresses as text, bools, lists
and tuples of the right length) and hands the whole value to eth_abi at the first other one, so what eth_abi
refuses is refused with eth_abi's own error, and what it accepts in other forms is encoded by eth_abi.
tests/test_encoding.py checks the two agree on random values and on every form left to eth_abi.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from eth_abi import encode as abi_encode
from eth_abi.grammar import ABIType, BasicType, TupleType, parse
from eth_utils import is_address, to_canonical_address

Part = tuple[bool, Callable[[Any], bytes]]  # (dynamic, encodes one value); a static value's size is fixed


class _Other(Exception):
    """A value the compiled encoder leaves to eth_abi."""


def encoder(abi_type: str) -> Callable[[Any], bytes]:
    """A function of one value of `abi_type` returning eth_abi.encode([abi_type], [value])."""
    dynamic, encode_value = _compile(parse(abi_type))
    head = (32).to_bytes(32, "big") if dynamic else b""  # a one-element tuple: where its dynamic value starts

    def encode(value: Any) -> bytes:
        try:
            return head + encode_value(value)
        except _Other:
            return abi_encode([abi_type], [value])

    return encode


def _compile(t: ABIType) -> Part:
    if t.is_array:
        item = _compile(t.item_type)
        if not t.arrlist[-1]:  # T[]: its length, then its elements laid out like a tuple of that length
            items = _sequence(lambda n: [item] * n)

            def dynamic_array(value: Any) -> bytes:
                encoded = items(value)  # first: it checks that the value is a list or a tuple
                return len(value).to_bytes(32, "big") + encoded

            return True, dynamic_array
        size: int = t.arrlist[-1][0]  # T[k]: k elements laid out like a tuple
        return item[0], _sequence(lambda n: [item] * size, size)
    if isinstance(t, TupleType):
        parts = [_compile(c) for c in t.components]
        return any(dynamic for dynamic, _ in parts), _sequence(lambda n: parts, len(parts))
    assert isinstance(t, BasicType)
    if t.base == "uint":
        bound = 1 << t.sub

        def uint(value: Any) -> bytes:
            if type(value) is not int or not 0 <= value < bound:
                raise _Other
            return value.to_bytes(32, "big")

        return False, uint
    if t.base == "bytes" and t.sub is not None:
        size, padding = t.sub, bytes(32 - t.sub)

        def fixed_bytes(value: Any) -> bytes:
            if type(value) is not bytes or len(value) != size:
                raise _Other
            return value + padding

        return False, fixed_bytes
    if t.base == "address":
        def address(value: Any) -> bytes:
            word = _address_word(value) if type(value) is str else None
            if word is None:
                raise _Other
            return word

        return False, address
    if t.base == "bool":
        true, false = (1).to_bytes(32, "big"), bytes(32)

        def boolean(value: Any) -> bytes:
            if value is True:
                return true
            if value is False:
                return false
            raise _Other

        return False, boolean
    # Any other type (int, string, bytes, fixed): eth_abi encodes the whole value. Its dynamism still matters
    # only for the layout, which is never built, since the first such value hands everything to eth_abi.
    def other(value: Any) -> bytes:
        raise _Other

    return t.is_dynamic, other


def _sequence(parts_of: Callable[[int], list[Part]], length: int | None = None) -> Callable[[Any], bytes]:
    """A tuple's (or an array's elements') encoding: each part's head in order, a dynamic part's head being the
    offset of its encoding from the sequence's start, then the dynamic parts' encodings. `length`: the number
    of values required (a tuple's, a fixed array's), None for any (a dynamic array's)."""

    def encode(values: Any) -> bytes:
        if type(values) not in (list, tuple) or (length is not None and len(values) != length):
            raise _Other
        parts = parts_of(len(values))
        heads: list[bytes | None] = []
        tails: list[bytes] = []
        for (dynamic, encode_part), value in zip(parts, values):
            encoded = encode_part(value)
            if dynamic:
                heads.append(None)
                tails.append(encoded)
            else:
                heads.append(encoded)
        offset = sum(32 if head is None else len(head) for head in heads)
        out = []
        tail = iter(tails)
        for head in heads:
            if head is None:
                out.append(offset.to_bytes(32, "big"))
                offset += len(next(tail))
            else:
                out.append(head)
        return b"".join(out) + b"".join(tails)

    return encode


@lru_cache(maxsize=65_536)
def _address_word(value: str) -> bytes | None:
    """An address's 32-byte word, as eth_abi encodes it; None for text eth_abi would not take as an address.
    Cached: a batch names the same few holders again and again."""
    return bytes(12) + to_canonical_address(value) if is_address(value) else None
