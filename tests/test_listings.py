"""Exchanges: participants, consented listing, dual listing, validity that follows the consent, and the
change feed, through the Python client, the indexer and the HTTP API."""
from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
from eth_account import Account
from sqlmodel import Session, select

from registry.chain.operations import (
    AddParticipant,
    ApproveListing,
    Grant,
    GrantTerms,
    ListingConsent,
    ListingPolicy,
    ListingRequest,
    ListProduct,
    SetListingPolicy,
    SetListingStatus,
    SuspendParticipant,
    Transfer,
)
from registry.db.models import Listing
from registry.devchain import DEPLOYER_ACCOUNT, dev_key
from registry.errors import ContractRevert
from registry.indexer.service import build_indexer
from registry.vocabulary import ListingStatus
from tests.conftest import make_settings, random_registration

ROOT = Path(__file__).resolve().parents[1]
DAY = 86_400
ADMIN = Account.from_key(dev_key(DEPLOYER_ACCOUNT))


@pytest.fixture(scope="module")
def s(private_stack):
    exchange_a, exchange_b = private_stack.accounts[4], private_stack.accounts[5]
    private_stack.client.execute(AddParticipant(exchange_a.address, "exchange", "上海数据交易所", "91310000MA1FL70B7K",
                                                "https://a.example/api"), ADMIN)
    private_stack.client.execute(
        AddParticipant(exchange_b.address, "exchange", "深圳数据交易所", "91440300MA5H1WXX6U"), ADMIN)
    # The products here are not registered with the office: both exchanges' policies allow uncertified assets.
    private_stack.client.execute(SetListingPolicy(ListingPolicy(allow_uncertified=True)), exchange_a)
    added = private_stack.client.execute(SetListingPolicy(ListingPolicy(allow_uncertified=True)), exchange_b)
    private_stack.wait_block(added.block_number)
    return private_stack


def product(s, days: int = 365):
    """Alice's asset, with an operating right granted to Bob (transferable, with a term)."""
    alice, bob = s.accounts[1], s.accounts[2]
    asset = s.client.register(random_registration([(alice.address, 7)]), alice).asset_ids[0]
    terms = GrantTerms(bob.address, valid_until=s.chain_time() + days * DAY, transferable=True)
    right = s.client.execute(Grant(asset, 3, terms), alice).events[0].args["rightIndex"]
    return asset, right


def list_with_consent(s, asset, right, exchange, ref, origin=0, holder=None, deadline=None):
    holder = holder or s.accounts[2]
    request = ListingRequest(asset, right, ref, origin_listing_id=origin)
    consent = s.client.sign(ListingConsent(exchange.address, request), holder, deadline=deadline)
    result = s.client.execute(ListProduct.with_consent(request, consent), exchange)
    return result.events[0].args["listingId"], result


def refused(action, error_name: str, message_part: str) -> None:
    with pytest.raises(ContractRevert) as caught:
        action()
    assert caught.value.error_name == error_name
    assert message_part in str(caught.value)


def test_participants_are_served(s):
    rows = {p["account"]: p for p in s.http.get("/v1/participants", params={"role": "exchange"}).json()}
    a = rows[s.accounts[4].address]
    assert a["name"] == "上海数据交易所" and a["status"] == "active" and a["endpoint"] == "https://a.example/api"
    assert s.http.get(f"/v1/participants/{s.accounts[6].address}").status_code == 404


def test_listing_and_cross_listing_are_served_with_validity(s):
    exchange_a, exchange_b = s.accounts[4], s.accounts[5]
    asset, right = product(s)
    origin, _ = list_with_consent(s, asset, right, exchange_a, "SDE-1")
    cross, result = list_with_consent(s, asset, right, exchange_b, "SZDE-1", origin=origin)
    s.wait_block(result.block_number)

    shown = s.http.get(f"/v1/listings/{origin}").json()
    assert shown["valid"] and shown["cross_listings"] == [cross] and shown["exchange_name"] == "上海数据交易所"
    assert s.http.get(f"/v1/listings/{cross}").json()["origin_listing_id"] == origin
    on_b = s.http.get("/v1/listings", params={"exchange": exchange_b.address, "asset": asset}).json()
    assert [l["listing_id"] for l in on_b["data"]] == [cross]
    assert {l["listing_id"] for l in s.http.get(f"/v1/assets/{asset}").json()["listings"]} == {origin, cross}


@pytest.mark.parametrize("cause, reason", [
    ("transfer", "right_transferred_away"),
    ("expiry", "right_expired"),
    ("exchange_suspended", "exchange_not_active"),
    ("origin_delisted", "origin_delisted"),
])
def test_listing_becomes_invalid_when_its_consent_no_longer_holds(s, cause, reason):
    exchange_a, exchange_b, bob, carol = s.accounts[4], s.accounts[5], s.accounts[2], s.accounts[3]
    asset, right = product(s, days=10)
    origin, _ = list_with_consent(s, asset, right, exchange_a, f"SDE-{cause}")
    cross, _ = list_with_consent(s, asset, right, exchange_b, f"SZDE-{cause}", origin=origin)
    if cause == "transfer":
        s.client.execute(Transfer(asset, right, carol.address), bob)
    elif cause == "expiry":
        s.advance_time(11 * DAY)
    elif cause == "exchange_suspended":
        s.client.execute(SuspendParticipant(exchange_a.address, 1), ADMIN)
    else:
        s.client.execute(SetListingStatus(origin, "delisted"), exchange_a)
    s.wait_block(s.client.w3.eth.block_number)
    shown = s.http.get(f"/v1/listings/{cross}").json()
    assert shown["valid"] is False
    # A suspended exchange invalidates the origin listing; its cross-listing then fails through its origin.
    assert shown["invalid_reason"] == ("origin_not_valid" if cause == "exchange_suspended" else reason)
    assert s.http.get(f"/v1/listings/{origin}").json()["invalid_reason"] == (
        "delisted" if cause == "origin_delisted" else reason)
    # The contract agrees.
    listings = s.client.chain.contracts["ListingRegistry"]
    assert listings.functions.listingValidity(cross).call() != 0
    if cause == "exchange_suspended":
        from registry.chain.operations import ReinstateParticipant

        s.client.execute(ReinstateParticipant(exchange_a.address), ADMIN)


def test_refusals_are_clear(s):
    exchange_a, exchange_b, bob, carol = s.accounts[4], s.accounts[5], s.accounts[2], s.accounts[3]
    asset, right = product(s)
    request = ListingRequest(asset, right, "SDE-refusals")
    # Without consent.
    refused(lambda: s.client.execute(ListProduct(request, bob.address), exchange_a), "ConsentMissing",
            f"No consent from '{bob.address}'")
    # With expired consent.
    expired = s.client.sign(ListingConsent(exchange_a.address, request), bob, deadline=s.chain_time() - 1)
    refused(lambda: s.client.execute(ListProduct.with_consent(request, expired),
                                     exchange_a), "SignatureExpired", "expired")
    # By a non-exchange.
    consent = s.client.sign(ListingConsent(carol.address, request), bob)
    refused(lambda: s.client.execute(ListProduct.with_consent(request, consent), carol),
            "NotAnExchange", "is not an active exchange")
    # Replayed consent.
    consent = s.client.sign(ListingConsent(exchange_a.address, request), bob)
    s.client.execute(ListProduct.with_consent(request, consent), exchange_a)
    again = ListingRequest(asset, right, "SDE-refusals-2")
    refused(lambda: s.client.execute(ListProduct.with_consent(again, consent),
                                     exchange_a), "InvalidSignature", "not valid for signer")
    # Cross-listing of a delisted product.
    origin, _ = list_with_consent(s, asset, right, exchange_a, "SDE-delisted")
    s.client.execute(SetListingStatus(origin, "delisted"), exchange_a)
    refused(lambda: list_with_consent(s, asset, right, exchange_b, "SZDE-delisted", origin=origin),
            "OriginNotListable", "cannot be cross-listed: it is delisted")
    # The same refusal through the API, for a transaction the exchange signed.
    request_b = ListingRequest(asset, right, "SZDE-delisted", origin_listing_id=origin)
    consent = s.client.sign(ListingConsent(exchange_b.address, request_b), bob)
    fn = s.client.chain.contracts["ListingRegistry"].functions.list(*ListProduct(
        request_b, bob.address, consent.nonce, consent.deadline, consent.signature).args())
    tx = fn.build_transaction({"from": exchange_b.address, "chainId": 31337, "gas": 500_000,
                               "nonce": s.client.w3.eth.get_transaction_count(exchange_b.address, "pending")})
    raw = exchange_b.sign_transaction(tx).raw_transaction
    response = s.http.post("/v1/transactions", json={"raw_transaction": "0x" + bytes(raw).hex()})
    assert response.status_code == 422 and response.json()["contract_error"]["name"] == "OriginNotListable"


def test_holder_consent_by_own_transaction(s):
    exchange_a, bob = s.accounts[4], s.accounts[2]
    asset, right = product(s)
    request = ListingRequest(asset, right, "SDE-approved")
    s.client.execute(ApproveListing(exchange_a.address, request, s.chain_time() + DAY), bob)
    result = s.client.execute(ListProduct(request, bob.address), exchange_a)
    s.wait_block(result.block_number)
    assert s.http.get(f"/v1/listings/{result.events[0].args['listingId']}").json()["valid"] is True


def test_feed_resumes_from_cursor_and_reports_expiry(s):
    exchange_a = s.accounts[4]
    asset, right = product(s, days=3)
    listing, result = list_with_consent(s, asset, right, exchange_a, "SDE-feed")
    s.wait_block(result.block_number)
    first = s.http.get("/v1/listings/feed", params={"exchange": exchange_a.address}).json()
    cursor = first["next_cursor"]
    assert first["data"][-1]["listing_id"] == listing and first["data"][-1]["change"] == "listed"
    s.advance_time(4 * DAY)  # the term ends: no transaction, the indexer notices at the next block
    s.wait_block(s.client.w3.eth.block_number)
    later = s.http.get("/v1/listings/feed", params={"exchange": exchange_a.address, "after": cursor}).json()
    mine = [c for c in later["data"] if c["listing_id"] == listing]
    assert [(c["change"], c["reason"]) for c in mine] == [("became_invalid", "right_expired")]
    assert mine[0]["tx_hash"] is None, "caused by time, not by a transaction"
    assert s.http.get("/v1/listings/feed", params={"exchange": exchange_a.address,
                                                  "after": later["next_cursor"]}).json()["data"] == []


def test_a_catching_up_indexer_writes_listings_created_and_changed_in_one_batch(s, tmp_path, database_url):
    """An indexer catching up reads many blocks per batch. A listing created and changed within one batch,
    and a cross-listing of it, are indexed under the chain's ids with their last status, as the live index
    (which read them block by block) has them."""
    exchange_a, exchange_b = s.accounts[4], s.accounts[5]
    asset, right = product(s)
    origin, _ = list_with_consent(s, asset, right, exchange_a, f"SDE-{tmp_path.name}")
    cross, _ = list_with_consent(s, asset, right, exchange_b, f"SZDE-{tmp_path.name}", origin=origin)
    changed = s.client.execute(SetListingStatus(origin, "suspended"), exchange_a)
    s.wait_block(changed.block_number)

    settings = dataclasses.replace(make_settings(tmp_path, s.rpc_url), database_url=database_url)
    s.deployment.save(settings.deployment_file)
    indexer = build_indexer(settings)
    indexer.range = indexer.max_range  # the whole chain in one batch
    while indexer.step():
        pass

    with Session(indexer.engine) as db:
        fresh = {l.listing_id: (l.asset_id, l.exchange, l.origin_listing_id, ListingStatus(l.status).key, l.valid)
                 for l in db.exec(select(Listing)).all()}
    assert fresh[origin] == (asset, exchange_a.address, 0, "suspended", False)
    assert fresh[cross] == (asset, exchange_b.address, origin, "listed", False)
    live = {}
    for listing_id in fresh:
        shown = s.http.get(f"/v1/listings/{listing_id}").json()
        live[listing_id] = (shown["asset_id"], shown["exchange"], shown["origin_listing_id"] or 0, shown["status"],
                            shown["valid"])
    assert fresh == live


def test_dual_listing_demo_script_holds():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "demo_dual_listing.py")], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every check held" in result.stdout
