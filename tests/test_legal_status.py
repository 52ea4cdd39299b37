"""The one legal status (registry/rules.legal_status) on rows built here: every status and remark, their order of
precedence, and the moment as an argument. Fast: no database, no process."""
from __future__ import annotations

import pytest

from registry import rules
from registry.db.models import Asset, FreezeOrder, Objection, Pledge, Registration
from registry.vocabulary import AssetStatus, CertificateStatus, LegalStatus, Remark, Stage

NOW = 1_800_000_000
YEAR = 365 * 86_400
ASSET_ID = "0x" + "ab" * 32
REGULATOR = "0x" + "66" * 20
PLEDGEE = "0x" + "77" * 20


def asset(**fields) -> Asset:
    row = dict(asset_id=ASSET_ID, registrant="0x" + "11" * 20, submitter="0x" + "11" * 20,
               content_hash="0x" + "00" * 32, metadata_cid="Qm", classification=0, registered_block=1,
               registered_tx="0x", registered_log_index=0, registered_at=NOW - YEAR, updated_block=1)
    return Asset(**(row | fields))


def registration(stage: Stage, **fields) -> Registration:
    row = dict(asset_id=ASSET_ID, applicant="0x" + "11" * 20, registrar="0x" + "22" * 20, stage=stage.key,
               applied_block=2, updated_block=3)
    if stage is Stage.REGISTERED:
        row |= dict(certificate_number="SJ35A2026110001", registered_at=NOW - YEAR, valid_until=NOW + YEAR)
    return Registration(**(row | fields))


def order(order_id: int, reference: str, waiting: bool = False, active: bool = True) -> FreezeOrder:
    return FreezeOrder(asset_id=ASSET_ID, order_id=order_id, regulator=REGULATOR, order_reference=reference,
                       waiting=waiting, active=active, ordered_block=10 + order_id, ordered_tx="0x" + "f" * 64,
                       ordered_at=NOW - 100)


def pledge(active: bool = True) -> Pledge:
    return Pledge(pledge_id="0x" + "cd" * 32, asset_id=ASSET_ID, external_registration_no="ZD2026001",
                  pledgee=PLEDGEE, registrar="0x" + "22" * 20, active=active, recorded_block=20, recorded_tx="0x")


def objection(objection_id: int, status: str) -> Objection:
    return Objection(asset_id=ASSET_ID, objection_id=objection_id, objector="0x" + "33" * 20, reason_code=2,
                     status=status, lodged_block=5)


def judge(a=None, reg=None, orders=(), pledges=(), objections=(), now=NOW) -> rules.LegalState:
    return rules.legal_status(a, reg, list(orders), list(pledges), list(objections), now)


@pytest.mark.parametrize(("rows", "expected", "stage"), [
    ({}, LegalStatus.UNREGISTERED, None),
    ({"a": asset()}, LegalStatus.RECORDED, None),
    ({"a": asset(), "reg": registration(Stage.APPLIED)}, LegalStatus.IN_PROCEDURE, "applied"),
    ({"a": asset(), "reg": registration(Stage.ACCEPTED)}, LegalStatus.IN_PROCEDURE, "accepted"),
    ({"a": asset(), "reg": registration(Stage.PUBLICITY)}, LegalStatus.IN_PROCEDURE, "publicity"),
    ({"a": asset(), "reg": registration(Stage.RETURNED)}, LegalStatus.RECORDED, "returned"),
    ({"a": asset(), "reg": registration(Stage.TERMINATED)}, LegalStatus.RECORDED, "terminated"),
    ({"a": asset(), "reg": registration(Stage.REGISTERED)}, LegalStatus.CERTIFIED, "registered"),
    ({"a": asset(), "reg": registration(Stage.REGISTERED, valid_until=NOW)}, LegalStatus.LAPSED, "registered"),
    ({"a": asset(status=AssetStatus.CANCELLED.value, cancel_reason=1), "reg": registration(Stage.REGISTERED)},
     LegalStatus.CANCELLED, "registered"),
    ({"a": asset(status=AssetStatus.CANCELLED.value)}, LegalStatus.CANCELLED, None),
    ({"a": asset(status=AssetStatus.CANCELLED.value), "reg": registration(Stage.PUBLICITY)},
     LegalStatus.CANCELLED, "publicity"),
], ids=lambda v: getattr(v, "key", None) if isinstance(v, LegalStatus) else None)
def test_legal_status_of_each_stage(rows, expected, stage):
    state = judge(**rows)
    assert (state.status, state.stage) == (expected, stage)
    assert state.remarks == ()
    assert state.clear is (expected is LegalStatus.CERTIFIED)


def test_legal_status_lapses_at_the_moment_given_not_before():
    reg = registration(Stage.REGISTERED, valid_until=NOW)
    assert judge(asset(), reg, now=NOW - 1).status is LegalStatus.CERTIFIED
    assert judge(asset(), reg, now=NOW).status is LegalStatus.LAPSED
    assert judge(asset(), reg, now=NOW).certificate_status == CertificateStatus.LAPSED.key


def test_frozen_names_the_order_in_force_and_the_waiting_ones():
    orders = [order(2, "(2026)闽01执保2号", waiting=True), order(1, "(2026)闽01执保1号"),
              order(3, "lifted", active=False)]
    state = judge(asset(frozen=True, active_freezes=2), registration(Stage.REGISTERED), orders=orders)
    assert state.status is LegalStatus.CERTIFIED and not state.clear and state.encumbered
    [remark] = state.remarks
    assert remark.remark is Remark.FROZEN
    assert remark.details["by"] == REGULATOR
    assert remark.details["order_reference"] == "(2026)闽01执保1号"
    assert [o["order_id"] for o in remark.details["orders"]] == [1, 2]


def test_frozen_flag_without_orders_still_is_a_remark():
    """An index that has the flag but no numbered orders (built before orders were kept) still says frozen."""
    state = judge(asset(frozen=True), None)
    assert state.has(Remark.FROZEN) and state.remarks[0].details["by"] is None


def test_pledged_names_the_pledgee_and_ignores_released_pledges():
    state = judge(asset(), registration(Stage.REGISTERED), pledges=[pledge(), pledge(active=False)])
    [remark] = state.remarks
    assert remark.remark is Remark.PLEDGED
    assert remark.details["pledgee"] == PLEDGEE and remark.details["external_registration_no"] == "ZD2026001"
    assert judge(asset(), registration(Stage.REGISTERED), pledges=[pledge(active=False)]).clear


def test_objection_pending_during_publicity():
    state = judge(asset(), registration(Stage.PUBLICITY),
                  objections=[objection(1, "rejected"), objection(2, "pending")])
    assert state.status is LegalStatus.IN_PROCEDURE
    assert [(r.remark, r.details) for r in state.remarks] == [(Remark.OBJECTION_PENDING, {"objection_ids": [2]})]


def test_refused_on_an_upheld_objection_is_recorded_and_disputed():
    state = judge(asset(), registration(Stage.REFUSED, reason_code=3), objections=[objection(1, "upheld")])
    assert state.status is LegalStatus.RECORDED
    assert [(r.remark, r.details) for r in state.remarks] == [(Remark.DISPUTED, {"objection_ids": [1]})]


def test_remarks_in_a_fixed_order():
    state = judge(asset(frozen=True), registration(Stage.PUBLICITY), orders=[order(1, "A")], pledges=[pledge()],
                  objections=[objection(1, "pending")])
    assert [r.remark for r in state.remarks] == [Remark.FROZEN, Remark.PLEDGED, Remark.OBJECTION_PENDING]


def test_encumbrances_keep_verify_s_old_shape():
    """POST /v1/verify's `encumbrances` are built from the legal status now; their entries keep their fields."""
    a = asset(frozen=True)
    state = judge(a, None, orders=[order(1, "A")], pledges=[pledge()])
    found = rules.encumbrances(state, a, None)
    assert [e["type"] for e in found] == ["frozen", "freeze_order", "pledge"]
    assert set(found[1]) == {"type", "order_id", "regulator", "order_reference", "waiting", "lifted_by",
                             "block_number", "tx_hash"}
    assert found[1]["block_number"] == 11
    assert set(found[2]) == {"type", "pledge_id", "external_registration_no", "pledgee", "recorded_by",
                             "block_number", "tx_hash"}


@pytest.mark.parametrize(("rows", "exit_status"), [
    ({}, rules.EXIT_NOT_FOUND),
    ({"a": asset()}, rules.EXIT_NOT_CERTIFIED),
    ({"a": asset(), "reg": registration(Stage.PUBLICITY)}, rules.EXIT_NOT_CERTIFIED),
    ({"a": asset(), "reg": registration(Stage.REGISTERED)}, rules.EXIT_CERTIFIED),
    ({"a": asset(), "reg": registration(Stage.REGISTERED, valid_until=NOW)}, rules.EXIT_ENDED),
    ({"a": asset(status=AssetStatus.CANCELLED.value), "reg": registration(Stage.REGISTERED)}, rules.EXIT_ENDED),
    ({"a": asset(frozen=True), "reg": registration(Stage.REGISTERED), "orders": [order(1, "A")]},
     rules.EXIT_ENCUMBERED),
    ({"a": asset(), "reg": registration(Stage.REGISTERED), "pledges": [pledge()]}, rules.EXIT_ENCUMBERED),
    ({"a": asset(), "reg": registration(Stage.PUBLICITY), "objections": [objection(1, "pending")]},
     rules.EXIT_ENCUMBERED),
    ({"a": asset(frozen=True), "reg": registration(Stage.REGISTERED, valid_until=NOW), "orders": [order(1, "A")]},
     rules.EXIT_ENDED),  # lapsed outranks frozen: the registration is not in force at all
])
def test_verify_exit_status_by_legal_status(rows, exit_status):
    state = judge(**rows)
    assert rules.verdict(state) == exit_status
    assert rules.verdict_of(state.status.key, state.encumbered) == exit_status


def test_several_matches_prefer_the_most_favourable():
    states = [judge(asset(status=AssetStatus.CANCELLED.value)), judge(asset()),
              judge(asset(), registration(Stage.REGISTERED), pledges=[pledge()]),
              judge(asset(), registration(Stage.REGISTERED))]
    assert min(states, key=rules.verdict_rank).clear
    assert min(states[:3], key=rules.verdict_rank).status is LegalStatus.RECORDED


def test_the_cancellation_and_the_refusal_give_their_reasons():
    from registry.vocabulary import CancelReason, RefusalReason, ReturnReason

    cancelled = judge(asset(status=AssetStatus.CANCELLED.value, cancel_reason=2))
    assert (cancelled.reason_code, cancelled.reason_vocabulary) == (2, CancelReason)
    returned = judge(asset(), registration(Stage.RETURNED, reason_code=1))
    assert (returned.reason_code, returned.reason_vocabulary) == (1, ReturnReason)
    terminated = judge(asset(), registration(Stage.TERMINATED, reason_code=2))
    assert terminated.reason_vocabulary is RefusalReason
    assert judge(asset(), registration(Stage.REGISTERED)).reason_code is None


def test_the_api_answer_says_it_in_one_line():
    from api.schemas import LegalStatusPublic

    state = judge(asset(frozen=True), registration(Stage.REGISTERED), orders=[order(1, "(2026)闽01执保1号")],
                  pledges=[pledge()])
    public = LegalStatusPublic.of(state)
    assert public.status == "certified" and public.encumbered and not public.certified_and_unencumbered
    assert [r.type for r in public.remarks] == ["frozen", "pledged"]
    assert public.remarks[0].by == REGULATOR and public.remarks[0].since.endswith("Z")
    assert public.text_zh.startswith("已登记发证；备注：已查封（(2026)闽01执保1号，查封机关 ")
    assert "已质押（质权人 " + PLEDGEE in public.text_zh
    assert "frozen (order (2026)闽01执保1号, by " in public.text_en


@pytest.mark.parametrize(("name", "args", "key"), [
    ("RightRevoked", {"reasonCode": 1}, "breach_of_terms"),
    ("AssetCancelled", {"reasonCode": 3}, "objection_upheld"),
    ("ApplicationReturned", {"reasonCode": 1}, "missing_material"),
    ("RegistrationRefused", {"reasonCode": 3}, "ownership_dispute"),
    ("ObjectionLodged", {"reasonCode": 2}, "ownership_dispute"),
    ("AssetFreezeReleased", {"byAdmin": True}, "by_admin"),
    ("AssetFreezeReleased", {"byAdmin": False}, "by_regulator"),
    ("RightRevoked", {"reasonCode": 7}, None),  # a code the vocabulary lacks: the number, no label
])
def test_every_event_reason_is_labelled(name, args, key):
    from registry.vocabulary import event_reason

    reason = event_reason(name, args)
    assert reason is not None and reason["key"] == key
    assert (reason["zh"] is None) is (key is None)


def test_events_without_a_reason_have_none():
    from registry.vocabulary import event_reason

    assert event_reason("ChangeReviewed", {"passed": True, "reasonCode": 0}) is None
    assert event_reason("RightGranted", {}) is None
