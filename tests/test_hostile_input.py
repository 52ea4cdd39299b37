"""Data anyone can put on chain or in the content store must not be able to stop the indexer, on either
database: strings that are not UTF-8 or hold NUL, times past 2038, metadata documents with NUL in their text."""
from __future__ import annotations

import json
import time
from contextlib import ExitStack
from dataclasses import replace

import pytest
from eth_abi import encode
from eth_utils import function_abi_to_4byte_selector

from registry.chain.operations import Grant, GrantTerms
from registry.content.cid import cid_to_digest
from tests.conftest import abi_type, random_registration
from tests.faults import own_stack, postgres_database

ALL = 7
#: Known failures on PostgreSQL, outside the API (registry/db, registry/indexer): expected to fail there until
#: fixed; strict, so the fix shows up as a failure that says to remove the entry.
KNOWN_ON_POSTGRESQL: dict[str, str] = {}  # tests expected to fail on PostgreSQL, with why (none today)


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh(request, tmp_path, anvil):
    """A stack of its own per test (a stopped indexer must not spoil the next test), on each database: its own
    contracts on the session's anvil (nothing here relays or moves the chain)."""
    known = KNOWN_ON_POSTGRESQL.get(request.node.originalname)
    if known and request.param == "postgresql":
        request.applymarker(pytest.mark.xfail(strict=True, reason=known))
    with ExitStack() as resources:
        database_url = resources.enter_context(postgres_database()) if request.param == "postgresql" else None
        yield resources.enter_context(own_stack(anvil, tmp_path, database_url=database_url,
                                                env={"DATAREG_WRITE_RATE_LIMIT": "off"}))


def still_indexing(s, timeout: float = 15.0) -> None:
    """The indexer is alive and indexes what comes after: a fresh registration shows up in the API."""
    dave = s.accounts[6]
    after = s.client.register(random_registration([(dave.address, ALL)]), dave)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if s.http.get(f"/v1/assets/{after.asset_ids[0]}").status_code == 200:
            return
        time.sleep(0.05)
    raise AssertionError(f"the indexer stopped (alive: {s.indexer_thread.is_alive()}): "
                         f"{s.http.get('/v1/status').json()['summary']}")


def test_strings_on_chain_that_are_not_utf8_or_hold_nul_do_not_stop_the_indexer(fresh):
    """A grant's purpose is whatever bytes its grantor sends, straight to the contract: here NUL and bytes that
    are not UTF-8. The index keeps them as U+FFFD and goes on."""
    s = fresh
    alice, bob = s.accounts[1], s.accounts[2]
    asset = s.client.register(random_registration([(alice.address, ALL)]), alice).asset_ids[0]
    grant = s.client.contract.get_function_by_name("grant").abi
    terms = (bob.address, 0, s.chain_time() + 86_400, False, False, b"purpose\x00\xff\xfe end", b"35\xc3", 0, bytes(32))
    data = function_abi_to_4byte_selector(grant) + encode([abi_type(i, raw_strings=True) for i in grant["inputs"]],
                                                          [bytes.fromhex(asset[2:]), 2, terms])
    tx = s.client.w3.eth.send_transaction({"from": alice.address, "to": s.deployment.registry, "data": data})
    assert s.client.w3.eth.wait_for_transaction_receipt(tx)["status"] == 1
    still_indexing(s)
    history = s.http.get(f"/v1/assets/{asset}/history").json()["data"]
    granted = next(e for e in history if e["action"] == "right_granted")
    assert granted["details"]["terms"]["purpose"] == "purpose\ufffd\ufffd\ufffd end"
    assert granted["details"]["terms"]["territory"] == "35\ufffd"


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_grant_ending_after_2038_does_not_stop_the_indexer(fresh):
    s = fresh
    alice, bob = s.accounts[1], s.accounts[2]
    asset = s.client.register(random_registration([(alice.address, ALL)]), alice).asset_ids[0]
    s.client.execute(Grant(asset, 2, GrantTerms(bob.address, valid_until=2**31 + 100)), alice)
    still_indexing(s, timeout=5)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_metadata_document_with_nul_does_not_stop_the_indexer(fresh):
    s = fresh
    alice = s.accounts[1]
    document = json.dumps({"name": "poison\u0000name", "summary": "x"}).encode()
    refused = s.http.post("/v1/metadata", json={"name": "poison\u0000name"})
    assert refused.status_code == 422 and "NUL" in refused.json()["message"]
    cid = s.http.post("/v1/content", content=document).json()["cid"]  # any bytes may be stored as a document
    registration = replace(random_registration([(alice.address, ALL)]), metadata_cid=cid_to_digest(cid))
    s.client.register(registration, alice)
    still_indexing(s, timeout=5)
