"""`datareg audit --verify`, `datareg index check` and the evidence bundle, against a real anvil, indexer,
SQLite index and HTTP API: an untampered asset that went through the registration procedure, a listing, an
attestation, relayed and forwarded calls and a derivation verifies; each way of falsifying the index is
caught by both commands, which name the difference. Also: held_since and derived_from_this (issue 15)."""
from __future__ import annotations

import contextlib
import io
import json
from contextlib import contextmanager

import pytest
from eth_account import Account
from sqlalchemy import create_engine, text

from registry.chain.evidence import event_shapes, unindexed_asset_events
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
    ReleaseFreeze,
    Renew,
    ReviewApplication,
    Revoke,
    SetListingPolicy,
    SetPublicityPeriod,
    Transfer,
)
from registry.chain.types import Source
from registry.cli.main import main
from registry.devchain import DEPLOYER_ACCOUNT, dev_key
from tests.conftest import random_registration

DAY = 86_400
ZERO = bytes(32)
ADMIN = Account.from_key(dev_key(DEPLOYER_ACCOUNT))
ALL_KINDS = 0b111


@pytest.fixture(scope="module")
def world(private_stack):
    """One asset with every kind of history: registered by alice (1); a usage right granted to bob (2) by a
    relayed signature, transferred to carol (3), renewed, then revoked after carol derived an asset from it;
    a forwarded freeze and release by a regulator (7); a listing on an exchange (4); an appraisal (5); and the
    registration procedure through to a certificate (registrar 6)."""
    s = private_stack
    alice, bob, carol, exchange, appraiser, registrar, regulator = (s.accounts[i] for i in (1, 2, 3, 4, 5, 6, 7))
    participants = [(registrar, "registrar", "福建省数据登记中心"), (exchange, "exchange", "海峡数据交易所"),
                    (appraiser, "appraiser", "厦门数据资产评估有限公司"), (regulator, "regulator", "福建省网信办")]
    for account, role, name in participants:
        s.client.execute(AddParticipant(account.address, role, name, "91350000000000000X"), ADMIN)
    s.client.execute(Qualify(appraiser.address, "licence", issuer="福建省财政厅", number="PG-35-0001"), ADMIN)
    s.client.execute(ConfigureRegistrar(registrar.address, "35", "A"), ADMIN)
    s.client.execute(SetPublicityPeriod(5 * DAY), ADMIN)
    # It lists before the certificate.
    s.client.execute(SetListingPolicy(ListingPolicy(allow_uncertified=True)), exchange)

    def step(operation, account):
        result = s.client.execute(operation, account)
        s.wait_block(result.block_number)
        return result

    def relay(signed):
        response = s.http.post(f"/v1/relay/{signed.operation.name}", json={
            "signer": signed.signer, "deadline": signed.deadline, "signature": "0x" + signed.signature.hex(),
            "operation": signed.operation.to_json()})
        assert response.status_code == 200, response.text
        s.wait_block(response.json()["block_number"])
        return response.json()

    asset = s.client.register(random_registration([(alice.address, ALL_KINDS)]), alice).asset_ids[0]
    until = s.chain_time() + 30 * DAY
    granted = relay(s.client.sign(Grant(asset, 2, GrantTerms(bob.address, valid_until=until, transferable=True,
                                                                purpose="交通规划研究")), alice))
    usage = next(e for e in granted["events"] if e["name"] == "RightGranted")["args"]["rightIndex"]
    transferred = step(Transfer(asset, usage, carol.address), bob)
    step(Renew(asset, usage, until + 30 * DAY), alice)
    derived = s.client.register(random_registration([(carol.address, ALL_KINDS)], sources=[Source(asset, usage)]),
                                carol).asset_ids[0]
    revoked = step(Revoke(asset, usage, 1), alice)
    relay(s.client.sign_forwarded(Freeze(asset, "(2026)闽0203执保88号", bytes([4]) * 32), regulator))
    step(ReleaseFreeze(asset, 1, ZERO), regulator)
    request = ListingRequest(asset, 3, "HX-AUDIT-1")
    consent = s.client.sign(ListingConsent(exchange.address, request), alice)
    listed = step(ListProduct.with_consent(request, consent), exchange)
    listing = next(e for e in listed.events if e.name == "Listed").args["listingId"]
    engagement = step(Engage(appraiser.address, asset), alice).events[0].args["engagementId"]
    step(Appraise(asset, engagement, 120_000_000, s.chain_time() - DAY, "market", method="收益法"), appraiser)
    step(ApplyForRegistration(asset, registrar.address, bytes([1]) * 32), alice)
    step(AcceptApplication(asset), registrar)
    step(ReviewApplication(asset, True, 0, ZERO), registrar)
    s.advance_time(5 * DAY + 1)
    done = step(CompleteRegistration(asset, 5), registrar)
    s.wait_block(s.client.w3.eth.block_number)
    return dict(s=s, asset=asset, derived=derived, usage=usage, listing=listing, alice=alice, bob=bob, carol=carol,
                granted_block=granted["block_number"], transferred_block=transferred.block_number,
                revoked_block=revoked.block_number, listed_block=listed.block_number, last_block=done.block_number,
                engine=create_engine(s.settings.database_url))


def test_every_event_that_names_an_asset_indexes_it():
    """The audit finds an asset's events by the topics that carry its id (ASSET_TOPICS): an event the
    contracts add is covered if and only if it indexes its asset id, which this holds them to."""
    assert unindexed_asset_events() == []
    shapes = {(s.contract, s.name): s for s in event_shapes()}
    assert shapes[("ListingRegistry", "Listed")].indexed["assetId"] == 2
    assert shapes[("DataRegistry", "AssetDerived")].indexed["sourceAssetId"] == 2


def datareg(world, monkeypatch, *argv: str) -> tuple[int, str, str]:
    """Runs `datareg ARGV` in this process (as a user would run it, with the stack's settings): (exit code,
    stdout, stderr)."""
    s = world["s"]
    for name, value in (("DATAREG_RPC_URL", s.rpc_url), ("DATAREG_API_URL", s.api_url),
                        ("DATAREG_DATA_DIR", str(s.settings.data_dir)),
                        ("DATAREG_DATABASE_URL", s.settings.database_url),
                        ("DATAREG_DEPLOYMENT", str(s.settings.deployment_file))):
        monkeypatch.setenv(name, value)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exit_:
            code = exit_.code
    return code, out.getvalue(), err.getvalue()


def test_audit_verifies_an_untampered_asset_with_procedure_listing_and_attestation(world, monkeypatch):
    """Failed on the old code: every RegistrationOffice, ListingRegistry and AttestationRegistry event was a
    difference ("no log of the registry contract at that index"), exit 2."""
    code, out, err = datareg(world, monkeypatch, "audit", world["asset"], "--verify")
    assert code == 0, out + err
    assert out.splitlines()[0].startswith("VERIFIED: complete")
    code, out, _ = datareg(world, monkeypatch, "--json", "audit", world["asset"], "--verify")
    report = json.loads(out)["verification"]
    names = {e["event"] for e in json.loads(out)["events"]}
    assert {"Registered", "ReviewPassed", "Listed", "Attested", "AssetFrozen", "RightTransferred"} <= names
    assert report["events_checked"] == len(json.loads(out)["events"]) and report["differences"] == []
    assert report["state_checked"]["rights"] == 4 and report["state_checked"]["registration"] == 1
    code, out, _ = datareg(world, monkeypatch, "index", "check")
    assert code == 0 and "No differences." in out


def test_audit_formats(world, monkeypatch):
    code, out, err = datareg(world, monkeypatch, "audit", world["asset"], "--verify", "--format", "csv")
    assert code == 0 and out.splitlines()[0].endswith(",verified") and err.startswith("VERIFIED")
    assert all(line.endswith(",yes") for line in out.splitlines()[1:])
    code, out, _ = datareg(world, monkeypatch, "audit", world["asset"], "--verify", "--format", "html")
    assert code == 0 and out.startswith("<!DOCTYPE html>") and "<h1>VERIFIED: complete" in out


@pytest.mark.parametrize("argv, says", [
    (["--verify", "--rpc", "http://127.0.0.1:9"], "Cannot read from the chain node at 'http://127.0.0.1:9'"),
    (["--check-bundle", "/nonexistent/bundle.json"], "Cannot read the bundle '/nonexistent/bundle.json'"),
    (["--verify", "--bundle", "/nonexistent/dir/out.json"], "Cannot write the bundle to '/nonexistent/dir/out.json'"),
])
def test_audit_that_cannot_check_exits_2_with_one_line(world, monkeypatch, argv, says):
    code, out, err = datareg(world, monkeypatch, "audit", world["asset"], *argv)
    assert code == 2 and says in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err, out + err


def test_audit_of_an_asset_nobody_knows_exits_2(world, monkeypatch):
    unknown = "0x" + "ab" * 32
    code, out, err = datareg(world, monkeypatch, "audit", unknown, "--verify")
    assert code == 2 and f"Asset '{unknown}' is neither on chain" in err, out + err


def test_source_history_shows_derivations_made_from_it(world):
    """Failed on the old code: a source's history had no entry for the AssetDerived event naming it."""
    history = world["s"].http.get(f"/v1/assets/{world['asset']}/history", params={"limit": 1000}).json()["data"]
    derivations = [e for e in history if e["action"] == "derived_from_this"]
    assert [(e["event"], e["asset_id"], e["details"]["sourceAssetId"]) for e in derivations] == [
        ("AssetDerived", world["derived"], world["asset"])]


def test_party_rights_held_since_is_the_transfer_not_the_renewal_or_revocation(world):
    """Failed on the old code: carol's right showed held_since_block of the revocation (the last version)."""
    rights = world["s"].http.get(f"/v1/parties/{world['carol'].address}/rights").json()
    [usage] = [r for r in rights if r["asset_id"] == world["asset"] and r["right_index"] == world["usage"]]
    assert usage["held_since_block"] == world["transferred_block"]
    assert usage["status"] == "revoked"
    bob = world["s"].http.get(f"/v1/parties/{world['bob'].address}/rights").json()
    [held] = [r for r in bob if r["asset_id"] == world["asset"]]
    assert (held["held_since_block"], held["held_until_block"]) == (world["granted_block"], world["transferred_block"])


@contextmanager
def tampered(world, statements: list[tuple[str, dict]]):
    """The index falsified by `statements` for the duration, then put back from a copy of the tables."""
    tables = ("events", "right_versions", "listings", "listing_changes")  # rights: a view of right_versions
    with world["engine"].begin() as conn:
        saved = {t: [dict(r) for r in conn.execute(text(f"SELECT * FROM {t}")).mappings()] for t in tables}
        for statement, params in statements:
            assert conn.execute(text(statement), params).rowcount > 0, statement
    try:
        yield
    finally:
        with world["engine"].begin() as conn:
            for table, rows in saved.items():
                conn.execute(text(f"DELETE FROM {table}"))
                columns = list(rows[0])
                conn.execute(text(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                                  f"({', '.join(':' + c for c in columns)})"), rows)


FORGED = "0x000000000000000000000000000000000000dEaD"
A_YEAR = 365 * DAY


@pytest.mark.parametrize("case", ["delete_revocation", "change_actor", "change_party", "move_time_back",
                                  "change_right_holder", "drop_block", "change_listing_validity"])
def test_each_falsification_is_caught_by_audit_and_index_check(world, monkeypatch, case):
    """Failed on the old code for the first four and drop_block: audit --verify and index check both said
    "0 differences" / "No differences"."""
    asset = world["asset"]
    where = "asset_id = :a AND name = :n"
    statements, audit_says, check_says = {
        "delete_revocation": ([(f"DELETE FROM events WHERE {where}", {"a": asset, "n": "RightRevoked"})],
                              "(RightRevoked", "(RightRevoked) event_count: index 0, chain 1"),
        "change_actor": ([(f"UPDATE events SET actor = :f WHERE {where}", {"a": asset, "n": "RightTransferred",
                                                                           "f": FORGED})],
                         f"actor is '{world['bob'].address}' in the chain, '{FORGED}' in the API",
                         f"(RightTransferred) actor: index '{FORGED}'"),
        "change_party": ([(f"UPDATE events SET party = :f WHERE {where}", {"a": asset, "n": "RightTransferred",
                                                                           "f": FORGED})],
                         f"history of party {world['carol'].address}: count is",
                         f"(RightTransferred) party: index '{FORGED}'"),
        "move_time_back": ([(f"UPDATE events SET timestamp = timestamp - {A_YEAR} WHERE {where}",
                             {"a": asset, "n": "RightGranted"})], "(RightGranted", "(RightGranted) timestamp"),
        "change_right_holder": ([("UPDATE right_versions SET holder = :f WHERE asset_id = :a AND right_index = 1 "
                                   "AND until_block IS NULL",
                                  {"a": asset, "f": FORGED})],
                                f"right {asset}/1: holder is '{world['alice'].address}' in the chain, '{FORGED}'",
                                f"right {asset}/1 holder: index '{FORGED}'"),
        "drop_block": ([("DELETE FROM events WHERE block_number = :b", {"b": world["listed_block"]})],
                       "missing from the API's history", f"block {world['listed_block']} (Listed"),
        "change_listing_validity": ([("UPDATE listings SET valid = NOT valid WHERE listing_id = :l",
                                      {"l": world["listing"]}),
                                     ("UPDATE listing_changes SET valid = NOT valid WHERE id = (SELECT max(id) FROM "
                                      "listing_changes WHERE listing_id = :l)", {"l": world["listing"]})],
                                    f"listing {world['listing']} in the feed: valid is True in the chain, False in "
                                    "the API",
                                    f"listing {world['listing']} valid: index False, chain True"),
    }[case]
    with tampered(world, statements):
        code, out, err = datareg(world, monkeypatch, "audit", asset, "--verify")
        assert code == 1, out + err
        assert out.splitlines()[0].startswith("NOT VERIFIED: ") and audit_says in out, out
        code, out, err = datareg(world, monkeypatch, "index", "check")
        assert code == 1, out + err
        assert check_says in out, out
    assert datareg(world, monkeypatch, "audit", asset, "--verify")[0] == 0


@pytest.fixture(scope="module")
def bundle(world, tmp_path_factory, request):
    path = tmp_path_factory.mktemp("bundle") / "audit.json"
    monkeypatch = pytest.MonkeyPatch()
    request.addfinalizer(monkeypatch.undo)
    code, out, err = datareg(world, monkeypatch, "audit", world["asset"], "--bundle", str(path), "--format", "json")
    assert code == 0, out + err
    assert "bundle" not in json.loads(out) and json.loads(path.read_text())["format"] == "datareg-audit-bundle/1"
    return path


def test_bundle_checks_offline_and_against_the_node(world, monkeypatch, bundle):
    code, out, err = datareg(world, monkeypatch, "audit", "--check-bundle", str(bundle))
    assert code == 0 and out.startswith("VERIFIED") and "(offline)" in out, out + err
    code, out, err = datareg(world, monkeypatch, "audit", "--check-bundle", str(bundle), "--rpc", world["s"].rpc_url)
    assert code == 0 and "canonical" in out, out + err


def _altered(bundle, tmp_path, change) -> str:
    data = json.loads(bundle.read_text())
    change(data)
    path = tmp_path / "altered.json"
    path.write_text(json.dumps(data))
    return str(path)


def _header_time_moved(data):
    header = data["headers"][str(int(data["logs"][0]["blockNumber"], 16))]
    header["timestamp"] = hex(int(header["timestamp"], 16) - A_YEAR)


def _log_data_changed(data):
    entry = next(e for e in data["logs"] if e["data"] != "0x")
    entry["data"] = entry["data"][:-1] + ("1" if entry["data"][-1] != "1" else "2")


def _history_actor_changed(data):
    next(e for e in data["history"] if e["actor"])["actor"] = FORGED


@pytest.mark.parametrize("change, says", [(_header_time_moved, "hash to"), (_log_data_changed, "not in its block's "
                                          "receipts"), (_history_actor_changed, f"'{FORGED}' in the API")])
def test_altered_bundle_fails(world, monkeypatch, bundle, tmp_path, change, says):
    code, out, err = datareg(world, monkeypatch, "audit", "--check-bundle", _altered(bundle, tmp_path, change))
    assert code == 1 and out.startswith("NOT VERIFIED") and says in out, out + err


@pytest.mark.parametrize("case", ["lift_freeze_order", "rewrite_version_hash", "forge_holder_term",
                                  "forge_change_application"])
def test_index_check_compares_the_record_authority_tables(world, monkeypatch, case):
    """Fails on the old code: `index check` did not read the four tables of migration 0007 (freeze orders, asset
    versions, holder terms, change applications), so each of these falsifications gave "No differences"."""
    asset = world["asset"]
    table, statement, params, says = {
        "lift_freeze_order": (
            "freeze_orders", "UPDATE freeze_orders SET active = :t, released_by = NULL, released_block = NULL "
            "WHERE asset_id = :a AND order_id = 1", {"a": asset, "t": True}, f"freeze_orders {asset}/1 active:"),
        "rewrite_version_hash": (
            "asset_versions", "UPDATE asset_versions SET content_hash = :f WHERE asset_id = :a AND version = 1",
            {"a": asset, "f": "0x" + "ab" * 32}, f"asset_versions {asset}/1 content_hash: index '0x{'ab' * 32}'"),
        "forge_holder_term": (
            "holder_terms", "INSERT INTO holder_terms (asset_id, holder, valid_until, block_number) "
            "VALUES (:a, :f, 1, 1)", {"a": asset, "f": FORGED},
            f"holder_terms {asset}/{FORGED} exists: index True, chain False"),
        "forge_change_application": (
            "change_applications", "INSERT INTO change_applications (asset_id, applicant, registrar, status, "
            "metadata_cid, classification, attributes, applied_block) VALUES (:a, :f, :f, 'pending', 'Qm', 0, 0, 1)",
            {"a": asset, "f": FORGED}, f"change_applications {asset} exists: index True, chain False"),
    }[case]
    assert datareg(world, monkeypatch, "index", "check")[0] == 0
    with world["engine"].begin() as conn:
        saved = [dict(r) for r in conn.execute(text(f"SELECT * FROM {table}")).mappings()]
        assert conn.execute(text(statement), params).rowcount == 1
    try:
        code, out, err = datareg(world, monkeypatch, "index", "check")
        assert code == 1 and says in out, out + err
    finally:
        with world["engine"].begin() as conn:
            conn.execute(text(f"DELETE FROM {table}"))
            if saved:
                columns = list(saved[0])
                conn.execute(text(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                                  f"({', '.join(':' + c for c in columns)})"), saved)
    assert datareg(world, monkeypatch, "index", "check")[0] == 0
