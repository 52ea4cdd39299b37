"""The operations' declarations against the contracts, with no chain and no processes: each signed
operation's EIP-712 type string, derived from its declaration, hashes to the contract's `*_TYPEHASH`
constant; every `...BySig` function has a declared operation; every declared function exists in its
contract's ABI; and fixed operations sign, call and serialise exactly as before the declarations were
introduced."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from registry.chain import operations as ops
from registry.chain.operations import (
    OPERATIONS,
    Forward,
    Grant,
    GrantTerms,
    ListingConsent,
    ListingRequest,
    ListingTerms,
    Operation,
    Register,
    Renew,
    Revoke,
    Transfer,
)
from registry.chain.types import Registration, RightHolder, RightKind, Source

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [*sorted((ROOT / "contracts" / "src").glob("*.sol")),
           ROOT / "node_modules" / "@openzeppelin" / "contracts" / "metatx" / "ERC2771Forwarder.sol"]
TYPEHASH = re.compile(r'(\w+_TYPEHASH)\s*=\s*keccak256\(\s*((?:"[^"]*"\s*)+)\)')


def contract_type_strings() -> dict[str, str]:
    """Every `*_TYPEHASH = keccak256("...")` constant in the contracts' Solidity source, by its type name."""
    found = {}
    for path in SOURCES:
        for _, literal in TYPEHASH.findall(path.read_text()):
            text = "".join(re.findall(r'"([^"]*)"', literal))
            found[text.split("(", 1)[0]] = text
    return found


def signed_operations() -> list[type[Operation]]:
    return [op for op in vars(ops).values()
            if isinstance(op, type) and issubclass(op, Operation) and op is not Operation and op.signer_field]


def abi_functions() -> dict[str, set[str]]:
    return {path.stem: {item["name"] for item in json.loads(path.read_text()) if item.get("type") == "function"}
            for path in (ROOT / "registry" / "chain" / "abi").glob("*.json")}


@pytest.mark.parametrize("operation", signed_operations(), ids=lambda op: op.__name__)
def test_signed_operation_type_matches_contract_typehash(operation):
    """Fails when a field, its order, its type or a referenced struct differs from the contract's typehash."""
    type_strings = contract_type_strings()
    primary = operation.struct().eip712
    assert primary in type_strings, f"no {primary}_TYPEHASH-like constant in the contracts for {operation.__name__}"
    assert operation.type_string() == type_strings[primary]
    assert operation.typehash() == keccak(text=type_strings[primary])


def test_every_by_sig_function_has_a_declared_operation():
    declared = {op.by_sig_function for op in signed_operations()}
    by_sig = {name for functions in abi_functions().values() for name in functions if name.endswith("BySig")}
    assert by_sig, "no ...BySig function found in the ABIs"
    assert by_sig <= declared, f"undeclared: {sorted(by_sig - declared)}"
    assert set(OPERATIONS.values()) >= {op for op in signed_operations() if op.by_sig_function in by_sig}


def test_every_declared_function_exists_in_its_contract():
    functions = abi_functions()
    for op in vars(ops).values():
        if isinstance(op, type) and issubclass(op, Operation) and op is not Operation:
            for name in filter(None, (op.function, op.by_sig_function)):
                assert name in functions[op.contract], f"{op.__name__}: {op.contract}.{name} does not exist"


# ───────────── behaviour pinned to the code before the declarations (hand-written classes) ─────────────

A = "0x" + "ab" * 32
B = "0x" + "cd" * 32
ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
DIGEST = bytes(range(32))

FIXED = {
    "register": Register(Registration(
        DIGEST, bytes(32), bytes([7]) * 32, 2, 9, (Source(B, 3),),
        (RightHolder(ALICE, frozenset({RightKind.HOLDING, RightKind.USAGE})),
         RightHolder(BOB, frozenset({RightKind.OPERATING}))))),
    "grant": Grant(A, 2, GrantTerms(BOB, 100, 2**31, True, False, "交通规划研究", "3502", 5, DIGEST)),
    "transfer": Transfer(A, 3, BOB),
    "revoke": Revoke(A, 4, 5, DIGEST),
    "renew": Renew(A, 4, 1_900_000_000),
    "consent": ListingConsent(BOB, ListingRequest(
        A, 3, "SZDE-2026-001", DIGEST, origin_listing_id=7, attestation_id=5,
        terms=ListingTerms("fixed", 50_000_00, "CNY", "data_interface", ("api", "sandbox"), 1_900_000_000,
                           "仅限研究"))),
    "forward": Forward(REGISTRY, bytes.fromhex("deadbeef00"), 300_000),
}

# EIP-712 digests of FIXED signed by ALICE with nonce 11, deadline 1999999999, chain 31337, verifying contract
# REGISTRY: computed with the hand-written operations.py (commit eecd10e) before this redesign.
DIGESTS_BEFORE = {
    # Issue 13 added `HolderTerms[] terms` to the signed Register type (each holder's term and limits), so its
    # digest changed on purpose (computed with the same fixed values, no terms; before: 0956165d…e0e992).
    "register": "2b1cf8c3ad00ecf99891bfe6086d97246caa13fec44880f4aa6f4ebccc6e5af3",
    "grant": "e4600a7ef32de9786085bdf3f3d06eb98a699cbe92ac6da78a89f12f364f4503",
    "transfer": "3a7c5ddd00ae7e0f8b1cedce294af937d3533a5f0888b404f668c469d923288e",
    "revoke": "5b1e0cc25ad6f5b77cb23f6ad89559cb0772e8bf074a7c4d78a462094e3e9e8c",
    "renew": "d299d172057f54bb569bc22de8ab00e04c7b470822eae2bc65e166c605d004b4",
    # Issue 17 added the compliance certification and the structured ListingTerms to the signed ListingConsent,
    # whose nonce is now the consent's own (unordered) id (before: 2614ff36…c2f34d, with no terms).
    "consent": "cdc8d8c295bcf67cc5a154900d96d0ffcfa4c3c5e7ce2bbebfe45d5b461e3836",
    "forward": "79580355bb87bc5f9c0f9b1879719aa7379ee670906f946d6850e015e88317c1",
}


@pytest.mark.parametrize("name", FIXED)
def test_fixed_operation_digest_equals_digest_before_redesign(name):
    typed = FIXED[name].typed_data(ALICE, 11, 1_999_999_999, 31337, REGISTRY)
    message = encode_typed_data(full_message=typed)
    assert keccak(b"\x19" + message.version + message.header + message.body).hex() == DIGESTS_BEFORE[name]


@pytest.mark.parametrize("name", FIXED)
def test_fixed_operation_json_round_trips(name):
    operation = FIXED[name]
    assert type(operation).from_json(json.loads(json.dumps(operation.to_json()))) == operation


def test_grant_json_and_call_equal_the_forms_before_redesign():
    grant = FIXED["grant"]
    assert grant.to_json() == {
        "asset_id": A, "parent_index": 2,
        "terms": {"grantee": BOB, "valid_from": 100, "valid_until": 2**31, "sub_grantable": True,
                  "transferable": False, "purpose": "交通规划研究", "territory": "3502", "quantity": 5,
                  "terms_cid": "0x" + DIGEST.hex()}}
    assert grant.by_sig_args(ALICE, 9, b"\x01") == (
        bytes.fromhex(A[2:]), 2, (BOB, 100, 2**31, True, False, "交通规划研究", "3502", 5, DIGEST), ALICE, 9, b"\x01")
    assert FIXED["forward"].to_json() == {"to": REGISTRY, "data": "0xdeadbeef00", "gas": 300_000, "value": 0}
    assert FIXED["forward"].by_sig_args(ALICE, 9, b"\x01") == (
        (ALICE, REGISTRY, 0, 300_000, 9, bytes.fromhex("deadbeef00"), b"\x01"),)


def test_register_json_is_the_registration_fields_in_order():
    body = FIXED["register"].to_json()
    assert list(body) == ["content_hash", "content_cid", "metadata_cid", "classification", "attributes", "sources",
                          "holders", "terms"]
    assert body["holders"] == [{"account": ALICE, "kinds": ["holding", "usage"]}, {"account": BOB,
                                                                                   "kinds": ["operating"]}]


@pytest.mark.parametrize(("operation", "body", "message"), [
    (Grant, {"asset_id": A, "parent_index": 1}, "'terms' is required: {grantee, valid_until, purpose, ...}."),
    (Grant, {"asset_id": A, "parent_index": 0, "terms": {"grantee": BOB}},
     "'parent_index' must be a whole number from 1 to " + str(2**256 - 1) + ", got 0."),
    (Grant, {"asset_id": A, "parent_index": 1, "terms": {"grantee": BOB, "purpose": 5}},
     "'terms.purpose' must be text of at most 200 characters."),
    (Transfer, {"asset_id": A, "right_index": 1, "to": "0x12"},
     "'0x12' is not a valid recipient: expected 0x followed by 40 hexadecimal digits."),
    (Revoke, {"asset_id": "0x12", "right_index": 1, "reason_code": 1},
     "'0x12' is not an asset id: expected 0x followed by 64 hexadecimal digits."),
    (Renew, {"asset_id": A, "right_index": 1, "valid_until": 2**32},
     "'valid_until' must be a whole number from 0 to 4294967295, got 4294967296."),
    (Forward, {"to": REGISTRY, "data": "0x1", "gas": 5}, "'data' must be an even number of hex digits after 0x."),
    (Register, {"content_hash": A, "metadata_cid": A, "holders": [{"account": ALICE, "kinds": []}]},
     "'holders[0].kinds' must be a non-empty list of right kinds (holding, usage, operating), got []."),
    (Register, {"content_hash": A, "metadata_cid": A, "sources": [{"asset_id": B}]},
     f"'sources[0].right_index' must be a whole number from 0 to {2**256 - 1}, got None."),
    (Register, {"content_hash": A, "holders": []}, "'metadata_cid' must be 0x followed by 64 hexadecimal digits, "
     "got 'None'."),
])
def test_bad_json_is_refused_with_the_message_before_redesign(operation, body, message):
    with pytest.raises(ops.ValidationError) as refused:
        operation.from_json(body)
    assert str(refused.value) == message
