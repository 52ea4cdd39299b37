"""Public-data authorised operation (issue 21): an authority authorises an operator, approves a scenario, the
operator binds its catalogue asset and licenses a second-level operator, who derives a product; the index, the API
(authorisation routes, asset detail, rights, legal status) and the index check follow; revoking the authorisation
lapses every right under it, with the reason, and the check still agrees with the contracts. Through the Python
client, the indexer and the HTTP API, on an anvil of its own."""
from __future__ import annotations

import pytest
from eth_account import Account
from eth_utils import keccak
from sqlalchemy import create_engine

from registry.chain.operations import (
    AddParticipant,
    ApproveScenario,
    AuthorisationTerms,
    Authorise,
    BindAsset,
    Grant,
    GrantTerms,
    License,
    RevokeAuthorisation,
)
from registry.chain.types import Source
from registry.devchain import DEPLOYER_ACCOUNT, dev_key
from registry.errors import ContractRevert
from registry.indexer.check import check
from registry.vocabulary import Role
from tests.conftest import random_registration

ADMIN = Account.from_key(dev_key(DEPLOYER_ACCOUNT))
DAY = 86_400
TRAFFIC = "交通规划研究"


@pytest.fixture(scope="module")
def world(private_stack):
    """gov authorises alice over a 5-entry catalogue; alice binds her asset (entry 1), the scenario is approved,
    bob is licensed and granted usage; bob derives a product."""
    s = private_stack
    alice, bob, gov = s.accounts[1], s.accounts[2], s.accounts[5]
    s.client.execute(AddParticipant(gov.address, Role.DATA_AUTHORITY.key, "厦门市大数据管理局", "11350200MB0000000X"),
                     ADMIN)
    until = s.chain_time() + 365 * DAY
    result = s.client.execute(Authorise(AuthorisationTerms(
        operator=alice.address, catalogue_cid=keccak(text="catalogue"), catalogue_entries=5, scenarios=(TRAFFIC,),
        valid_until=until, conditions_cid=keccak(text="conditions"))), gov)
    authorisation = next(e for e in result.events if e.name == "AuthorisationGranted").args["authorisationId"]
    asset = s.client.register(random_registration([(alice.address, 7)]), alice).asset_ids[0]
    s.client.execute(BindAsset(authorisation, asset, 1), alice)
    s.client.execute(ApproveScenario(authorisation, TRAFFIC, keccak(text="review")), gov)
    s.client.execute(License(authorisation, bob.address, (TRAFFIC,), until), alice)
    granted = s.client.execute(Grant(asset, 2, GrantTerms(bob.address, valid_until=until, purpose=TRAFFIC)), alice)
    right = next(e for e in granted.events if e.name == "RightGranted").args["rightIndex"]
    derived = s.client.register(random_registration([(bob.address, 7)], sources=(Source(asset, right),)),
                                bob)
    s.wait_block(derived.block_number)
    return s, authorisation, asset, right, derived.asset_ids[0]


def test_only_the_operator_and_licensees_receive_rights_for_approved_scenarios(world):
    s, authorisation, asset, _, _ = world
    alice, carol = s.accounts[1], s.accounts[3]
    with pytest.raises(ContractRevert, match="NotInForce"):
        s.client.execute(Grant(asset, 2, GrantTerms(carol.address, valid_until=s.chain_time() + DAY,
                                                    purpose=TRAFFIC)), alice)
    with pytest.raises(ContractRevert, match="ScenarioNotApproved"):
        s.client.execute(Grant(asset, 2, GrantTerms(s.accounts[2].address, valid_until=s.chain_time() + DAY,
                                                    purpose="其他场景")), alice)


def test_the_api_serves_the_authorisation_and_what_falls_under_it(world):
    s, authorisation, asset, right, derived = world
    a = s.http.get(f"/v1/authorisations/{authorisation}").json()
    assert a["status"] == "in_force" and a["operator"] == s.accounts[1].address
    assert a["approved_scenarios"][0]["scenario"] == TRAFFIC and a["approved_scenarios"][0]["approved"]
    assert [lic["licensee"] for lic in a["licences"]] == [s.accounts[2].address]
    assert a["asset_count"] == 2  # the bound asset and the product derived from it (lineage)
    listed = s.http.get("/v1/authorisations", params={"operator": s.accounts[1].address}).json()
    assert [x["authorisation_id"] for x in listed["data"]] == [authorisation]
    covered = s.http.get(f"/v1/authorisations/{authorisation}/assets").json()["data"]
    assert {c["asset_id"] for c in covered} == {asset, derived}
    assert all(r["valid"] for c in covered for r in c["rights"])
    detail = s.http.get(f"/v1/assets/{derived}").json()
    assert detail["public_data"]["authorisation_id"] == authorisation
    assert detail["public_data"]["status"] == "in_force"
    assert s.http.get(f"/v1/assets/{asset}").json()["public_data"]["in_force"] is True
    assert s.http.get("/v1/authorisations/999").status_code == 404


def test_revoking_the_authorisation_lapses_everything_under_it_with_the_reason(world):
    s, authorisation, asset, right, derived = world
    gov = s.accounts[5]
    result = s.client.execute(RevokeAuthorisation(authorisation, 2, keccak(text="incident report")), gov)
    s.wait_block(result.block_number)
    view = s.client.w3.eth.contract(s.deployment.contracts["DataRegistry"],
                                    abi=s.client.contract.abi).functions
    assert view.rightValidity(bytes.fromhex(asset[2:]), right).call()[0] == 7  # AuthorisationLapsed
    a = s.http.get(f"/v1/authorisations/{authorisation}").json()
    assert a["status"] == "authorisation_revoked"
    assert a["revocation_reason"]["key"] == "security_incident"
    covered = s.http.get(f"/v1/authorisations/{authorisation}/assets").json()["data"]
    assert not any(r["valid"] for c in covered for r in c["rights"])
    assert {r["reason"] for c in covered for r in c["rights"]} == {"authorisation_revoked"}
    for asset_id in (asset, derived):
        detail = s.http.get(f"/v1/assets/{asset_id}").json()
        assert detail["public_data"]["status"] == "authorisation_revoked"
        remarks = {r["type"]: r for r in detail["legal_status"]["remarks"]}
        assert remarks["authorisation_lapsed"]["authorisation_id"] == authorisation
        assert remarks["authorisation_lapsed"]["revocation_reason"]["code"] == 2
        assert detail["legal_status"]["encumbered"] is True
    # The index agrees with the contracts' own views, rights' validity included.
    report = check(s.rpc_url, s.deployment, create_engine(s.settings.database_url))
    assert not report.differences, report.differences


def test_the_cli_grants_approves_licenses_revokes_and_shows(world, tmp_path):
    """`datareg authorisation grant / approve-scenario / license / revoke / show`, each signed with the acting
    party's own key, against the stack; the show answers from the API."""
    import json
    import os
    import subprocess
    import sys

    s = world[0]
    env = dict(os.environ, DATAREG_RPC_URL=s.rpc_url, DATAREG_API_URL=s.api_url, DATAREG_DATA_DIR=str(tmp_path),
               DATAREG_KEY_PASSWORD="pw")

    def datareg(*args: str, **extra: str) -> str:
        result = subprocess.run([sys.executable, "-m", "registry.cli.main", *args], env={**env, **extra},
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    for name, index in (("gov", 5), ("operator", 1)):
        datareg("key", "import", "--out", str(tmp_path / f"{name}.json"), DATAREG_IMPORT_KEY=dev_key(index))
    granted = json.loads(datareg("--json", "authorisation", "grant", "--operator", s.accounts[1].address,
                                 "--entries", "3", "--scenario", "城市治理", "--until", "+30d",
                                 "--key", str(tmp_path / "gov.json")))
    number = str(granted["authorisation_id"])
    datareg("authorisation", "approve-scenario", number, "城市治理", "--key", str(tmp_path / "gov.json"))
    datareg("authorisation", "license", number, s.accounts[2].address, "--scenario", "城市治理", "--until", "+10d",
            "--key", str(tmp_path / "operator.json"))
    datareg("authorisation", "revoke", number, "--reason", "operator_request", "--key", str(tmp_path / "gov.json"))
    block = s.client.w3.eth.block_number
    s.wait_block(block)
    shown = json.loads(datareg("--json", "authorisation", "show", number))
    assert shown["status"] == "authorisation_revoked"
    assert shown["revocation_reason"]["key"] == "operator_request"
    assert shown["approved_scenarios"][0]["approved"] is True
    assert shown["licences"][0]["licensee"] == s.accounts[2].address
    assert "authorisation_revoked" in datareg("authorisation", "show", number)


@pytest.mark.stack
def test_the_public_data_demo_runs():
    """scripts/demo_public_data.py: authorisation, scenario approval, licences, a derived product listed and traded,
    then the revocation and everything under it lapsing, each check printed; exit 0 when all hold."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, str(root / "scripts" / "demo_public_data.py")], capture_output=True,
                            text=True, timeout=300, cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every check held" in result.stdout
