"""The log decoder against eth_abi's encoder: random values of every event the contracts declare, encoded as
the EVM would log them, must decode to the same values in the form the index stores."""
from __future__ import annotations

import random

import pytest
from eth_abi import encode
from eth_utils import event_abi_to_log_topic, to_checksum_address

from registry.chain.abi import all_abis
from registry.chain.events import decode_log
from tests.conftest import abi_type

EVENTS = {abi["name"]: abi for abi in all_abis() if abi["type"] == "event"}


def value_of(param: dict, rng: random.Random) -> tuple[object, object]:
    """(what eth_abi encodes, what the decoder must give back) for a random value of `param`'s type."""
    kind = param["type"]
    if kind.endswith("]"):
        size = kind[kind.rindex("[") + 1:-1]
        pairs = [value_of({**param, "type": kind[:kind.rindex("[")]}, rng)
                 for _ in range(int(size) if size else rng.randrange(4))]
        return [p[0] for p in pairs], [p[1] for p in pairs]
    if kind.startswith("tuple"):
        pairs = [value_of(c, rng) for c in param["components"]]
        return tuple(p[0] for p in pairs), {c["name"]: p[1] for c, p in zip(param["components"], pairs)}
    if kind == "address":
        raw = rng.randbytes(20)
        return raw, to_checksum_address(raw)
    if kind == "bool":
        flag = rng.random() < 0.5
        return flag, flag
    if kind.startswith("uint"):
        number = rng.choice([0, 1, 2 ** int(kind[4:] or 256) - 1, rng.getrandbits(int(kind[4:] or 256))])
        return number, number
    if kind.startswith("int"):
        bits = int(kind[3:] or 256)
        number = rng.choice([-(2 ** (bits - 1)), -1, 0, 2 ** (bits - 1) - 1, rng.getrandbits(bits - 1)])
        return number, number
    if kind == "string":
        text = rng.choice(["", "用途：交通规划", "a" * rng.randrange(100), "nul\x00inside"])
        return text, text.replace("\x00", "\ufffd")
    if kind == "bytes":
        raw = rng.randbytes(rng.randrange(70))
        return raw, "0x" + raw.hex()
    if kind.startswith("bytes"):
        raw = rng.randbytes(int(kind[5:]))
        return raw, "0x" + raw.hex()
    raise AssertionError(f"the test has no values for {kind}")


def logged(abi: dict, rng: random.Random) -> tuple[dict, dict]:
    """A raw JSON-RPC log of the event with random arguments, and the arguments the decoder must return."""
    topics, data_types, data_values, expected = ["0x" + event_abi_to_log_topic(abi).hex()], [], [], {}
    for param in abi["inputs"]:
        encoded, decoded = value_of(param, rng)
        expected[param["name"]] = decoded
        if param["indexed"]:
            topics.append("0x" + encode([abi_type(param)], [encoded]).hex())
        else:
            data_types.append(abi_type(param))
            data_values.append(encoded)
    log = {"topics": topics, "data": "0x" + encode(data_types, data_values).hex(), "blockNumber": "0x10",
           "blockHash": "0x" + "ab" * 32, "transactionHash": "0x" + "cd" * 32, "logIndex": "0x3",
           "address": "0x" + "11" * 20}
    return log, expected


@pytest.mark.parametrize("name", sorted(EVENTS))
def test_every_event_decodes_to_what_was_encoded(name):
    rng = random.Random(name)
    for _ in range(50):
        log, expected = logged(EVENTS[name], rng)
        event = decode_log(log)
        assert event is not None and event.name == name
        assert event.args == expected
        assert (event.block_number, event.log_index, event.tx_hash) == (16, 3, "0x" + "cd" * 32)


def test_receipt_logs_from_web3_decode_like_raw_ones():
    log, expected = logged(EVENTS["RightGranted"], random.Random(1))
    as_web3 = {**log, "topics": [bytes.fromhex(t[2:]) for t in log["topics"]], "data": bytes.fromhex(log["data"][2:]),
               "blockHash": bytes.fromhex(log["blockHash"][2:]), "transactionHash": bytes.fromhex("cd" * 32),
               "blockNumber": 16, "logIndex": 3, "address": "0x" + "11" * 20}
    assert decode_log(as_web3).args == decode_log(log).args == expected


def test_a_log_of_another_contract_is_not_decoded():
    assert decode_log({"topics": ["0x" + "00" * 32], "data": "0x"}) is None
    assert decode_log({"topics": [], "data": "0x"}) is None


@pytest.mark.parametrize("name", sorted(EVENTS))
def test_a_raw_log_decodes_to_the_same_arguments_in_the_same_order_as_a_web3_one(name):
    """Raw logs of one-word events take a generated reader (events._direct_reader); web3's receipt logs the
    general one. Both must give the same arguments in the same order: the order is kept in args_json."""
    rng = random.Random(name + " order")
    for _ in range(20):
        log, _ = logged(EVENTS[name], rng)
        as_web3 = {**log, "topics": [bytes.fromhex(t[2:]) for t in log["topics"]],
                   "data": bytes.fromhex(log["data"][2:]), "blockNumber": 16, "logIndex": 3}
        assert list(decode_log(log).args.items()) == list(decode_log(as_web3).args.items())
