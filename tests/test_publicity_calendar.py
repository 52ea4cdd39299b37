"""Publicity of 5 working days end to end: `datareg review` counts the end on the working-day calendar, the
RegistrationOffice keeps exactly that end (and refuses one shorter than the council's minimum), the index mirrors
it, the public publicity list drops the application when the period ends, and the API shows the acceptance,
publicity and objection deadlines with whether each is overdue."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import pytest
from eth_account import Account

from api.schemas import iso
from registry import calendar
from registry.chain.operations import (
    AddParticipant,
    ApplyForRegistration,
    LodgeObjection,
)
from registry.devchain import DEPLOYER_ACCOUNT, dev_key
from tests.conftest import random_registration

ADMIN = Account.from_key(dev_key(DEPLOYER_ACCOUNT))
ZERO = bytes(32)


@pytest.fixture(scope="module")
def world(private_stack, tmp_path_factory):
    s = private_stack
    home = tmp_path_factory.mktemp("publicity-calendar")
    env = dict(os.environ, DATAREG_RPC_URL=s.rpc_url, DATAREG_API_URL=s.api_url, DATAREG_DATA_DIR=str(home),
               DATAREG_KEY_PASSWORD="pw")
    env.pop(calendar.ENV, None)  # the packaged calendar

    def datareg(*args: str, expect: int = 0, **extra: str) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", "registry.cli.main", *args], env={**env, **extra},
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == expect, result.stdout + result.stderr
        return result

    for index, role in ((6, "registrar"), (4, "exchange")):
        s.client.execute(AddParticipant(s.accounts[index].address, role, f"{role} {index}", f"code{index}"), ADMIN)
    keys = {"registrar": str(home / "registrar.json"), "admin": str(home / "admin.json")}
    datareg("key", "import", "--out", keys["registrar"], DATAREG_IMPORT_KEY=dev_key(6))
    datareg("key", "import", "--out", keys["admin"], DATAREG_IMPORT_KEY=dev_key(DEPLOYER_ACCOUNT))
    datareg("registrar", "configure", s.accounts[6].address, "--region", "35", "--code", "C", "--key", keys["admin"])
    datareg.keys, datareg.stack = keys, s
    return datareg


def _accepted(world, accept: bool = True) -> tuple[str, int]:
    """A fresh asset applied for (and accepted, by the registrar's CLI, which sends all its transactions): its id
    and the application's block time."""
    s = world.stack
    applicant, registrar = s.accounts[1], s.accounts[6]
    asset = s.client.register(random_registration([(applicant.address, 7)]), applicant).asset_ids[0]
    applied = s.client.execute(ApplyForRegistration(asset, registrar.address, ZERO), applicant)
    if accept:
        world("accept", asset, "--key", world.keys["registrar"])
    return asset, s.client.w3.eth.get_block(applied.block_number)["timestamp"]


def _office_end(s, asset: str) -> int:
    office = s.client.chain.contracts["RegistrationOffice"]
    return office.functions.getApplication(bytes.fromhex(asset[2:])).call()[3]  # Application.publicityEnds


def _settle(s) -> None:
    """A block after a move of the clock, indexed, so that the API's 'now' is the chain's."""
    done = s.client.register(random_registration([(s.accounts[2].address, 7)]), s.accounts[2])
    s.wait_block(done.block_number)


def _deadlines(s, asset: str) -> dict:
    registration = s.http.get(f"/v1/assets/{asset}/registration").json()
    return {(d["kind"], d["objection_id"]): d for d in registration["deadlines"]}


def _publicity_list(s, **query) -> list[str]:
    return [n["asset_id"] for n in s.http.get("/v1/registrations", params={"status": "publicity", **query}).json()]


def test_publicity_end_from_the_calendar_on_chain_in_the_index_and_the_api(world):
    s, keys = world.stack, world.keys
    cal = calendar.load(calendar.DEFAULT_FILE)
    asset, applied_at = _accepted(world)
    waiting, waiting_since = _accepted(world, accept=False)  # never accepted: its acceptance becomes overdue

    reviewed = json.loads(world("--json", "review", asset, "--key", keys["registrar"]).stdout)
    opened = s.client.w3.eth.get_block(reviewed["block_number"])["timestamp"]
    ends = reviewed["publicity_ends"]
    # The chain keeps the calendar's end: 24:00 Beijing time of the 5th working day after the day it opened.
    assert ends == _office_end(s, asset) == cal.publicity_end(opened)
    last_day = cal.add_working_days(calendar.beijing_day(opened), 5)
    assert ends == calendar.end_of_day(last_day)
    assert (ends - opened) >= 5 * 86_400  # never shorter than the council's minimum (5 days by default)

    objector = s.accounts[4]
    lodged = s.client.execute(LodgeObjection(asset, 1, ZERO), objector)
    lodged_at = s.client.w3.eth.get_block(lodged.block_number)["timestamp"]
    s.wait_block(lodged.block_number)

    # The index mirrors the end; the public list holds the application while its period runs.
    registration = s.http.get(f"/v1/assets/{asset}/registration").json()
    assert registration["publicity_ends"] == iso(ends)
    assert asset in _publicity_list(s)
    assert asset in world("publicity").stdout
    deadlines = _deadlines(s, asset)
    acceptance = deadlines[("acceptance", None)]
    assert acceptance["last_day"] == cal.deadline(applied_at, 3).last_day.isoformat()
    assert (acceptance["done"], acceptance["overdue"], acceptance["done_at"] is not None) == (True, False, True)
    publicity = deadlines[("publicity", None)]
    assert (publicity["due"], publicity["last_day"], publicity["passed"], publicity["overdue"]) == \
           (iso(ends), last_day.isoformat(), False, False)
    objection = deadlines[("objection", 1)]
    assert objection["last_day"] == cal.deadline(lodged_at, 10).last_day.isoformat()
    assert (objection["working_days"], objection["done"], objection["overdue"]) == (10, False, False)
    waiting_deadline = _deadlines(s, waiting)[("acceptance", None)]
    assert waiting_deadline["last_day"] == cal.deadline(waiting_since, 3).last_day.isoformat()
    assert (waiting_deadline["done"], waiting_deadline["overdue"]) == (False, False)

    # A minute before the end: still listed.
    s.advance_time(ends - 60 - s.chain_time())
    _settle(s)
    assert asset in _publicity_list(s)
    # At the end: off the public list (the registrar's list with ended=true still has it), publicity passed.
    s.advance_time(ends - s.chain_time())
    _settle(s)
    assert asset not in _publicity_list(s)
    assert asset not in world("publicity").stdout
    assert asset in _publicity_list(s, ended="true")
    publicity = _deadlines(s, asset)[("publicity", None)]
    assert (publicity["passed"], publicity["done"], publicity["overdue"]) == (True, True, False)

    # Past the objection's 10 working days (and the waiting application's 3): both overdue.
    objection_due = cal.deadline(lodged_at, 10).due
    s.advance_time(objection_due - s.chain_time())
    _settle(s)
    assert _deadlines(s, asset)[("objection", 1)]["overdue"] is True
    waiting_deadline = _deadlines(s, waiting)[("acceptance", None)]
    assert (waiting_deadline["passed"], waiting_deadline["done"], waiting_deadline["overdue"]) == (True, False, True)
    shown = world("registration", waiting).stdout  # and for people, on the command line
    assert f"acceptance (3 working days) until {waiting_deadline['last_day']} 24:00 Beijing time: overdue" in shown


def test_an_explicit_end_and_one_below_the_councils_minimum(world):
    s, keys = world.stack, world.keys
    asset, _ = _accepted(world)
    too_soon = calendar.beijing_day(s.chain_time() + 86_400)  # tomorrow's 24:00: under the 5-day minimum
    refused = world("review", asset, "--publicity-ends", too_soon.isoformat(), "--key", keys["registrar"], expect=1)
    assert "shorter than the council's minimum" in refused.stderr and "Traceback" not in refused.stderr
    assert s.http.get(f"/v1/assets/{asset}/registration").json()["stage"] == "accepted"

    chosen = calendar.beijing_day(s.chain_time()) + (date(2000, 1, 20) - date(2000, 1, 1))  # 19 days on
    reviewed = json.loads(world("--json", "review", asset, "--publicity-ends", chosen.isoformat(),
                                "--key", keys["registrar"]).stdout)
    assert reviewed["publicity_ends"] == _office_end(s, asset) == calendar.end_of_day(chosen)

    bad = world("review", asset, "--publicity-ends", "2026-02-30", "--key", keys["registrar"], expect=2)
    assert "not a day" in bad.stderr
