"""Guards of the contracts' security tests that the contracts' own language cannot check: the forge access
matrix names every state-changing function of the published ABIs, and the registry's security errors read
well in Python."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from eth_utils import function_signature_to_4byte_selector

from registry.chain.abi import CONTRACTS, load_abi
from registry.chain.errors import decode_revert
from registry.errors import ContractRevert

REPO = Path(__file__).resolve().parents[1]
MATRIX = REPO / "contracts" / "test" / "AccessControl.t.sol"
# The matrix calls each contract through the fixture's deployment `d`.
FIXTURE_NAMES = {
    "forwarder": "Forwarder",
    "participants": "ParticipantRegistry",
    "registry": "DataRegistry",
    "listings": "ListingRegistry",
    "office": "RegistrationOffice",
    "attestations": "AttestationRegistry",
    "trades": "TradeRegistry",
    "recognitions": "RecognitionRegistry",
    "finance": "FinanceRecords",
}


def _writes(contract: str) -> set[str]:
    return {
        entry["name"]
        for entry in load_abi(contract)
        if entry["type"] == "function" and entry["stateMutability"] in ("nonpayable", "payable")
    }


def test_access_matrix_has_a_row_for_every_write_of_every_contract():
    rows = set(re.findall(r"abi\.encodeCall\(d\.(\w+)\.(\w+),", MATRIX.read_text()))
    covered = {(FIXTURE_NAMES[var], fn) for var, fn in rows}
    missing = {(c, fn) for c in CONTRACTS for fn in _writes(c)} - covered
    assert not missing, f"writes without a row in {MATRIX.name}: {sorted(missing)}"


@pytest.mark.parametrize(
    ("signature", "words"),
    [
        ("RegistryPaused()", ["paused", "council", "Reads keep working"]),
        ("AdminCannotBeRenounced()", ["cannot be renounced", "transferOwnership"]),
    ],
)
def test_security_errors_decode_to_a_message_a_person_can_act_on(signature: str, words: list[str]):
    error = decode_revert(function_signature_to_4byte_selector(signature))
    assert isinstance(error, ContractRevert)
    assert error.error_name == signature.split("(")[0]
    for word in words:
        assert word in str(error)


def test_pause_unchanged_says_which_way():
    data = function_signature_to_4byte_selector("PauseUnchanged(bool)") + (1).to_bytes(32, "big")
    assert str(decode_revert(data)) == "The registry is already paused."
