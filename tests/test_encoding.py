"""The compiled ABI encoder (registry/chain/encoding.py) against eth_abi: the same bytes for random values of
every argument type the contracts declare, the same bytes for the forms it leaves to eth_abi, and eth_abi's own
error for what eth_abi refuses. And register_many's signing shortcut against eth_account's public call."""
from __future__ import annotations

import enum
import random
import re

import pytest
from eth_abi import encode
from eth_account import Account
from eth_utils import to_checksum_address

from registry.chain.abi import all_abis, canonical_type
from registry.chain.client import _register_batch_abi, _signed
from registry.chain.encoding import encoder
from tests.conftest import random_registration


def value_of(kind: str, rng: random.Random) -> object:
    """A random value of an ABI type in the forms the registry's code gives eth_abi."""
    if kind.endswith("]"):
        size = kind[kind.rindex("[") + 1:-1]
        items = [value_of(kind[:kind.rindex("[")], rng) for _ in range(int(size) if size else rng.randrange(4))]
        return items if rng.random() < 0.5 else tuple(items)
    if kind.startswith("("):
        return tuple(value_of(c, rng) for c in _components(kind[1:-1]))
    if kind == "address":
        raw = rng.randbytes(20)
        return to_checksum_address(raw) if rng.random() < 0.5 else "0x" + raw.hex()
    if kind == "bool":
        return rng.random() < 0.5
    if kind.startswith("uint"):
        bits = int(kind[4:] or 256)
        return rng.choice([0, 1, 2 ** bits - 1, rng.getrandbits(bits)])
    if kind.startswith("int"):
        bits = int(kind[3:] or 256)
        return rng.choice([-(2 ** (bits - 1)), -1, 0, 2 ** (bits - 1) - 1])
    if kind == "string":
        return rng.choice(["", "data", "数据资产"])
    if kind == "bytes":
        return rng.randbytes(rng.randrange(70))
    return rng.randbytes(int(kind[5:]))  # bytesN


def _components(inner: str) -> list[str]:
    """A tuple type's component types: split at the commas outside parentheses."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(inner):
        depth += {"(": 1, ")": -1}.get(c, 0)
        if c == "," and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
    return [*parts, inner[start:]] if inner else parts


ARGUMENT_TYPES = sorted({canonical_type(p) for f in all_abis() if f["type"] == "function" for p in f["inputs"]})


@pytest.mark.parametrize("kind", ARGUMENT_TYPES)
def test_every_argument_type_of_the_contracts_encodes_as_eth_abi_does(kind):
    rng = random.Random(kind)
    encode_value = encoder(kind)
    for _ in range(20):
        value = value_of(kind, rng)
        assert encode_value(value) == encode([kind], [value]), value


def test_registration_batches_encode_as_eth_abi_does():
    selector, encode_batch = _register_batch_abi()
    kind = next(canonical_type(f["inputs"][0]) for f in all_abis() if f.get("name") == "registerBatch")
    holders = [Account.create().address for _ in range(3)]
    for size in (0, 1, 7):
        batch = [random_registration([(h, 1 + i % 7) for i, h in enumerate(holders[:1 + n % 3])],
                                     classification=n % 4, attributes=n % 8).as_abi() for n in range(size)]
        assert encode_batch(batch) == encode([kind], [batch])


class Kind(enum.IntEnum):
    USAGE = 2


@pytest.mark.parametrize("kind, value", [
    ("bytes32", b"\x01" * 5),  # shorter: padded
    ("bytes32", bytearray(32)),
    ("uint8", Kind.USAGE),
    ("address", "0x" + "AB" * 20),  # upper case
    ("address", "ab" * 20),  # no 0x
    ("address", b"\x12" * 20),  # binary
    ("(uint8,bool)[]", [[1, True], (2, False)]),
    ("(address,uint8)[2]", [("0x" + "cd" * 20, 3), ("0x" + "ef" * 20, 4)]),
    ("uint256[][]", [[1, 2], [], [3]]),
    ("(string,uint8)", ("text", 1)),
])
def test_forms_left_to_eth_abi_encode_as_eth_abi_does(kind, value):
    assert encoder(kind)(value) == encode([kind], [value])


@pytest.mark.parametrize("kind, value", [
    ("uint8", 256),
    ("uint8", -1),
    ("uint8", True),
    ("bool", 1),
    ("bytes32", b"x" * 33),
    ("bytes32", "0x" + "00" * 32),
    ("address", "0x12"),
    ("address", "0x" + "g" * 40),
    ("(uint8,uint8)", (1,)),
    ("uint8[]", 5),
    ("uint8[]", "ab"),
    ("uint8[2]", [1]),
    ("(bytes32,uint8)[]", [(bytes(32), 1), (bytes(32), 300)]),
])
def test_what_eth_abi_refuses_is_refused_with_its_error(kind, value):
    with pytest.raises(Exception) as expected:  # noqa: PT011 - whatever eth_abi raises
        encode([kind], [value])
    with pytest.raises(type(expected.value), match=re.escape(str(expected.value))):
        encoder(kind)(value)


@pytest.mark.parametrize("fees", [{"maxFeePerGas": 2 * 10**9, "maxPriorityFeePerGas": 10**9}, {"gasPrice": 10**9},
                                  {"gasPrice": 0}])
def test_signed_is_the_transaction_eth_account_signs(fees):
    account = Account.create()
    tx = {"chainId": 31337, "nonce": 7, "to": to_checksum_address("0x" + "5f" * 20), "value": 0, "gas": 5_000_000,
          "data": random.Random(1).randbytes(1000), **fees}
    assert _signed(account, tx) == bytes(account.sign_transaction(tx).raw_transaction)
