"""Dual listing (双向挂牌) between two exchanges, each with its own API instance and database over one chain.

Exchange A lists a data product with the consent of the holder of its operating right; exchange B
cross-lists it, referencing A's listing, with the holder's consent for B. Then the grantor revokes the
holder's operating right. Both APIs must show both listings invalid, saying why, and each exchange's
change feed (consumed as an exchange would: apply each change, remember the cursor) must have delivered
every change exactly once, even though B's indexer is killed and restarted along the way.

Run: .venv/bin/python scripts/demo_dual_listing.py   (exit status 0 when every check holds)
"""
from __future__ import annotations

import signal
import sys
import tempfile
import time
from pathlib import Path

import httpx
from eth_account import Account

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from registry.chain.client import Chain, RegistryClient  # noqa: E402
from registry.chain.operations import (  # noqa: E402
    AddParticipant,
    Grant,
    GrantTerms,
    ListingConsent,
    ListingPolicy,
    ListingRequest,
    ListProduct,
    Revoke,
    SetListingPolicy,
)
from registry.chain.types import Registration, RightKind  # noqa: E402
from registry.devchain import DEPLOYER_ACCOUNT, LocalStack, dev_key  # noqa: E402

ADMIN, ALICE, BOB, EXCHANGE_A, EXCHANGE_B = (Account.from_key(dev_key(i)) for i in (DEPLOYER_ACCOUNT, 1, 2, 4, 5))


class Catalogue:
    """An exchange's local copy of its listings, kept in sync from its API's feed as an exchange would."""

    def __init__(self, name: str, api_url: str, exchange: str) -> None:
        self.name, self.exchange = name, exchange
        self.http = httpx.Client(base_url=api_url, timeout=30)
        self.cursor = 0
        self.listings: dict[int, dict] = {}
        self.applied: list[int] = []

    def sync(self) -> list[dict]:
        page = self.http.get("/v1/listings/feed", params={"exchange": self.exchange, "after": self.cursor}).json()
        for change in page["data"]:
            self.applied.append(change["cursor"])
            self.listings[change["listing_id"]] = change
            print(f"  {self.name} feed [{change['cursor']}] listing {change['listing_id']}: {change['change']} "
                  f"({change['status']}, {'valid' if change['valid'] else 'not valid: ' + str(change['reason'])})")
        self.cursor = page["next_cursor"]
        return page["data"]

    def wait_indexed(self, block: int) -> None:
        deadline = time.monotonic() + 20
        while (self.http.get("/v1/status").json()["indexed_block"] or 0) < block:
            if time.monotonic() > deadline:
                raise SystemExit(f"{self.name}'s index did not reach block {block}")
            time.sleep(0.05)


def check(condition: bool, what: str) -> None:
    print(f"  {'ok  ' if condition else 'FAIL'} {what}")
    if not condition:
        raise SystemExit(1)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, LocalStack(Path(tmp) / "exchange-a") as a, \
            LocalStack(Path(tmp) / "exchange-b", chain_of=a) as b:
        client = RegistryClient(Chain(a.rpc_url, a.deployment))
        cat_a, cat_b = Catalogue("A", a.api_url, EXCHANGE_A.address), Catalogue("B", b.api_url, EXCHANGE_B.address)
        print(f"One chain ({a.rpc_url}); exchange A's API {a.api_url}, exchange B's API {b.api_url}, "
              "each with its own database.\n")

        print("The council admits two exchanges; Alice registers a product and grants Bob its operating right.")
        client.execute(AddParticipant(EXCHANGE_A.address, "exchange", "上海数据交易所", "91310000MA1FL70B7K"), ADMIN)
        client.execute(AddParticipant(EXCHANGE_B.address, "exchange", "深圳数据交易所", "91440300MA5H1WXX6U"), ADMIN)
        for exchange in (EXCHANGE_A, EXCHANGE_B):  # the demo's product has no registration certificate
            client.execute(SetListingPolicy(ListingPolicy(allow_uncertified=True)), exchange)
        import os

        asset = client.register(Registration(os.urandom(32), os.urandom(32), os.urandom(32), holders=(
            Registration.merge_holders([(ALICE.address, k) for k in RightKind]))), ALICE).asset_ids[0]
        terms = GrantTerms(BOB.address, valid_until=client.w3.eth.get_block("latest")["timestamp"] + 365 * 86_400,
                           purpose="数据产品经营", territory="全国")
        operating = client.execute(Grant(asset, 3, terms), ALICE).events[0].args["rightIndex"]

        print("\nBob consents (signing offline) to A listing it; A lists.")
        request_a = ListingRequest(asset, operating, "SDE-2026-000123")
        consent = client.sign(ListingConsent(EXCHANGE_A.address, request_a), BOB)
        listed = client.execute(ListProduct.with_consent(request_a, consent), EXCHANGE_A)
        listing_a = listed.events[0].args["listingId"]

        print("Bob consents to B cross-listing A's listing; B cross-lists.")
        request_b = ListingRequest(asset, operating, "SZDE-88-0042", origin_listing_id=listing_a)
        consent = client.sign(ListingConsent(EXCHANGE_B.address, request_b), BOB)
        crossed = client.execute(ListProduct.with_consent(request_b, consent), EXCHANGE_B)
        listing_b = crossed.events[0].args["listingId"]
        for catalogue in (cat_a, cat_b):
            catalogue.wait_indexed(crossed.block_number)
            catalogue.sync()

        print("\nBoth venues show one product at two venues:")
        for catalogue in (cat_a, cat_b):
            product = catalogue.http.get(f"/v1/assets/{asset}").json()
            check({l["listing_id"] for l in product["listings"] if l["valid"]} == {listing_a, listing_b},
                  f"{catalogue.name}'s API shows listings {listing_a} (A) and {listing_b} (B, cross-listing) as valid")

        print("\nB's indexer is killed (SIGKILL) and restarted; then Alice revokes Bob's operating right.")
        indexer_b = b.processes[0]
        indexer_b.send_signal(signal.SIGKILL)
        indexer_b.wait()
        b.processes.remove(indexer_b)
        revoked = client.execute(Revoke(asset, operating, 1, os.urandom(32)), ALICE)
        b.start_indexer()
        for catalogue in (cat_a, cat_b):
            catalogue.wait_indexed(revoked.block_number)
            catalogue.sync()
            catalogue.sync()  # syncing again delivers nothing new

        print("\nBoth APIs show both listings invalid, with the reason:")
        for catalogue in (cat_a, cat_b):
            for listing_id in (listing_a, listing_b):
                shown = catalogue.http.get(f"/v1/listings/{listing_id}").json()
                check(not shown["valid"] and shown["invalid_reason"] == "right_revoked",
                      f"{catalogue.name}'s API: listing {listing_id} not valid, reason {shown['invalid_reason']}")

        print("\nEach feed delivered every change exactly once:")
        expected = {"A": [(listing_a, "listed"), (listing_b, "listed"), (listing_a, "became_invalid"),
                          (listing_b, "became_invalid")],
                    "B": [(listing_b, "listed"), (listing_b, "became_invalid")]}
        for catalogue in (cat_a, cat_b):
            everything = catalogue.http.get("/v1/listings/feed", params={"exchange": catalogue.exchange}).json()["data"]
            check(len(catalogue.applied) == len(set(catalogue.applied)), f"{catalogue.name}: no change applied twice")
            check([(c["listing_id"], c["change"]) for c in everything] == expected[catalogue.name],
                  f"{catalogue.name}: the feed is {[c['change'] for c in everything]}")
            check(catalogue.applied == [c["cursor"] for c in everything], f"{catalogue.name}: none missed")
            check(all(not c["valid"] for c in catalogue.listings.values()),
                  f"{catalogue.name}'s catalogue now marks its listings not valid")
        print("\nDual listing demo: every check held.")


if __name__ == "__main__":
    main()
