"""Finance records of data assets (issue 21): accounting documents private to the holder and its auditor and
checked against their on-chain commitment, capital contribution and data-trust remarks on the asset and in its
history, the index check and reorg rollback of both tables, and the CLI. The document's rules are tested alone
first (fast layer), then on a stack."""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from eth_account import Account
from sqlmodel import Session, select

from registry import finance
from registry.chain import read_request
from registry.chain.client import Chain, RegistryClient
from registry.chain.deploy import deploy
from registry.chain.operations import EndFinanceRemark, RecordAccounting, RecordFinanceRemark
from registry.content.cid import cid_to_digest
from registry.content.fingerprint import fingerprint_bytes
from registry.content.private import open_private_store
from registry.db.models import AccountingRecord, FinanceRemark
from registry.devchain import DEPLOYER_ACCOUNT, dev_key, free_port, start_anvil, stop
from registry.errors import ValidationError
from registry.indexer.service import build_indexer
from tests.conftest import random_registration
from tests.test_indexer import catch_up, settings_for

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = json.loads((ROOT / "examples" / "finance" / "accounting.json").read_text())
ASSET = "0x" + "ab" * 32
HOLDER = "0x" + "12" * 20
ZERO_ADDRESS = "0x" + "00" * 20
ALL = 7

# ─────────────────────────────── the accounting document alone ───────────────────────────────


def _document(**changes):
    return {**EXAMPLE, "asset_id": ASSET, "holder": HOLDER, **changes}


def test_an_accounting_document_is_validated_and_salted():
    parsed = finance.parse_accounting(_document())
    assert parsed.category == "intangible_asset" and parsed.cost() == 265500
    assert parsed.salt.startswith("0x") and len(parsed.salt) == 66
    # The same document stored twice gets two salts, so its public commitment cannot be confirmed by guessing.
    assert finance.canonical_bytes(parsed) != finance.canonical_bytes(finance.parse_accounting(_document()))
    salted = finance.parse_accounting(_document(salt="0x" + "01" * 32))
    assert finance.canonical_bytes(salted) == finance.canonical_bytes(finance.parse_accounting(
        json.loads(finance.canonical_bytes(salted))))


@pytest.mark.parametrize("changes, message", [
    ({"amortisation_method": None}, "an intangible asset needs its amortisation_method"),
    ({"useful_life_months": None}, "an amortised intangible asset needs its useful_life_months"),
    ({"category": "inventory"}, "only an intangible asset is amortised"),
    ({"category": "goodwill"}, "Unknown accounting category 'goodwill'"),
    ({"cost_basis": []}, "needs its cost basis"),
    ({"cost_basis": [{"item": "x", "amount": "-5"}]}, "must be a non-negative amount"),
    ({"cost_basis": [{"item": "x", "amount": "1.005"}]}, "at most two decimals"),
    ({"holder": "0x12"}, "address"),
    ({"surprise": 1}, "surprise"),
])
def test_an_accounting_document_breaking_a_rule_is_refused_saying_which(changes, message):
    document = {k: v for k, v in _document(**changes).items() if v is not None}
    with pytest.raises(ValidationError) as refused:
        finance.parse_accounting(document)
    assert message in str(refused.value)


def test_a_document_not_matching_its_commitment_is_refused():
    data = finance.canonical_bytes(finance.parse_accounting(_document()))
    cid = fingerprint_bytes(data).cid
    assert finance.committed_document(data, cid, ASSET, HOLDER)["category"] == "intangible_asset"
    with pytest.raises(ValidationError, match="does not match the commitment on chain"):
        finance.committed_document(data.replace(b"180000.00", b"980000.00"), cid, ASSET, HOLDER)
    with pytest.raises(ValidationError, match="another asset's document"):
        finance.committed_document(data, cid, "0x" + "cd" * 32, HOLDER)


# ─────────────────────────────── on a stack ───────────────────────────────


def funded(stack, n: int = 1):
    """Fresh accounts with ether on the stack's chain: the shared dev accounts' assets are counted by other
    tests (e.g. an asset list filtered by holder), so these tests hold nothing under them."""
    accounts = [Account.create() for _ in range(n)]
    for account in accounts:
        stack.client.w3.provider.make_request("anvil_setBalance", [account.address, hex(10**20)])
    return accounts if n > 1 else accounts[0]


@pytest.fixture()
def chain():
    """A deployment on an anvil of its own, so that its reorgs disturb no other test."""
    port = free_port()
    process = start_anvil(port)
    rpc = f"http://127.0.0.1:{port}"
    try:
        yield rpc, deploy(rpc, dev_key(DEPLOYER_ACCOUNT))
    finally:
        stop(process)


class World:
    """An asset held by `holder` with an accounting record naming `auditor`, a capital contribution (released)
    and a data trust; `other` holds nothing of it."""

    def __init__(self, s) -> None:
        self.s = s
        self.holder, self.auditor, self.other, self.investee = funded(s, 4)
        self.asset = s.client.register(random_registration([(self.holder.address, ALL)]), self.holder).asset_ids[0]
        stored = s.http.post("/v1/accounting/documents",
                             json={**EXAMPLE, "asset_id": self.asset, "holder": self.holder.address})
        assert stored.status_code == 201, stored.text
        self.stored = stored.json()
        self.recorded = self.step(RecordAccounting(self.asset, 1, self.auditor.address,
                                                   cid_to_digest(self.stored["cid"])), self.holder)
        agreement = s.http.post("/v1/content", params={"private": "true"}, content=b"capital contribution").json()
        self.contribution = self.step(RecordFinanceRemark(
            self.asset, 1, "capital_contribution", self.investee.address, (), cid_to_digest(agreement["cid"]),
            1_790_000_000), self.holder).events[0].args["remarkId"]
        self.trust = self.step(RecordFinanceRemark(
            self.asset, 1, "data_trust", self.other.address, (self.investee.address,),
            cid_to_digest(agreement["cid"]), 1_790_000_000, 1_890_000_000), self.holder).events[0].args["remarkId"]
        self.step(EndFinanceRemark(self.contribution, bytes(32)), self.holder)

    def step(self, operation, account):
        result = self.s.client.execute(operation, account)
        self.s.wait_block(result.block_number)
        return result

    def get(self, path: str, who=None):
        headers = {}
        if who is not None:
            headers["Authorization"] = read_request.sign(who, read_request.resource_of("GET", path),
                                                         self.s.deployment.chain_id, self.s.deployment.registry)
        return self.s.http.get(path, headers=headers)


@pytest.fixture(scope="module")
def world(stack):
    return World(stack)


def test_the_holder_and_its_auditor_read_the_accounting_document(world):
    w = world
    for who in (w.holder, w.auditor):
        answer = w.get(f"/v1/assets/{w.asset}/accounting/{w.holder.address}", who)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["verified"] is True and body["document"] == w.stored["document"]
        assert body["document"]["cost_basis"][0]["amount"] == "180000.00"
        assert body["record"] == {**body["record"], "holder": w.holder.address, "auditor": w.auditor.address,
                                  "document_cid": w.stored["cid"], "revision": 1}
        assert answer.headers["cache-control"] == "private, no-store"
        assert "datareg-withheld" not in answer.headers


def test_anyone_else_is_refused_the_accounting_document_with_the_withheld_header(world):
    w = world
    path = f"/v1/assets/{w.asset}/accounting/{w.holder.address}"
    anonymous = w.get(path)
    assert anonymous.status_code == 401 and anonymous.headers["datareg-withheld"] == "document"
    assert anonymous.json()["error"] == "authentication_required"
    assert anonymous.headers["www-authenticate"].startswith("DataReg-EIP712")
    for who in (w.other, w.investee, Account.create()):
        refused = w.get(path, who)
        assert refused.status_code == 403 and refused.headers["datareg-withheld"] == "document"
        assert f"{who.address} may not read the accounting document" in refused.json()["message"]
        assert "only the holder whose record it is and the auditor" in refused.json()["message"]
        assert "180000" not in refused.text
    # A regulator cannot fetch it through the private documents route either: it is in a store of its own.
    assert w.get(f"/v1/content/{w.stored['cid']}", w.s.accounts[0]).status_code == 404


def test_a_tampered_accounting_document_is_refused(stack):
    """The encrypted file of a committed document replaced on the server's disk by another document's: the
    holder is told it does not match the chain's commitment (409), never served the other document."""
    holder, auditor = funded(stack, 2)
    asset = stack.client.register(random_registration([(holder.address, ALL)]), holder).asset_ids[0]
    body = {**EXAMPLE, "asset_id": asset, "holder": holder.address}
    committed = stack.http.post("/v1/accounting/documents", json=body).json()
    other = stack.http.post("/v1/accounting/documents", json={**body, "notes": "a later draft"}).json()
    result = stack.client.execute(RecordAccounting(asset, 1, auditor.address, cid_to_digest(committed["cid"])), holder)
    stack.wait_block(result.block_number)
    store = open_private_store(stack.settings.data_dir, stack.settings.content_key).sibling("accounting")
    committed_file, other_file = store._path(committed["cid"]), store._path(other["cid"])
    committed_file.write_bytes(other_file.read_bytes())
    path = f"/v1/assets/{asset}/accounting/{holder.address}"
    answer = stack.http.get(path, headers={"Authorization": read_request.sign(
        holder, f"GET {path}", stack.deployment.chain_id, stack.deployment.registry)})
    assert answer.status_code == 409, answer.text
    assert answer.json()["error"] == "commitment_mismatch"
    assert "does not match its on-chain commitment" in answer.json()["message"]
    assert "a later draft" not in answer.text


def test_a_commitment_to_a_document_never_stored_is_a_404_saying_so(stack):
    holder = funded(stack)
    asset = stack.client.register(random_registration([(holder.address, ALL)]), holder).asset_ids[0]
    stack.wait_block(stack.client.execute(RecordAccounting(asset, 1, ZERO_ADDRESS, os.urandom(32)),
                                          holder).block_number)
    path = f"/v1/assets/{asset}/accounting/{holder.address}"
    answer = stack.http.get(path, headers={"Authorization": read_request.sign(
        holder, f"GET {path}", stack.deployment.chain_id, stack.deployment.registry)})
    assert answer.status_code == 404 and "was never stored here" in answer.json()["message"]
    assert stack.http.get(f"/v1/assets/{asset}/accounting/{stack.accounts[2].address}").status_code == 404


def test_an_invalid_accounting_document_is_refused_with_422(stack):
    answer = stack.http.post("/v1/accounting/documents", json={**EXAMPLE, "asset_id": ASSET, "holder": HOLDER,
                                                               "category": "inventory"})
    assert answer.status_code == 422 and "only an intangible asset is amortised" in answer.json()["message"]


def test_remarks_and_commitments_are_on_the_asset_and_in_its_history(world):
    w = world
    detail = w.s.http.get(f"/v1/assets/{w.asset}").json()
    remarks = {r["remark_id"]: r for r in detail["finance_remarks"]}
    contribution, trust = remarks[w.contribution], remarks[w.trust]
    assert contribution["kind"] == "capital_contribution" and contribution["kind_zh"] == "作价出资"
    assert contribution["status"] == "ended" and contribution["counterparty"] == w.investee.address
    assert contribution["beneficiaries"] == [] and contribution["ended_at"]
    assert trust["kind"] == "data_trust" and trust["status"] == "standing"
    assert trust["counterparty"] == w.other.address and trust["beneficiaries"] == [w.investee.address]
    assert trust["effective_until"] == "2029-11-22T00:00:00Z"
    assert detail["accounting_records"] == [{**detail["accounting_records"][0], "holder": w.holder.address,
                                             "auditor": w.auditor.address, "document_cid": w.stored["cid"]}]
    assert "180000" not in json.dumps(detail)  # the public answer has the commitment only
    assert w.s.http.get(f"/v1/assets/{w.asset}/finance-remarks").json() == detail["finance_remarks"]
    assert w.s.http.get(f"/v1/assets/{w.asset}/accounting").json() == detail["accounting_records"]
    # Paged in the database, in the same order: each page is that slice of the whole list.
    for limit, offset in ((1, 0), (1, 1), (5, 1), (1, 2)):
        page = {"limit": limit, "offset": offset}
        assert w.s.http.get(f"/v1/assets/{w.asset}/finance-remarks", params=page).json() == detail[
            "finance_remarks"][offset:offset + limit], page
        assert w.s.http.get(f"/v1/assets/{w.asset}/accounting", params=page).json() == detail[
            "accounting_records"][offset:offset + limit], page
    actions = [e["action"] for e in w.s.http.get(f"/v1/assets/{w.asset}/history").json()["data"]]
    assert {"accounting_recorded", "finance_remark_recorded", "finance_remark_ended"} <= set(actions)


def test_an_asset_without_finance_records_has_empty_lists(stack):
    owner = funded(stack)
    asset = stack.client.register(random_registration([(owner.address, ALL)]), owner).asset_ids[0]
    detail = stack.wait_indexed(asset)
    assert detail["finance_remarks"] == [] and detail["accounting_records"] == []


def test_the_index_check_covers_finance_records(world):
    w = world
    s = w.s
    env = dict(os.environ, DATAREG_RPC_URL=s.settings.rpc_url, DATAREG_DATA_DIR=str(s.settings.data_dir),
               DATAREG_DATABASE_URL=s.settings.database_url,
               DATAREG_DEPLOYMENT=str(s.settings.deployment_file), PYTHONPATH=str(ROOT))
    checked = subprocess.run([sys.executable, "-m", "registry.cli.main", "--json", "index", "check"], env=env,
                             capture_output=True, text=True, timeout=300)
    report = json.loads(checked.stdout)
    # The whole shared index agrees with the chain, the finance records with the rest: no test leaves it differing
    # (the session's anvil is never reorganised, and test_cli's forged event row is put back).
    assert checked.returncode == 0 and report["differences"] == [], checked.stdout[-2000:] + checked.stderr
    assert report["checked"]["accounting_records"] >= 1 and report["checked"]["finance_remarks"] >= 2


def test_the_index_check_catches_a_tampered_finance_row(chain, tmp_path, stack):
    from sqlalchemy import create_engine, text

    rpc, deployment = chain
    client = RegistryClient(Chain(rpc, deployment))
    holder = stack.accounts[1]
    asset = client.register(random_registration([(holder.address, ALL)]), holder).asset_ids[0]
    client.execute(RecordAccounting(asset, 1, stack.accounts[2].address, os.urandom(32)), holder)
    client.execute(RecordFinanceRemark(asset, 1, "capital_contribution", stack.accounts[3].address, (),
                                       os.urandom(32), 1), holder)
    settings = settings_for(tmp_path, "checked", rpc, deployment)
    catch_up(build_indexer(settings))
    with create_engine(settings.database_url).begin() as conn:
        conn.execute(text("UPDATE accounting_records SET auditor = :a"), {"a": stack.accounts[6].address})
        conn.execute(text("UPDATE finance_remarks SET ended = true"))
    env = dict(os.environ, DATAREG_RPC_URL=rpc, DATAREG_DATA_DIR=str(settings.data_dir),
               DATAREG_DATABASE_URL=settings.database_url)
    bad = subprocess.run([sys.executable, "-m", "registry.cli.main", "index", "check"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert f"DIFFERENCE accounting_records {asset}/{holder.address} auditor" in bad.stdout
    assert "DIFFERENCE finance_remarks 1 ended" in bad.stdout


@pytest.mark.parametrize("reorg_window", [0, 128], ids=["replayed", "journaled"])
def test_a_reorg_rolls_finance_records_back(chain, tmp_path, stack, reorg_window):
    """Finance records written in orphaned blocks go, by the undo journals near the head and by replaying the
    asset's events deeper: afterwards both tables equal a fresh index's."""
    rpc, deployment = chain
    client = RegistryClient(Chain(rpc, deployment))
    holder, auditor = stack.accounts[1], stack.accounts[2]
    asset = client.register(random_registration([(holder.address, ALL)]), holder).asset_ids[0]
    client.execute(RecordAccounting(asset, 1, auditor.address, b"\x01" * 32), holder)
    kept = client.execute(RecordFinanceRemark(asset, 1, "capital_contribution", auditor.address, (), b"\x02" * 32,
                                              1), holder).events[0].args["remarkId"]
    settings = dataclasses.replace(settings_for(tmp_path, "live", rpc, deployment), reorg_window=reorg_window)
    indexer = build_indexer(settings)
    catch_up(indexer)

    snapshot = client.w3.provider.make_request("evm_snapshot", [])["result"]
    client.execute(RecordAccounting(asset, 1, stack.accounts[3].address, b"\x03" * 32), holder)
    client.execute(EndFinanceRemark(kept, bytes(32)), holder)
    client.execute(RecordFinanceRemark(asset, 1, "data_trust", auditor.address, (holder.address,), b"\x04" * 32,
                                       1), holder)
    catch_up(indexer)
    with Session(indexer.engine) as db:
        assert db.get(AccountingRecord, (asset, holder.address)).revision == 2
        assert db.get(FinanceRemark, kept).ended and len(db.exec(select(FinanceRemark)).all()) == 2

    client.w3.provider.make_request("evm_revert", [snapshot])
    client._nonces.clear()
    for _ in range(4):  # a longer branch without them
        client.register(random_registration([(auditor.address, ALL)]), auditor)
    catch_up(indexer)
    fresh = build_indexer(settings_for(tmp_path, "fresh", rpc, deployment))
    catch_up(fresh)
    for model in (AccountingRecord, FinanceRemark):
        with Session(indexer.engine) as db, Session(fresh.engine) as other:
            mine = sorted(r.model_dump() for r in db.exec(select(model)).all())
            theirs = sorted(r.model_dump() for r in other.exec(select(model)).all())
        assert mine == theirs and mine, model
    with Session(indexer.engine) as db:
        record = db.get(AccountingRecord, (asset, holder.address))
        assert record.revision == 1 and record.auditor == auditor.address
        assert not db.get(FinanceRemark, kept).ended and len(db.exec(select(FinanceRemark)).all()) == 1


def test_the_cli_records_and_shows_an_accounting_record_and_remarks(stack, tmp_path):
    from registry.chain.keys import create_keystore

    holder, auditor, beneficiary = funded(stack, 3)
    asset = stack.client.register(random_registration([(holder.address, ALL)]), holder).asset_ids[0]
    stack.wait_indexed(asset)
    keys = tmp_path / "keys"
    keys.mkdir()
    for name, account in (("holder", holder), ("auditor", auditor), ("stranger", Account.create())):
        create_keystore(keys / f"{name}.json", "", account.key)
    env = dict(os.environ, DATAREG_RPC_URL=stack.settings.rpc_url, DATAREG_API_URL=stack.api_url,
               DATAREG_DATA_DIR=str(tmp_path), DATAREG_KEY_PASSWORD="", PYTHONPATH=str(ROOT))

    def datareg(*args):
        return subprocess.run([sys.executable, "-m", "registry.cli.main", *args], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=120)

    recorded = datareg("accounting", "record", asset, "--document", "examples/finance/accounting.json",
                       "--auditor", auditor.address, "--key", "holder")
    assert recorded.returncode == 0, recorded.stderr
    assert "committed (revision 1)" in recorded.stdout
    shown = datareg("accounting", "show", asset, "--holder", holder.address, "--key", "auditor")
    assert shown.returncode == 0, shown.stderr
    assert "intangible_asset" in shown.stdout and "180000.00 CNY" in shown.stdout and "verified" in shown.stdout
    refused = datareg("accounting", "show", asset, "--holder", holder.address, "--key", "stranger")
    assert refused.returncode != 0 and "may not read the accounting document" in refused.stderr

    trust = datareg("--json", "trust", "record", asset, "--trustee", auditor.address, "--beneficiary",
                    beneficiary.address, "--agreement", "examples/finance/agreement.txt", "--until", "+365d",
                    "--key", "holder")
    assert trust.returncode == 0, trust.stderr
    remark = json.loads(trust.stdout)["remark_id"]
    missing = datareg("trust", "record", asset, "--trustee", auditor.address, "--agreement",
                      "examples/finance/agreement.txt", "--key", "holder")
    assert missing.returncode != 0 and "at least one beneficiary" in missing.stderr
    ended = datareg("trust", "end", str(remark), "--key", "holder")
    assert ended.returncode == 0, ended.stderr
    listed = datareg("contribution", "list", asset)
    assert f"remark {remark}  data_trust (数据信托)  ended" in listed.stdout
    not_holder = datareg("contribution", "record", asset, "--investee", auditor.address, "--agreement",
                         "examples/finance/agreement.txt", "--key", "auditor")
    assert not_holder.returncode != 0 and "hold no valid holding right" in not_holder.stderr


# ─────────────────────────────── the personal-information basis ───────────────────────────────

HOSPITAL = json.loads((ROOT / "examples" / "hospital-outcomes.json").read_text())


def test_metadata_with_personal_information_needs_its_legal_basis():
    from registry.metadata import parse_metadata

    assert parse_metadata(HOSPITAL).personal_information_basis.basis == "consent"
    without = {k: v for k, v in HOSPITAL.items() if k != "personal_information_basis"}
    with pytest.raises(ValidationError, match="data with personal information needs the legal basis"):
        parse_metadata(without)
    for basis in ("consent", "contract", "statutory_duty", "anonymised"):
        parse_metadata({**HOSPITAL, "personal_information_basis": {**HOSPITAL["personal_information_basis"],
                                                                   "basis": basis}})
    with pytest.raises(ValidationError, match="'gossip' is not allowed"):
        parse_metadata({**HOSPITAL, "personal_information_basis": {"basis": "gossip",
                                                                   "evidence_cid": fingerprint_bytes(b"x").cid}})
    with pytest.raises(ValidationError, match="is not a CIDv0"):
        parse_metadata({**HOSPITAL, "personal_information_basis": {"basis": "consent", "evidence_cid": "0x12"}})
    with pytest.raises(ValidationError, match="personal_information is none"):
        parse_metadata({**HOSPITAL, "personal_information": "none"})
    # The evidence named in the example is the example's consent file.
    evidence = (ROOT / "examples" / "hospital-consent.txt").read_bytes()
    assert HOSPITAL["personal_information_basis"]["evidence_cid"] == fingerprint_bytes(evidence).cid


def test_the_cli_and_api_refuse_personal_information_without_its_basis(stack, tmp_path):
    without = {k: v for k, v in HOSPITAL.items() if k != "personal_information_basis"}
    refused = stack.http.post("/v1/metadata", json=without)
    assert refused.status_code == 422 and "personal_information_basis" in refused.text
    document = tmp_path / "no-basis.json"
    document.write_text(json.dumps(without, ensure_ascii=False))
    env = dict(os.environ, DATAREG_API_URL=stack.api_url, DATAREG_RPC_URL=stack.settings.rpc_url,
               DATAREG_DATA_DIR=str(tmp_path), DATAREG_KEY_PASSWORD="", PYTHONPATH=str(ROOT))
    checked = subprocess.run([sys.executable, "-m", "registry.cli.main", "metadata", "check", str(document)],
                             env=env, capture_output=True, text=True, timeout=60)
    assert checked.returncode != 0 and "personal_information_basis" in checked.stdout + checked.stderr
    registered = subprocess.run([sys.executable, "-m", "registry.cli.main", "register",
                                 str(ROOT / "examples" / "hospital-outcomes.csv"), "--metadata", str(document)],
                                env=env, capture_output=True, text=True, timeout=60)
    assert registered.returncode != 0 and "legal basis" in registered.stderr


def test_the_personal_information_basis_is_shown_to_the_registrations_parties_only(stack, tmp_path):
    from registry.chain.types import RightKind
    from registry.metadata import canonical_bytes, parse_metadata
    from registry.prepare import prepare_registration

    owner = funded(stack)
    document = parse_metadata(HOSPITAL)
    metadata_cid = stack.http.post("/v1/metadata", json=json.loads(canonical_bytes(document))).json()["cid"]
    data = tmp_path / "outcomes.csv"
    data.write_bytes(os.urandom(16))
    prepared = prepare_registration(data, document, owner.address, [(owner.address, k) for k in RightKind])
    asset = stack.client.register(prepared.registration, owner).asset_ids[0]
    stack.wait_indexed(asset)

    def get(path: str, who=None):
        headers = {"Authorization": read_request.sign(who, f"GET {path}", stack.deployment.chain_id,
                                                      stack.deployment.registry)} if who else {}
        return stack.http.get(path, headers=headers)

    public = get(f"/v1/assets/{asset}")
    assert "personal_information_basis" not in public.json()["metadata"]
    assert "metadata.personal_information_basis" in public.headers["datareg-withheld"].split(", ")
    assert public.json()["personal_information_basis_given"] is True
    mine = get(f"/v1/assets/{asset}", owner)
    assert mine.json()["metadata"]["personal_information_basis"] == HOSPITAL["personal_information_basis"]
    assert "datareg-withheld" not in mine.headers
    stranger = get(f"/v1/metadata/{metadata_cid}", Account.create())
    assert "personal_information_basis" not in stranger.json()
    assert "personal_information_basis" in stranger.headers["datareg-withheld"]
    assert get(f"/v1/metadata/{metadata_cid}", owner).content == canonical_bytes(document)
    # An asset without personal information says nothing of a basis.
    plain = stack.client.register(random_registration([(owner.address, ALL)]), owner).asset_ids[0]
    assert stack.wait_indexed(plain)["personal_information_basis_given"] is None


def test_an_asset_flagged_on_chain_without_a_basis_is_shown_as_such(stack, store):
    """The contracts do not require the basis (registration's gas is kept): an asset registered on chain with the
    personal-information bit and a document the schema would refuse is flagged by the API, not hidden."""
    owner = funded(stack)
    without = {k: v for k, v in HOSPITAL.items() if k != "personal_information_basis"}
    cid = store.put(json.dumps(without, ensure_ascii=False).encode())  # past the API's validation
    registration = dataclasses.replace(random_registration([(owner.address, ALL)], attributes=1),
                                       metadata_cid=cid_to_digest(cid))
    asset = stack.client.register(registration, owner).asset_ids[0]
    detail = stack.wait_indexed(asset)
    assert detail["personal_information"] is True and detail["personal_information_basis_given"] is False
