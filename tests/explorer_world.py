"""A small but complete world for the web explorer's browser tests (and for looking at the explorer by hand):
participants, a registered source asset with grants, sub-grants, a revocation, a transfer, listings on two
exchanges, a certificate, a pledge and an appraisal, and a derived product under a freeze.

Run by hand: `.venv/bin/python tests/explorer_world.py` starts a private stack, builds the world and prints
the explorer's address until Ctrl-C.
"""
from __future__ import annotations

import copy
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account

from registry.chain.operations import (
    AcceptApplication,
    AddParticipant,
    ApplyForRegistration,
    Appraise,
    CompleteRegistration,
    ConfigureRegistrar,
    Engage,
    Freeze,
    Grant,
    GrantTerms,
    ListingConsent,
    ListingPolicy,
    ListingRequest,
    ListProduct,
    Qualify,
    RecordPledge,
    ReviewApplication,
    Revoke,
    SetListingPolicy,
    SetPublicityPeriod,
    Transfer,
)
from registry.chain.types import RightKind, Source
from registry.devchain import DEPLOYER_ACCOUNT, dev_key
from registry.metadata import canonical_bytes, parse_metadata
from registry.prepare import prepare_registration

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
DAY = 86_400
PUBLICITY = 5 * DAY
ZERO = bytes(32)

EXCHANGE_A = "上海数据交易所"
EXCHANGE_B = "深圳数据交易所"


@dataclass
class World:
    source: str  # asset id of the registered source data (traffic flow)
    source_file: Path  # its data, to drop on the verify page
    source_sha256: str
    derived: str  # asset id of the product derived from it
    certificate: str  # the source's certificate number
    alice: str  # registrant of the source
    bob: str  # usage grantee, operating right holder, registrant of the derived product
    carol: str  # sub-grantee
    exchange_a: str
    exchange_b: str
    listing: int
    cross_listing: int
    appraiser: str = ""  # qualified (licence PG-35-0001), appraised the source under alice's engagement


def _step(s, operation, account):
    result = s.client.execute(operation, account)
    s.wait_block(result.block_number)
    return result


def _register(s, data: Path, document, owner, sources=()) -> str:
    s.http.post("/v1/metadata", json=json.loads(canonical_bytes(document))).raise_for_status()
    prepared = prepare_registration(data, document, owner.address, [(owner.address, k) for k in RightKind],
                                    sources=sources)
    result = s.client.register(prepared.registration, owner)
    s.wait_block(result.block_number)
    return result.asset_ids[0]


def build_world(s, work: Path) -> World:
    """Builds the world on `s` (a tests.conftest.Stack on an anvil of its own: it moves the chain's clock)."""
    accounts = s.accounts
    alice, bob, carol = accounts[1], accounts[2], accounts[3]
    exchange_a, exchange_b, registrar, regulator, appraiser = accounts[4], accounts[5], accounts[6], accounts[7], \
        accounts[0]
    admin = Account.from_key(dev_key(DEPLOYER_ACCOUNT))
    for account, role, name, code in [
        (exchange_a, "exchange", EXCHANGE_A, "91310000MA1FL70B7K"),
        (exchange_b, "exchange", EXCHANGE_B, "91440300MA5H1WXX6U"),
        (registrar, "registrar", "福建省数据资产登记中心", "12350000MB1234567X"),
        (regulator, "regulator", "福建省数据管理局", "11350000MB0000001A"),
        (appraiser, "appraiser", "厦门数据资产评估有限公司", "91350200MA8ABCDE1F"),
    ]:
        s.client.execute(AddParticipant(account.address, role, name, code), admin)
    s.client.execute(Qualify(appraiser.address, "licence", issuer="福建省财政厅", number="PG-35-0001",
                             scope="数据资产评估", document_cid=bytes([6]) * 32), admin)
    for exchange in (exchange_a, exchange_b):  # the world lists before certificates
        s.client.execute(SetListingPolicy(ListingPolicy(allow_uncertified=True)), exchange)
    s.client.execute(ConfigureRegistrar(registrar.address, "35", "A"), admin)
    _step(s, SetPublicityPeriod(PUBLICITY), admin)

    work.mkdir(parents=True, exist_ok=True)
    source_file = work / "traffic-flow.csv"
    shutil.copyfile(EXAMPLES / "traffic-flow.csv", source_file)
    document = parse_metadata((EXAMPLES / "traffic-flow.json").read_text())
    source = _register(s, source_file, document, alice)

    year = s.chain_time() + 365 * DAY
    usage = _step(s, Grant(source, 2, GrantTerms(bob.address, valid_until=year, sub_grantable=True,
                                                 purpose="交通规划研究", territory="3502", quantity=100_000,
                                                 terms_cid=bytes([7]) * 32)), alice).events[0].args["rightIndex"]
    _step(s, Grant(source, usage, GrantTerms(carol.address, valid_until=year - DAY, purpose="商圈客流分析",
                                             territory="350203")), bob)
    revoked = _step(s, Grant(source, 2, GrantTerms(carol.address, purpose="模型训练")), alice) \
        .events[0].args["rightIndex"]
    _step(s, Revoke(source, revoked, 1, bytes([9]) * 32), alice)
    operating = _step(s, Grant(source, 3, GrantTerms(bob.address, transferable=True, purpose="数据产品经营")),
                      alice).events[0].args["rightIndex"]

    request = ListingRequest(source, operating, "SDE-2026-0001")
    consent = s.client.sign(ListingConsent(exchange_a.address, request), bob)
    listing = _step(s, ListProduct.with_consent(request, consent),
                    exchange_a).events[0].args["listingId"]
    cross = ListingRequest(source, operating, "SZDE-88", origin_listing_id=listing)
    consent = s.client.sign(ListingConsent(exchange_b.address, cross), bob)
    cross_listing = _step(s, ListProduct.with_consent(cross, consent),
                          exchange_b).events[0].args["listingId"]

    # A product derived from the source under bob's usage right.
    derived_doc = json.loads((EXAMPLES / "retail-footfall-derived.json").read_text())
    derived_doc = copy.deepcopy(derived_doc)
    derived_doc["sources"] = [source]
    for right in derived_doc.get("rights", []):
        right["address"] = bob.address
    derived_file = work / "retail-footfall.csv"
    shutil.copyfile(EXAMPLES / "retail-footfall.csv", derived_file)
    derived = _register(s, derived_file, parse_metadata(derived_doc), bob, sources=(Source(source, usage),))

    # The registration procedure up to the certificate, then a pledge and an appraisal of the source.
    _step(s, ApplyForRegistration(source, registrar.address, bytes([1]) * 32), alice)
    _step(s, AcceptApplication(source), registrar)
    _step(s, ReviewApplication(source, True, 0, ZERO), registrar)
    s.advance_time(PUBLICITY + 1)
    _step(s, CompleteRegistration(source, 5), registrar)
    _step(s, RecordPledge(source, "ZD20261121000088", bob.address), registrar)
    engagement = _step(s, Engage(appraiser.address, source, 1, bytes([8]) * 32), alice).events[0].args[
        "engagementId"]
    _step(s, Appraise(source, engagement, 120_000_000, s.chain_time() - DAY, "market", basis="数据资产评估指导意见",
                      method="收益法", conclusion="评估值 120 万元", report_cid=bytes([5]) * 32), appraiser)
    # Carol takes over part of the holding of the derived product, then a regulator freezes it.
    _step(s, Grant(derived, 1, GrantTerms(carol.address, transferable=True, purpose="托管")), bob)
    carol_right = _step(s, Grant(derived, 2, GrantTerms(alice.address, transferable=True)), bob).events[0].args[
        "rightIndex"]
    _step(s, Transfer(derived, carol_right, carol.address), alice)
    _step(s, Freeze(derived, "(2026)闽0203执保88号", bytes([4]) * 32), regulator)

    certificate = s.http.get(f"/v1/assets/{source}/registration").json()["certificate_number"]
    detail = s.wait_indexed(source)
    return World(source=source, source_file=source_file, source_sha256=detail["content_hash"], derived=derived,
                 certificate=certificate, alice=alice.address, bob=bob.address, carol=carol.address,
                 exchange_a=exchange_a.address, exchange_b=exchange_b.address, listing=listing,
                 cross_listing=cross_listing, appraiser=appraiser.address)


if __name__ == "__main__":  # a stack to look at by hand
    import signal
    import sys
    import tempfile
    import time

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # `kill` stops anvil too, as Ctrl-C does

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from conftest import running_stack

    from registry.devchain import free_port, start_anvil, stop

    port = free_port()
    anvil = start_anvil(port)
    try:
        with tempfile.TemporaryDirectory() as tmp, running_stack(f"http://127.0.0.1:{port}", Path(tmp)) as st:
            world = build_world(st, Path(tmp) / "files")
            print(json.dumps({k: str(v) for k, v in world.__dict__.items()}, indent=1, ensure_ascii=False))
            print(f"explorer: {st.api_url}/", flush=True)
            while True:
                time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        stop(anvil)
