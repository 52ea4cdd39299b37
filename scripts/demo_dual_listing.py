"""Dual listing (双向挂牌) and trading (交易存证) between two exchanges, each with its own API instance and database
over one chain.

Exchange A lists a data product with the consent of the holder of its operating right; exchange B cross-lists it,
referencing A's listing, with the holder's consent for B. Each exchange records a trade on its own listing (the
seller's grant of a usage right and the buyer's acceptance, both signed offline), delivers and settles it. Then the
grantor revokes the holder's operating right. Both APIs must show both listings invalid, saying why.

Each exchange registers a webhook with its own API, received by a small HTTP server in this script, which verifies
every delivery's signature and logs each entry once (the cursor is the idempotency key: an entry may come twice).
Each exchange also pulls its feed with its signed request, as a catalogue would (apply each change, remember the
cursor), even though B's indexer is killed and restarted along the way. At the end: every entry came exactly once
by both routes, each exchange's trades are in its feed (and no other's, and not in the public feed), and each
exchange's catalogue rebuilt from its webhook's entries equals GET /v1/listings.

Run: .venv/bin/python scripts/demo_dual_listing.py   (exit status 0 when every check holds)
"""
from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from eth_account import Account
from eth_utils import keccak

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.webhooks import verify_signature  # noqa: E402
from registry.chain import read_request  # noqa: E402
from registry.chain.client import Chain, RegistryClient  # noqa: E402
from registry.chain.operations import (  # noqa: E402
    AddParticipant,
    Grant,
    GrantTerms,
    ListingConsent,
    ListingPolicy,
    ListingRequest,
    ListProduct,
    RecordDelivery,
    RecordTrade,
    Revoke,
    SetListingPolicy,
    SetSettlement,
    SetTradeCode,
    TradeAcceptance,
    TradeSignatures,
    TradeTerms,
)
from registry.chain.types import Registration, RightKind  # noqa: E402
from registry.devchain import DEPLOYER_ACCOUNT, LocalStack, dev_key  # noqa: E402

ADMIN, ALICE, BOB, CAROL, DAVE, EXCHANGE_A, EXCHANGE_B = (Account.from_key(dev_key(i))
                                                          for i in (DEPLOYER_ACCOUNT, 1, 2, 3, 7, 4, 5))
DAY = 86_400


class Receiver:
    """An exchange's webhook endpoint: verifies each delivery's signature and logs each entry once, by its cursor
    (the idempotency key: a retried entry is acknowledged again and not applied twice)."""

    def __init__(self, name: str) -> None:
        self.name, self.secret = name, ""
        self.entries: dict[str, dict] = {}  # cursor -> entry, in the order first received
        self.deliveries = 0
        self.bad_signatures = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if not verify_signature(receiver.secret, self.headers.get("DataReg-Signature", ""), body):
                    receiver.bad_signatures += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                entry = json.loads(body)
                with receiver.lock:
                    receiver.deliveries += 1
                    if self.headers["DataReg-Cursor"] not in receiver.entries:
                        receiver.entries[self.headers["DataReg-Cursor"]] = entry
                        what = (f"trade {entry['trade_number']} {entry['change']} ({entry['status']})"
                                if entry.get("trade_number") else f"listing {entry['listing_id']} {entry['change']}")
                        print(f"  {receiver.name} webhook [{entry['cursor']}] {what}", flush=True)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/datareg"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def catalogue(self, exchange: str) -> dict[int, tuple[str, bool, str | None]]:
        """The exchange's own listings, rebuilt from the entries received: each listing's last change (trade
        entries are not listing changes; cross-listings of its listings are other exchanges')."""
        listings: dict[int, tuple[str, bool, str | None]] = {}
        with self.lock:
            for entry in self.entries.values():
                if not entry.get("trade_number") and entry["exchange"] == exchange:
                    listings[entry["listing_id"]] = (entry["status"], entry["valid"], entry["reason"])
        return listings


class Catalogue:
    """An exchange's local copy of its listings, kept in sync from its API's feed as an exchange would."""

    def __init__(self, name: str, api_url: str, account: Account) -> None:
        self.name, self.account, self.exchange = name, account, account.address
        self.trades: list[dict] = []
        self.http = httpx.Client(base_url=api_url, timeout=30)
        self.cursor = "0"
        self.listings: dict[int, dict] = {}
        self.applied: list[str] = []

    def signed(self, account: Account, method: str, path: str) -> dict[str, str]:
        """A signed read request as `account` (the exchange's own feed, its webhooks)."""
        status = self.http.get("/v1/status").json()
        return {"Authorization": read_request.sign(account, read_request.resource_of(method, path),
                                                   status["chain_id"], status["contracts"]["DataRegistry"])}

    def sync(self) -> list[dict]:
        """The exchange's own feed (its trades too), read with its signed request."""
        path = "/v1/listings/feed"
        page = self.http.get(path, params={"exchange": self.exchange, "after": self.cursor},
                             headers=self.signed(self.account, "GET", path)).json()
        for change in page["data"]:
            self.applied.append(change["cursor"])
            if change.get("trade_number"):
                self.trades.append(change)
                print(f"  {self.name} feed [{change['cursor']}] trade {change['trade_number']}: {change['change']} "
                      f"({change['status']})")
                continue
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


def trade(client: RegistryClient, asset: str, listing_id: int, parent: int, seller: Account, buyer: Account,
          exchange: Account, contract: bytes, **price: object) -> tuple[int, int]:
    """The seller grants the buyer a usage right from its own, the buyer accepts it with the price and the
    contract (both sign offline), the exchange records the trade: (year, serial)."""
    now = client.w3.eth.get_block("latest")["timestamp"]
    terms = GrantTerms(buyer.address, valid_until=now + 180 * DAY, purpose="交通规划研究", territory="全国",
                       terms_cid=contract)
    grant = client.sign(Grant(asset, parent, terms), seller)
    deal = TradeTerms(listing_id, buyer.address, parent, contract_cid=contract, **price)  # type: ignore[arg-type]
    acceptance = client.sign(TradeAcceptance(exchange.address, listing_id, keccak(grant.signature), deal.price_amount,
                                             deal.currency, deal.price_hash, contract), buyer)
    recorded = client.execute(RecordTrade(deal, terms, TradeSignatures(grant.deadline, grant.signature,
                                                                       acceptance.deadline, acceptance.signature)),
                              exchange)
    args = next(e for e in recorded.events if e.name == "TradeRecorded").args
    return args["year"], args["serial"]


def wait_for(condition, what: str, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"FAIL {what}: not after {timeout} s")
        time.sleep(0.1)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, LocalStack(Path(tmp) / "exchange-a") as a, \
            LocalStack(Path(tmp) / "exchange-b", chain_of=a) as b:
        client = RegistryClient(Chain(a.rpc_url, a.deployment))
        cat_a, cat_b = Catalogue("A", a.api_url, EXCHANGE_A), Catalogue("B", b.api_url, EXCHANGE_B)
        hook_a, hook_b = Receiver("A"), Receiver("B")
        print(f"One chain ({a.rpc_url}); exchange A's API {a.api_url}, exchange B's API {b.api_url}, "
              "each with its own database.\n")

        print("The council admits two exchanges; each sets its trade code and registers a webhook with its API.")
        client.execute(AddParticipant(EXCHANGE_A.address, "exchange", "上海数据交易所", "91310000MA1FL70B7K"), ADMIN)
        admitted = client.execute(
            AddParticipant(EXCHANGE_B.address, "exchange", "深圳数据交易所", "91440300MA5H1WXX6U"), ADMIN)
        for exchange in (EXCHANGE_A, EXCHANGE_B):  # the demo's product has no registration certificate
            client.execute(SetListingPolicy(ListingPolicy(allow_uncertified=True)), exchange)
        client.execute(SetTradeCode("SHDE"), EXCHANGE_A)
        client.execute(SetTradeCode("SZDE"), EXCHANGE_B)
        for catalogue, hook in ((cat_a, hook_a), (cat_b, hook_b)):
            catalogue.wait_indexed(admitted.block_number)
            made = catalogue.http.post("/v1/webhooks", json={"url": hook.url},
                                       headers=catalogue.signed(catalogue.account, "POST", "/v1/webhooks"))
            check(made.status_code == 201, f"{catalogue.name} registered its webhook ({made.status_code})")
            hook.secret = made.json()["secret"]

        print("\nAlice registers a product and grants Bob its operating right and a usage right he may sub-grant.")
        asset = client.register(Registration(os.urandom(32), os.urandom(32), os.urandom(32), holders=(
            Registration.merge_holders([(ALICE.address, k) for k in RightKind]))), ALICE).asset_ids[0]
        until = client.w3.eth.get_block("latest")["timestamp"] + 365 * DAY
        operating = client.execute(Grant(asset, 3, GrantTerms(BOB.address, valid_until=until, purpose="数据产品经营",
                                                                territory="全国")), ALICE).events[0].args["rightIndex"]
        usage = client.execute(Grant(asset, 2, GrantTerms(BOB.address, valid_until=until, sub_grantable=True,
                                                            purpose="数据产品经营", territory="全国")),
                               ALICE).events[0].args["rightIndex"]

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

        print("\nA trade on each exchange: Bob sells Carol a usage right on A (public price), Dave on B "
              "(confidential);")
        print("each exchange records delivery and settles.")
        year_a, serial_a = trade(client, asset, listing_a, usage, BOB, CAROL, EXCHANGE_A, keccak(text="contract A"),
                                 price_amount=88_000_00, currency="CNY")
        client.execute(RecordDelivery(year_a, serial_a, keccak(text="delivery A")), EXCHANGE_A)
        client.execute(SetSettlement(year_a, serial_a, "settled"), EXCHANGE_A)
        year_b, serial_b = trade(client, asset, listing_b, usage, BOB, DAVE, EXCHANGE_B, keccak(text="contract B"),
                                 price_hash=keccak(text="66000.00 CNY, salt"))
        client.execute(RecordDelivery(year_b, serial_b, keccak(text="delivery B")), EXCHANGE_B)
        settled = client.execute(SetSettlement(year_b, serial_b, "settled"), EXCHANGE_B)
        number_a, number_b = f"SHDEJY{year_a:04d}{serial_a:06d}", f"SZDEJY{year_b:04d}{serial_b:06d}"
        for catalogue in (cat_a, cat_b):
            catalogue.wait_indexed(settled.block_number)
            catalogue.sync()

        print("\nBoth venues show one product at two venues, and both trades:")
        for catalogue in (cat_a, cat_b):
            product = catalogue.http.get(f"/v1/assets/{asset}").json()
            check({l["listing_id"] for l in product["listings"] if l["valid"]} == {listing_a, listing_b},
                  f"{catalogue.name}'s API shows listings {listing_a} (A) and {listing_b} (B, cross-listing) as valid")
            shown = {t["number"]: t for t in catalogue.http.get("/v1/trades", params={"asset": asset}).json()["data"]}
            check(set(shown) == {number_a, number_b} and all(t["settlement"] == "settled" for t in shown.values()),
                  f"{catalogue.name}'s API shows trades {number_a} and {number_b}, settled")
            check(shown[number_a]["buyer"] == CAROL.address and shown[number_b]["price_hash"] is not None,
                  f"{catalogue.name}'s API: Carol bought on A at a public price, Dave on B at a committed one")

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

        print("\nEach feed delivered every change exactly once (the public feed: listing changes only):")
        expected = {"A": [(listing_a, "listed"), (listing_b, "listed"), (listing_a, "became_invalid"),
                          (listing_b, "became_invalid")],
                    "B": [(listing_b, "listed"), (listing_b, "became_invalid")]}
        trades = {"A": (number_a, CAROL.address), "B": (number_b, DAVE.address)}
        for catalogue in (cat_a, cat_b):
            public = catalogue.http.get("/v1/listings/feed", params={"exchange": catalogue.exchange}).json()["data"]
            path = "/v1/listings/feed"
            own = catalogue.http.get(path, params={"exchange": catalogue.exchange},
                                     headers=catalogue.signed(catalogue.account, "GET", path)).json()["data"]
            check(len(catalogue.applied) == len(set(catalogue.applied)), f"{catalogue.name}: no change applied twice")
            check([(c["listing_id"], c["change"]) for c in public] == expected[catalogue.name],
                  f"{catalogue.name}: the public feed is {[c['change'] for c in public]}")
            check([c for c in own if not c["trade_number"]] == public,
                  f"{catalogue.name}: its signed feed holds the public feed's listing changes, with their cursors")
            number, buyer = trades[catalogue.name]
            check([(c["trade_number"], c["change"]) for c in own if c["trade_number"]] ==
                  [(number, "trade_recorded"), (number, "trade_delivered"), (number, "trade_settlement_changed")]
                  and all(c["buyer"] == buyer and c["seller"] == BOB.address for c in own if c["trade_number"]),
                  f"{catalogue.name}: its signed feed holds its own trade {number} (recorded, delivered, settled), "
                  "no other exchange's")
            check(catalogue.applied == [c["cursor"] for c in own], f"{catalogue.name}: none missed")
            check(all(not c["valid"] for c in catalogue.listings.values()),
                  f"{catalogue.name}'s catalogue now marks its listings not valid")

        print("\nEach webhook received every entry of its exchange's feed, once each, signed:")
        for catalogue, hook in ((cat_a, hook_a), (cat_b, hook_b)):
            wanted = catalogue.applied
            wait_for(lambda wanted=wanted, hook=hook: set(wanted) <= set(hook.entries),  # type: ignore[misc]
                     f"{hook.name}'s webhook receiving every entry")
            time.sleep(1)  # anything more would come now
            check(list(hook.entries) == wanted, f"{hook.name}'s webhook logged {len(wanted)} entries, each once, in "
                                                f"feed order ({hook.deliveries} deliveries)")
            check(hook.bad_signatures == 0, f"{hook.name}: every delivery's DataReg-Signature verified")
            listings = catalogue.http.get("/v1/listings", params={"exchange": catalogue.exchange, "limit": 100}).json()
            rebuilt = hook.catalogue(catalogue.exchange)
            live = {l["listing_id"]: (l["status"], l["valid"], l["invalid_reason"]) for l in listings["data"]}
            check(rebuilt == live, f"{hook.name}'s catalogue rebuilt from its webhook's entries equals GET "
                                   f"/v1/listings?exchange= ({len(live)} listing(s))")
        print("\nDual listing and trading demo: every check held.")


if __name__ == "__main__":
    main()
