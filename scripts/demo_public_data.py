"""Public-data authorised operation (公共数据授权运营, issue 21), end to end on a local stack.

A data authority (授权主体) authorises a first-level operator over a catalogue of public data for one scenario and
approves that scenario (一类场景一审定); the operator binds its registered catalogue asset, licenses two
second-level operators (二级开发主体) and grants the first a usage right for the scenario; that one derives a data
product (public data by lineage), lists it on an exchange and sells a usage right to the second through a recorded
trade. Then the authority revokes the authorisation: every right under it, the listing and the legal status (what
`verify` answers) lapse, each saying why.

Run: .venv/bin/python scripts/demo_public_data.py   (exit status 0 when every check holds)
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import httpx
from eth_account import Account
from eth_utils import keccak

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from registry.chain.client import Chain, RegistryClient  # noqa: E402
from registry.chain.operations import (  # noqa: E402
    AddParticipant,
    ApproveScenario,
    AuthorisationTerms,
    Authorise,
    BindAsset,
    Grant,
    GrantTerms,
    License,
    ListingConsent,
    ListingPolicy,
    ListingRequest,
    ListProduct,
    RecordTrade,
    RevokeAuthorisation,
    SetListingPolicy,
    SetTradeCode,
    TradeAcceptance,
    TradeSignatures,
    TradeTerms,
)
from registry.chain.types import Registration, RightKind, Source  # noqa: E402
from registry.devchain import DEPLOYER_ACCOUNT, LocalStack, dev_key  # noqa: E402

ADMIN, OPERATOR, SECOND, BUYER, EXCHANGE, AUTHORITY = (Account.from_key(dev_key(i))
                                                       for i in (DEPLOYER_ACCOUNT, 1, 2, 3, 4, 5))
SCENARIO = "交通规划研究"
YEAR = 365 * 86_400


def check(condition: bool, what: str) -> None:
    print(f"  {'ok  ' if condition else 'FAIL'} {what}")
    if not condition:
        raise SystemExit(1)


def registration(holder: str, sources: tuple[Source, ...] = ()) -> Registration:
    return Registration(os.urandom(32), os.urandom(32), os.urandom(32), sources=sources,
                        holders=Registration.merge_holders([(holder, k) for k in RightKind]))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, LocalStack(Path(tmp) / "registry") as stack:
        client = RegistryClient(Chain(stack.rpc_url, stack.deployment))
        http = httpx.Client(base_url=stack.api_url, timeout=30)

        def indexed(block: int) -> None:
            deadline = time.monotonic() + 30
            while (http.get("/v1/status").json()["indexed_block"] or 0) < block:
                if time.monotonic() > deadline:
                    raise SystemExit(f"the index did not reach block {block}")
                time.sleep(0.05)

        now = client.w3.eth.get_block("latest")["timestamp"]
        print("The council admits the data authority and an exchange.")
        client.execute(AddParticipant(AUTHORITY.address, "data_authority", "厦门市大数据管理局", "11350200MB0000000X"),
                       ADMIN)
        client.execute(AddParticipant(EXCHANGE.address, "exchange", "厦门数据交易所", "91350200MA8TXXXX1K"), ADMIN)
        client.execute(SetTradeCode("XMDE"), EXCHANGE)
        # The product is recorded, not yet certified: this exchange lists such assets (its policy).
        client.execute(SetListingPolicy(ListingPolicy(allow_uncertified=True)), EXCHANGE)

        print("The authority authorises the operator over a 12-entry catalogue, for one scenario, for a year.")
        granted = client.execute(Authorise(AuthorisationTerms(
            operator=OPERATOR.address, catalogue_cid=keccak(text="公共数据目录 2026"), catalogue_entries=12,
            scenarios=(SCENARIO,), valid_until=now + YEAR, conditions_cid=keccak(text="运营行为规范"))), AUTHORITY)
        authorisation = next(e for e in granted.events if e.name == "AuthorisationGranted").args["authorisationId"]
        client.execute(ApproveScenario(authorisation, SCENARIO, keccak(text="场景审定意见")), AUTHORITY)

        print("The operator registers catalogue entry 3 and binds it; licenses two second-level operators.")
        source = client.register(registration(OPERATOR.address), OPERATOR).asset_ids[0]
        client.execute(BindAsset(authorisation, source, 3), OPERATOR)
        for licensee in (SECOND, BUYER):
            client.execute(License(authorisation, licensee.address, (SCENARIO,), now + YEAR // 2), OPERATOR)
        usage = client.execute(Grant(source, 2, GrantTerms(SECOND.address, valid_until=now + YEAR // 2,
                                                           purpose=SCENARIO)), OPERATOR).events[0].args["rightIndex"]

        print("The second-level operator derives a product from its usage right, and lists it on the exchange.")
        declared = registration(SECOND.address, (Source(source, usage),))
        product = client.register(declared, SECOND).asset_ids[0]
        request = ListingRequest(product, 3, "XMDE-2026-0007")
        consent = client.sign(ListingConsent(EXCHANGE.address, request), SECOND)
        listed = client.execute(ListProduct.with_consent(request, consent), EXCHANGE)
        listing = listed.events[0].args["listingId"]

        print("The exchange records a trade: a usage right in the product for the other licensed operator.")
        terms = GrantTerms(BUYER.address, valid_until=now + YEAR // 4, purpose=SCENARIO, territory="3502",
                           terms_cid=keccak(text="trade contract"))
        signed_grant = client.sign(Grant(product, 2, terms), SECOND)
        trade = TradeTerms(listing, BUYER.address, 2, contract_cid=terms.terms_cid, price_amount=8_800_000,
                           currency="CNY")
        acceptance = client.sign(TradeAcceptance(EXCHANGE.address, listing, keccak(signed_grant.signature),
                                                 trade.price_amount, trade.currency, trade.price_hash,
                                                 trade.contract_cid), BUYER)
        traded = client.execute(RecordTrade(trade, terms, TradeSignatures(
            signed_grant.deadline, signed_grant.signature, acceptance.deadline, acceptance.signature)), EXCHANGE)
        bought = next(e for e in traded.events if e.name == "TradeRecorded").args["rightIndex"]
        indexed(traded.block_number)

        print("\nBefore the revocation:")
        detail = http.get(f"/v1/assets/{product}").json()
        check(detail["public_data"]["authorisation_id"] == authorisation,
              f"the product carries authorisation {authorisation} (lineage)")
        check(all(r["valid"] for r in detail["rights"]), "every right over the product is valid")
        check(http.get(f"/v1/listings/{listing}").json()["valid"], f"listing {listing} is valid")

        print("\nThe authority revokes the authorisation (data security incident).")
        revoked = client.execute(RevokeAuthorisation(authorisation, 2, keccak(text="事件报告")), AUTHORITY)
        indexed(revoked.block_number)

        print("\nAfter the revocation:")
        registry = client.w3.eth.contract(stack.deployment.contracts["DataRegistry"], abi=client.contract.abi)
        for asset_id, index in ((source, 1), (source, usage), (product, 3), (product, bought)):
            validity = registry.functions.rightValidity(bytes.fromhex(asset_id[2:]), index).call()[0]
            check(validity == 7, f"on chain: right {index} of {asset_id[:10]}… is AuthorisationLapsed")
        shown = http.get(f"/v1/listings/{listing}").json()
        check(not shown["valid"] and shown["invalid_reason"] == "authorisation_lapsed",
              f"listing {listing} not valid, reason {shown['invalid_reason']}")
        for asset_id in (source, product):
            detail = http.get(f"/v1/assets/{asset_id}").json()
            reasons = {r["invalid_reason"] for r in detail["rights"]}
            check(reasons == {"authorisation_revoked"}, f"{asset_id[:10]}…: every right lapsed ({reasons})")
            remark = next((r for r in detail["legal_status"]["remarks"] if r["type"] == "authorisation_lapsed"), None)
            check(remark is not None and remark["revocation_reason"]["key"] == "security_incident",
                  f"{asset_id[:10]}…: legal status says {detail['legal_status']['text_en']!r}")
        verified = http.post("/v1/verify", json={"sha256": "0x" + declared.content_hash.hex()})
        check(verified.status_code == 200 and "authorisation_lapsed" in verified.text,
              "POST /v1/verify of the product's data reports the lapsed authorisation")
        print("\nPublic-data demo: every check held.")


if __name__ == "__main__":
    main()
