"""Exchanges: participants, consented listing, dual listing, validity that follows the consent, and the
change feed, through the Python client, the indexer and the HTTP API."""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from eth_account import Account
from sqlalchemy import text
from sqlmodel import Session, create_engine, select

from registry.chain.client import Chain, RegistryClient
from registry.chain.deploy import deploy
from registry.chain.operations import (
    AddParticipant,
    ApproveListing,
    Grant,
    GrantTerms,
    ListingConsent,
    ListingPolicy,
    ListingRequest,
    ListingTerms,
    ListProduct,
    RevokeApproval,
    SetListingPolicy,
    SetListingStatus,
    SuspendParticipant,
    Transfer,
    WithdrawConsents,
)
from registry.db.models import Listing, ListingApproval, WithdrawnConsent
from registry.devchain import DEPLOYER_ACCOUNT, dev_key, free_port, start_anvil, stop
from registry.errors import ContractRevert
from registry.indexer.service import build_indexer
from registry.vocabulary import ListingStatus
from tests.conftest import make_settings, random_registration
from tests.test_indexer import catch_up, settings_for

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


# ──────────────── consents by transaction and withdrawn signed consents (issue 17's leftovers) ────────────────


def priced_request(asset: str, right: int, reference: str) -> ListingRequest:
    """A request with every field the consent hash covers set: the index finds an approval's use by that hash."""
    return ListingRequest(asset, right, reference, b"\x07" * 32, terms=ListingTerms(
        "fixed", 128_000, "CNY", "data_interface", ("api", "sandbox"), usage_scope="仅限交通规划研究"))


def approval_of(s, request: ListingRequest, holder, exchange, days: int = 1) -> str:
    """Approves `request` by the holder's own transaction; returns its consent hash."""
    result = s.client.execute(ApproveListing(exchange.address, request, s.chain_time() + days * DAY), holder)
    return next(e for e in result.events if e.name == "ListingApproved").args["consentHash"]


def test_an_approval_is_served_in_force_then_used_or_revoked_and_a_revoked_one_is_refused(s):
    """Failed on the old code: ListingApproved and ListingApprovalRevoked were not indexed and no route served
    approvals, so an exchange could not see whether a holder's approval was in force."""
    exchange_a, bob = s.accounts[4], s.accounts[2]
    asset, right = product(s)
    used_request, revoked_request = (priced_request(asset, right, f"SDE-approval-{n}") for n in ("used", "revoked"))
    used, revoked = approval_of(s, used_request, bob, exchange_a), approval_of(s, revoked_request, bob, exchange_a)
    s.wait_block(s.client.w3.eth.block_number)
    approvals = s.http.get("/v1/listings/approvals", params={"holder": bob.address, "asset": asset}).json()
    assert [(a["consent_hash"], a["status"], a["in_force"]) for a in approvals["data"]] == [
        (used, "in_force", True), (revoked, "in_force", True)]
    assert approvals["data"][0]["exchange_name"] == "上海数据交易所" and approvals["data"][0]["valid_until"]

    listed = s.client.execute(ListProduct(used_request, bob.address), exchange_a)
    listing_id = listed.events[0].args["listingId"]
    withdrawn = s.client.execute(RevokeApproval(exchange_a.address, revoked_request), bob)
    s.wait_block(withdrawn.block_number)
    shown = s.http.get(f"/v1/listings/approvals/{used}").json()
    assert (shown["status"], shown["in_force"], shown["listing_id"]) == ("used", False, listing_id)
    shown = s.http.get(f"/v1/listings/approvals/{revoked}").json()
    assert (shown["status"], shown["in_force"], shown["revoked_tx"]) == ("revoked", False, withdrawn.tx_hash)
    assert s.http.get(f"/v1/listings/{listing_id}").json()["consent_id"] is None
    # The contract agrees: neither can be listed with any more.
    refused(lambda: s.client.execute(ListProduct(revoked_request, bob.address), exchange_a), "ConsentMissing",
            f"No consent from '{bob.address}'")
    refused(lambda: s.client.execute(ListProduct(used_request, bob.address), exchange_a), "ConsentMissing",
            f"No consent from '{bob.address}'")
    registry = s.client.chain.contracts["ListingRegistry"].functions
    for request in (used_request, revoked_request):
        assert registry.approvalValidUntil(bob.address, exchange_a.address, ListProduct(
            request, bob.address).args()[0]).call() == 0
    history = s.http.get(f"/v1/assets/{asset}/history", params={"party": bob.address}).json()["data"]
    assert [e["action"] for e in history if e["event"].startswith("ListingApprov")] == [
        "listing_approved", "listing_approved", "listing_approval_revoked"]


def test_withdrawn_consents_are_served_and_refused(s):
    """Failed on the old code: ConsentsWithdrawn was not indexed, so no one could see which signed consents a holder
    had withdrawn."""
    exchange_a, bob = s.accounts[4], s.accounts[2]
    asset, right = product(s)
    request = ListingRequest(asset, right, "SDE-withdrawn")
    consent = s.client.sign(ListingConsent(exchange_a.address, request), bob)
    spare = consent.nonce ^ 1  # in the same 256-id word
    for operation in WithdrawConsents.of([consent.nonce, spare]):
        result = s.client.execute(operation, bob)
    s.wait_block(result.block_number)
    shown = s.http.get("/v1/listings/withdrawn-consents", params={"holder": bob.address}).json()
    mine = {w["consent_id"]: w for w in shown["data"]}
    assert {str(consent.nonce), str(spare)} <= set(mine)
    assert mine[str(consent.nonce)]["withdrawn_tx"] == result.tx_hash and mine[str(consent.nonce)]["listing_id"] is None
    one = s.http.get("/v1/listings/withdrawn-consents", params={"holder": bob.address,
                                                                "consent_id": str(consent.nonce)}).json()
    assert [w["consent_id"] for w in one["data"]] == [str(consent.nonce)]
    refused(lambda: s.client.execute(ListProduct.with_consent(request, consent), exchange_a), "ConsentUsed",
            str(consent.nonce))


def test_cli_approves_revokes_withdraws_and_shows_approvals_and_withdrawn_consents(s, tmp_path):
    """Failed on the old CLI: `datareg listing approvals` and `datareg listing withdrawn-consents` did not exist, so
    a holder could see neither its approvals nor the consents it withdrew without calling the API by hand."""
    exchange_a, bob = s.accounts[4], s.accounts[2]
    home = tmp_path / "home"
    env = dict(os.environ, DATAREG_RPC_URL=s.rpc_url, DATAREG_API_URL=s.api_url, DATAREG_DATA_DIR=str(home),
               DATAREG_KEY_PASSWORD="pw")

    def datareg(*args: str, expect: int = 0, **extra: str) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", "registry.cli.main", *args], env={**env, **extra},
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == expect, result.stdout + result.stderr
        return result

    holder = str(home / "holder.json")
    datareg("key", "import", "--out", holder, DATAREG_IMPORT_KEY=dev_key(2))
    asset, right = product(s)
    until = str(s.chain_time() + 2 * DAY)  # unix seconds: other tests of the module move the chain's clock
    for reference in ("SDE-CLI-KEPT", "SDE-CLI-REVOKED"):
        datareg("approve-listing", asset, "--right", str(right), "--exchange", exchange_a.address, "--listing-id",
                reference, "--valid-until", until, "--key", holder)
    revoked = json.loads(datareg("--json", "listing", "revoke-approval", asset, "--right", str(right), "--exchange",
                                 exchange_a.address, "--listing-id", "SDE-CLI-REVOKED", "--key", holder).stdout)
    # The approval is found by its whole request: one never given is refused in words, nothing sent.
    missing = datareg("listing", "revoke-approval", asset, "--right", str(right), "--exchange", exchange_a.address,
                      "--listing-id", "SDE-CLI-NEVER", "--key", holder, expect=1)
    assert "Traceback" not in missing.stderr and bob.address in missing.stderr
    consent_ids = [2**50 + 5, 2**50 + 300]  # two words: two transactions
    withdrawn = json.loads(datareg("--json", "listing", "withdraw-consent", *map(str, consent_ids),
                                   "--key", holder).stdout)
    s.wait_block(max(revoked["block_number"], withdrawn["block_number"]))

    rows = json.loads(datareg("--json", "listing", "approvals", "--holder", bob.address, "--asset", asset).stdout)
    assert [r["status"] for r in rows] == ["in_force", "revoked"]
    assert rows[1]["revoked_tx"] == revoked["tx_hash"]
    table = datareg("listing", "approvals", "--holder", bob.address.lower(), "--asset", asset).stdout
    kept, gone = table.split("\n")[0:3:2]
    assert kept.startswith("in_force") and "until 20" in kept and "+08:00" in kept and "上海数据交易所" in kept
    assert gone.startswith("revoked") and f"asset {asset}" in table and revoked["tx_hash"] in table
    only = json.loads(datareg("--json", "listing", "approvals", "--asset", asset, "--status", "in_force").stdout)
    assert [r["consent_hash"] for r in only] == [rows[0]["consent_hash"]]
    assert datareg("listing", "approvals", "--asset", asset, "--status", "used").stdout.strip() == "No approvals."

    shown = json.loads(datareg("--json", "listing", "withdrawn-consents", "--holder", bob.address).stdout)
    assert {str(i) for i in consent_ids} <= {r["consent_id"] for r in shown}
    one = datareg("listing", "withdrawn-consents", "--holder", bob.address, "--consent-id", str(consent_ids[1])).stdout
    assert one.startswith(f"consent {consent_ids[1]}") and withdrawn["tx_hash"] in one and len(one.splitlines()) == 1
    # Bad input is refused before any request, saying what was wrong.
    bad = datareg("listing", "approvals", "--holder", "0x1234", expect=2)
    assert "holder address" in bad.stderr
    bad = datareg("listing", "approvals", "--status", "pending", expect=2)
    assert "in_force" in bad.stderr


def test_the_index_check_covers_approvals_and_withdrawn_consents(s, tmp_path):
    """`datareg index check` compares both tables with the chain's events replayed, each approval with the
    contract's own record of it (its storage: zero once revoked or used) and each holder's consent bitmap with the
    ids withdrawn and used: a clean index has no difference, a tampered one shows each."""
    exchange_a, bob = s.accounts[4], s.accounts[2]
    asset, right = product(s)
    kept = approval_of(s, priced_request(asset, right, "SDE-check-kept"), bob, exchange_a)
    revoked_request = priced_request(asset, right, "SDE-check-revoked")
    revoked = approval_of(s, revoked_request, bob, exchange_a)
    s.client.execute(RevokeApproval(exchange_a.address, revoked_request), bob)
    consent_id = 2**40 + 3
    last = s.client.execute(WithdrawConsents.of([consent_id, consent_id + 1])[0], bob)  # one word
    s.wait_block(last.block_number)
    env = dict(os.environ, DATAREG_RPC_URL=s.rpc_url, DATAREG_DATA_DIR=str(s.settings.data_dir),
               DATAREG_DATABASE_URL=s.settings.database_url)
    ok = subprocess.run([sys.executable, "-m", "registry.cli.main", "--json", "index", "check"], env=env,
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    report = json.loads(ok.stdout)
    assert report["differences"] == [] and report["checked"]["listing_approvals"] >= 2
    assert report["checked"]["withdrawn_consents"] >= 2

    settings = settings_for(tmp_path, "tampered", s.rpc_url, s.deployment)
    catch_up(build_indexer(settings))
    with create_engine(settings.database_url).begin() as conn:
        conn.execute(text("UPDATE listing_approvals SET revoked = false WHERE consent_hash = :h"), {"h": revoked})
        conn.execute(text("UPDATE listing_approvals SET valid_until = 1 WHERE consent_hash = :h"), {"h": kept})
        conn.execute(text("DELETE FROM withdrawn_consents WHERE consent_id = :c"), {"c": str(consent_id)})
    bad = subprocess.run([sys.executable, "-m", "registry.cli.main", "index", "check"],
                         env=dict(env, DATAREG_DATA_DIR=str(settings.data_dir),
                                  DATAREG_DATABASE_URL=settings.database_url),
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    for difference in (f"listing_approvals {revoked} revoked", f"listing_approvals {revoked} approved_until",
                       f"listing_approvals {kept} valid_until", f"listing_approvals {kept} approved_until",
                       f"withdrawn_consents {bob.address}/{consent_id} exists",
                       # The other id of its word is still indexed: the word's bits then differ from the chain's.
                       f"consent bitmap {bob.address}/{consent_id >> 8} bits"):
        assert f"DIFFERENCE {difference}" in bad.stdout, (difference, bad.stdout)


@pytest.fixture(scope="module")
def own_chain():
    """A deployment on an anvil of its own, with an exchange, so that its reorgs disturb no other test."""
    port = free_port()
    process = start_anvil(port)
    rpc = f"http://127.0.0.1:{port}"
    try:
        deployment = deploy(rpc, dev_key(DEPLOYER_ACCOUNT))
        client = RegistryClient(Chain(rpc, deployment))
        exchange = Account.from_key(dev_key(4))
        client.execute(AddParticipant(exchange.address, "exchange", "上海数据交易所", "91310000MA1FL70B7K"), ADMIN)
        client.execute(SetListingPolicy(ListingPolicy(allow_uncertified=True)), exchange)
        yield rpc, deployment, client
    finally:
        stop(process)


@pytest.mark.parametrize("reorg_window", [0, 128], ids=["replayed", "journaled"])
def test_a_reorg_rolls_approvals_and_withdrawn_consents_back(own_chain, tmp_path, reorg_window):
    """A revocation, an approval and a withdrawal in orphaned blocks go, by the undo journals near the head and by
    replaying the asset's events (and deleting withdrawals above the fork) deeper: afterwards both tables equal a
    fresh index's. Failed on the old code, which had neither table."""
    rpc, deployment, client = own_chain
    alice, bob, exchange = (Account.from_key(dev_key(n)) for n in (1, 2, 4))
    asset = client.register(random_registration([(alice.address, 7)]), alice).asset_ids[0]
    now = client.w3.eth.get_block("latest")["timestamp"]
    right = client.execute(Grant(asset, 3, GrantTerms(bob.address, valid_until=now + 365 * DAY, transferable=True)),
                           alice).events[0].args["rightIndex"]
    kept_request = priced_request(asset, right, f"SDE-kept-{reorg_window}")
    kept = next(e for e in client.execute(ApproveListing(exchange.address, kept_request, now + DAY), bob).events
                if e.name == "ListingApproved").args["consentHash"]
    client.execute(WithdrawConsents(0, 1 << 1), bob)
    settings = dataclasses.replace(settings_for(tmp_path, "live", rpc, deployment), reorg_window=reorg_window)
    indexer = build_indexer(settings)
    catch_up(indexer)

    snapshot = client.w3.provider.make_request("evm_snapshot", [])["result"]
    client.execute(RevokeApproval(exchange.address, kept_request), bob)
    client.execute(ApproveListing(exchange.address, priced_request(asset, right, f"SDE-orphan-{reorg_window}"),
                                  now + DAY), bob)
    client.execute(WithdrawConsents(0, 1 << 1 | 1 << 2), bob)
    catch_up(indexer)
    with Session(indexer.engine) as db:
        assert db.get(ListingApproval, kept).revoked and db.get(WithdrawnConsent, (bob.address, "2")) is not None
        assert len(db.exec(select(ListingApproval).where(ListingApproval.asset_id == asset)).all()) == 2

    client.w3.provider.make_request("evm_revert", [snapshot])
    client._nonces.clear()
    for _ in range(4):  # a longer branch without them
        client.register(random_registration([(alice.address, 7)]), alice)
    catch_up(indexer)
    fresh = build_indexer(settings_for(tmp_path, "fresh", rpc, deployment))
    catch_up(fresh)
    for model in (ListingApproval, WithdrawnConsent):
        with Session(indexer.engine) as db, Session(fresh.engine) as other:
            mine = sorted((r.model_dump() for r in db.exec(select(model)).all()), key=repr)
            theirs = sorted((r.model_dump() for r in other.exec(select(model)).all()), key=repr)
        assert mine == theirs and mine, model
    with Session(indexer.engine) as db:
        assert not db.get(ListingApproval, kept).revoked
        assert [a.consent_hash for a in db.exec(select(ListingApproval).where(ListingApproval.asset_id == asset))] == [
            kept]
        assert [w.consent_id for w in db.exec(select(WithdrawnConsent))] == ["1"]


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
