"""Issue 17, the listing registry's part: structured terms served as fields, compliance at listing (上架审核) with
its refusals in plain words, consents with their own ids that can be withdrawn, approvals that end, the origin
holder's own consent for a cross-listing, listing ids free again after a listing ended; through a real chain,
indexer, API and CLI. Each test fails on the code before issue 17 (no terms, no policy, ordered nonces)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from eth_account import Account

from registry.chain.operations import (
    AddParticipant,
    ApproveListing,
    Attest,
    Grant,
    GrantTerms,
    ListingConsent,
    ListingFloor,
    ListingPolicy,
    ListingRequest,
    ListingTerms,
    ListProduct,
    Qualify,
    RevokeAttestation,
    SetListingFloor,
    SetListingPolicy,
    SetListingStatus,
    WithdrawConsents,
)
from registry.devchain import DEPLOYER_ACCOUNT, dev_key
from registry.errors import ContractRevert
from tests.conftest import random_registration

DAY = 86_400
ADMIN = Account.from_key(dev_key(DEPLOYER_ACCOUNT))
TERMS = ListingTerms("subscription", 12_000_000, "CNY", "data_interface", ("api", "sandbox"), 0, "仅限交通规划研究")
OLD_FIELDS = ["listing_id", "asset_id", "asset_name", "exchange", "exchange_name", "exchange_listing_id", "holder",
              "right_index", "origin_listing_id", "cross_listings", "offer_terms_cid", "status", "valid",
              "invalid_reason", "listed_block", "listed_tx", "asset_legal_status"]


@pytest.fixture(scope="module")
def s(private_stack):
    """Exchange A (account 4) allows uncertified assets; B (5) too, and trades across borders; C (6) keeps the
    strict default; account 3 is a compliance certifier."""
    st = private_stack
    for index, role, name, code in ((4, "exchange", "上海数据交易所", "91310000MA1FL70B7K"),
                                    (5, "exchange", "海南国际数据交易所", "91460000MA5T00000X"),
                                    (6, "exchange", "深圳数据交易所", "91440300MA5H1WXX6U"),
                                    (3, "compliance_certifier", "合规认证中心", "91350000MA00000001")):
        st.client.execute(AddParticipant(st.accounts[index].address, role, name, code), ADMIN)
    # A certifier acts only under its qualification (issue 21).
    st.client.execute(Qualify(st.accounts[3].address, "accreditation", issuer="国家认监委", number="CNCA-R-2026-001"),
                      ADMIN)
    st.client.execute(SetListingPolicy(ListingPolicy(allow_uncertified=True)), st.accounts[4])
    done = st.client.execute(SetListingPolicy(ListingPolicy(allow_uncertified=True, cross_border=True)),
                             st.accounts[5])
    st.wait_block(done.block_number)
    return st


def product(s, classification: int = 0, attributes: int = 0, holder_index: int = 2):
    """Alice's asset with an operating right granted to Bob."""
    alice, holder = s.accounts[1], s.accounts[holder_index]
    asset = s.client.register(random_registration([(alice.address, 7)], classification=classification,
                                                  attributes=attributes), alice).asset_ids[0]
    terms = GrantTerms(holder.address, valid_until=s.chain_time() + 365 * DAY, transferable=True)
    return asset, s.client.execute(Grant(asset, 3, terms), alice).events[0].args["rightIndex"]


def consent_and_list(s, request: ListingRequest, exchange, holder=None, consent_id=None):
    holder = holder or s.accounts[2]
    consent = s.client.sign(ListingConsent(exchange.address, request), holder, nonce=consent_id)
    result = s.client.execute(ListProduct.with_consent(request, consent), exchange)
    s.wait_block(result.block_number)
    return next(e for e in result.events if e.name == "Listed").args["listingId"]


def refused(action, error_name: str, *message_parts: str) -> str:
    with pytest.raises(ContractRevert) as caught:
        action()
    assert caught.value.error_name == error_name, caught.value.error_name
    for part in message_parts:
        assert part in str(caught.value), str(caught.value)
    return str(caught.value)


def test_terms_are_served_as_new_fields_and_filtered_on(s):
    exchange = s.accounts[4]
    asset, right = product(s)
    listing_id = consent_and_list(s, ListingRequest(asset, right, "SDE-T-1", terms=TERMS), exchange)
    plain = consent_and_list(s, ListingRequest(asset, right, "SDE-T-2"), exchange)  # the defaults
    row = s.http.get(f"/v1/listings/{listing_id}").json()
    assert list(row)[:len(OLD_FIELDS)] == OLD_FIELDS, "the old fields first, in their order"
    assert row["terms"] == {"price_model": "subscription", "price_model_zh": "按期订阅", "price_amount": "12000000",
                            "currency": "CNY", "product_form": "data_interface", "product_form_zh": "数据接口",
                            "delivery_modes": ["api", "sandbox"], "valid_until": None,
                            "usage_scope": "仅限交通规划研究"}
    assert row["attestation_id"] is None and row["consent_id"].isdigit()
    assert s.http.get(f"/v1/listings/{plain}").json()["terms"]["price_model"] == "negotiable"
    page = s.http.get("/v1/listings", params={"asset": asset, "product_form": "data_interface"}).json()
    assert [r["listing_id"] for r in page["data"]] == [listing_id]
    page = s.http.get("/v1/listings", params={"asset": asset, "delivery_mode": "download"}).json()
    assert [r["listing_id"] for r in page["data"]] == [plain]
    page = s.http.get("/v1/listings", params={"asset": asset, "price_model": "negotiable"}).json()
    assert [r["listing_id"] for r in page["data"]] == [plain]
    assert s.http.get("/v1/listings", params={"product_form": "video"}).status_code == 422


def test_compliance_refusals_name_the_rule(s):
    exchange_a, exchange_b, exchange_c = s.accounts[4], s.accounts[5], s.accounts[6]
    core, right = product(s, classification=2)
    refused(lambda: consent_and_list(s, ListingRequest(core, right, "SDE-C-1"), exchange_a),
            "CoreDataNotListable", "core data", "never listed")
    personal, right = product(s, attributes=1)
    refused(lambda: consent_and_list(s, ListingRequest(personal, right, "SDE-P-1"), exchange_a),
            "ComplianceCertificationRequired", "compliance certification", "--attestation")
    general, right = product(s)
    refused(lambda: consent_and_list(s, ListingRequest(general, right, "SZDE-U-1"), exchange_c),
            "RegistrationCertificateRequired", "no valid registration certificate", "--allow-uncertified")
    refused(lambda: consent_and_list(s, ListingRequest(general, right, "HN-X-1"), exchange_b),
            "ExportRestricted", "across borders", "export allowed")
    exportable, right = product(s, attributes=4)
    assert consent_and_list(s, ListingRequest(exportable, right, "HN-X-2"), exchange_b)
    malformed = ListingTerms("fixed", 0, "CNY")
    refused(lambda: consent_and_list(s, ListingRequest(general, right, "SDE-BAD", terms=malformed), exchange_a),
            "InvalidTerms", "price must be named in full")


def test_personal_data_listed_with_a_certification_until_it_is_revoked(s):
    exchange, certifier = s.accounts[4], s.accounts[3]
    asset, right = product(s, attributes=1)
    attested = s.client.execute(Attest(asset, "compliance_certification", method="个人信息保护认证",
                                       conclusion="通过"), certifier)
    attestation = attested.events[0].args["attestationId"]
    listing_id = consent_and_list(s, ListingRequest(asset, right, "SDE-PI-1", attestation_id=attestation), exchange)
    row = s.http.get(f"/v1/listings/{listing_id}").json()
    assert row["valid"] is True and row["attestation_id"] == attestation
    revoked = s.client.execute(RevokeAttestation(attestation, 1), certifier)
    s.wait_block(revoked.block_number)
    row = s.http.get(f"/v1/listings/{listing_id}").json()
    assert (row["valid"], row["invalid_reason"]) == (False, "not_compliant")
    on_chain = s.client.chain.contracts["ListingRegistry"].functions.listingValidity(listing_id).call()
    assert on_chain == 10  # ListingValidity.NotCompliant
    feed = s.http.get("/v1/listings/feed", params={"exchange": exchange.address}).json()["data"]
    assert any(c["listing_id"] == listing_id and c["reason"] == "not_compliant" for c in feed)


def test_the_council_floor_and_the_policies_are_served(s):
    council, exchange = ADMIN, s.accounts[4]
    refused(lambda: s.client.execute(SetListingFloor(ListingFloor(certificate_required=True)), exchange),
            "NotCouncil", "is not the council", "sets the listing floor")
    s.client.execute(SetListingFloor(ListingFloor(personal_information_forbidden=True)), council)
    asset, right = product(s, attributes=2)
    refused(lambda: consent_and_list(s, ListingRequest(asset, right, "SDE-F-1"), exchange),
            "PersonalInformationForbidden", "council's listing floor")
    done = s.client.execute(SetListingFloor(ListingFloor()), council)
    s.wait_block(done.block_number)
    policies = s.http.get("/v1/listings/policies").json()
    assert policies["floor"] == {"certificate_required": False, "important_data_forbidden": False,
                                 "personal_information_forbidden": False, "set_block": done.block_number}
    by_exchange = {p["exchange"]: p for p in policies["exchanges"]}
    assert by_exchange[s.accounts[5].address]["cross_border"] is True
    assert by_exchange[s.accounts[6].address]["allow_uncertified"] is False


def test_consents_signed_in_parallel_and_one_withdrawn(s):
    exchange, bob = s.accounts[4], s.accounts[2]
    asset, right = product(s)
    first, second, third = (ListingRequest(asset, right, f"SDE-N-{i}") for i in (1, 2, 3))
    signed = [s.client.sign(ListingConsent(exchange.address, r), bob) for r in (first, second, third)]
    assert len({c.nonce for c in signed}) == 3, "each consent has its own id"
    # Used in reverse order: with the contract's ordered nonce, the first two would no longer verify.
    for request, consent in ((third, signed[2]), (second, signed[1])):
        s.client.execute(ListProduct.with_consent(request, consent), exchange)
    for operation in WithdrawConsents.of([signed[0].nonce]):
        s.client.execute(operation, bob)
    refused(lambda: s.client.execute(ListProduct.with_consent(first, signed[0]), exchange),
            "ConsentUsed", f"Consent {signed[0].nonce}", "withdrew")
    refused(lambda: s.client.execute(ListProduct.with_consent(third, signed[2]), exchange),
            "ConsentUsed", "already used")


def test_approvals_end_and_ids_are_free_again_after_a_listing_ended(s):
    exchange, bob = s.accounts[4], s.accounts[2]
    asset, right = product(s)
    request = ListingRequest(asset, right, "SDE-R-1")
    refused(lambda: s.client.execute(ApproveListing(exchange.address, request, s.chain_time() - 1), bob),
            "InvalidApprovalExpiry", "must end in the future")
    s.client.execute(ApproveListing(exchange.address, request, s.chain_time() + DAY), bob)
    listed = s.client.execute(ListProduct(request, bob.address), exchange)
    first = listed.events[0].args["listingId"]
    refused(lambda: consent_and_list(s, request, exchange), "DuplicateExchangeListingId", "delist that listing")
    s.client.execute(SetListingStatus(first, "delisted"), exchange)
    again = consent_and_list(s, request, exchange)
    assert again != first and s.http.get(f"/v1/listings/{again}").json()["valid"] is True


def test_a_listing_with_an_end_lapses_by_time(s):
    exchange = s.accounts[4]
    asset, right = product(s)
    end = s.chain_time() + 2 * DAY
    listing_id = consent_and_list(s, ListingRequest(asset, right, "SDE-E-1", terms=ListingTerms(valid_until=end)),
                                  exchange)
    assert s.http.get(f"/v1/listings/{listing_id}").json()["terms"]["valid_until"] is not None
    s.client.w3.provider.make_request("evm_increaseTime", [3 * DAY])
    s.client.w3.provider.make_request("evm_mine", [])
    s.wait_block(s.client.w3.eth.block_number)
    row = s.http.get(f"/v1/listings/{listing_id}").json()
    assert (row["valid"], row["invalid_reason"]) == (False, "listing_expired")
    assert s.client.chain.contracts["ListingRegistry"].functions.listingValidity(listing_id).call() == 9
    feed = s.http.get("/v1/listings/feed", params={"exchange": exchange.address}).json()["data"]
    lapse = [c for c in feed if c["listing_id"] == listing_id and c["reason"] == "listing_expired"]
    assert lapse and lapse[0]["block_number"] is None, "a lapse by time, at its moment"
    # Its id is free again.
    assert consent_and_list(s, ListingRequest(asset, right, "SDE-E-1"), exchange)


def test_a_co_holder_cannot_cross_list_another_holder_s_origin(s):
    exchange_a, exchange_b, alice = s.accounts[4], s.accounts[5], s.accounts[1]
    asset, right = product(s, attributes=4)
    origin = consent_and_list(s, ListingRequest(asset, right, "SDE-O-1"), exchange_a)
    # Alice holds operating right 3 of the same asset: before issue 17 her consent cross-listed Bob's product.
    cross = ListingRequest(asset, 3, "HN-O-1", origin_listing_id=origin)
    refused(lambda: consent_and_list(s, cross, exchange_b, holder=alice), "NotOriginHolder",
            "only that holder may consent")
    assert consent_and_list(s, ListingRequest(asset, right, "HN-O-2", origin_listing_id=origin), exchange_b)


def test_cli_policy_consent_with_terms_list_and_withdraw(s, tmp_path):
    home = tmp_path / "home"
    env = dict(os.environ, DATAREG_RPC_URL=s.rpc_url, DATAREG_API_URL=s.api_url, DATAREG_DATA_DIR=str(home),
               DATAREG_KEY_PASSWORD="pw")

    def datareg(*args: str, expect: int = 0, **extra: str) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", "registry.cli.main", *args], env={**env, **extra},
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == expect, result.stdout + result.stderr
        return result

    keys = {}
    for name, index in (("holder", 2), ("exchange", 6)):
        keys[name] = str(home / f"{name}.json")
        datareg("key", "import", "--out", keys[name], DATAREG_IMPORT_KEY=dev_key(index))
    asset, right = product(s)
    consent = str(tmp_path / "consent.json")
    datareg("consent", asset, "--right", str(right), "--exchange", s.accounts[6].address,
            "--listing-id", "SZDE-CLI-1", "--price-model", "per_use", "--price", "500", "--currency", "cny",
            "--product-form", "model", "--delivery", "api,privacy_computing", "--usage-scope", "模型推理",
            "--out", consent, "--key", keys["holder"])
    # Exchange C's strict default refuses the uncertified asset, in words, with exit 1.
    failed = datareg("list", "--consent", consent, "--key", keys["exchange"], expect=1)
    assert "no valid registration certificate" in failed.stderr and "Traceback" not in failed.stderr
    datareg("listing", "policy", "--allow-uncertified", "--key", keys["exchange"])
    listed = json.loads(datareg("--json", "list", "--consent", consent, "--key", keys["exchange"]).stdout)
    row = s.http.get(f"/v1/listings/{listed['listing_id']}").json()
    assert row["terms"]["product_form"] == "model" and row["terms"]["delivery_modes"] == ["api", "privacy_computing"]
    assert row["consent_id"] == str(json.loads(Path(consent).read_text())["consent_id"])
    # A second consent, withdrawn before the exchange uses it.
    second = str(tmp_path / "consent-2.json")
    datareg("consent", asset, "--right", str(right), "--exchange", s.accounts[6].address, "--listing-id",
            "SZDE-CLI-2", "--consent-id", "77", "--out", second, "--key", keys["holder"])
    datareg("listing", "withdraw-consent", "77", "--key", keys["holder"])
    failed = datareg("list", "--consent", second, "--key", keys["exchange"], expect=1)
    assert "withdrew it" in failed.stderr
    shown = datareg("listing", "policies").stdout
    assert "uncertified allowed" in shown
    bad = datareg("consent", asset, "--exchange", s.accounts[6].address, "--listing-id", "X", "--price", "5",
                  "--price-model", "negotiable", "--key", keys["holder"], expect=2)
    assert "negotiable price" in bad.stderr


def test_index_check_covers_listing_terms_and_policies(s):
    env = dict(os.environ, DATAREG_RPC_URL=s.rpc_url, DATAREG_DATA_DIR=str(s.settings.data_dir),
               DATAREG_DATABASE_URL=s.settings.database_url)
    ok = subprocess.run([sys.executable, "-m", "registry.cli.main", "--json", "index", "check"], env=env,
                        capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert json.loads(ok.stdout)["differences"] == []
