"""The working-day calendar (registry/calendar.py): 5 working days of publicity, 3 for acceptance and 10 for an
objection, counted in Beijing time over China's holidays and make-up working days (调休)."""
from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from registry import calendar
from registry.calendar import BEIJING, NotCovered, load
from registry.cli.procedure import publicity_end
from registry.errors import ConfigurationError, ValidationError


def at(text: str) -> int:
    """Unix seconds of a Beijing wall-clock time."""
    return int(datetime.fromisoformat(text).replace(tzinfo=BEIJING).timestamp())


@pytest.fixture
def cal(monkeypatch):
    monkeypatch.delenv(calendar.ENV, raising=False)
    return load()


@pytest.mark.parametrize("opened, last_day", [
    # 2025: Oct 1-8 off, Sunday 28 Sep and Saturday 11 Oct worked. From Thursday 9 Oct: 10, Sat 11, 13, 14, 15.
    ("2025-10-09T10:00", "2025-10-15"),
    # From Friday 26 Sep: Sun 28 Sep (make-up), 29, 30, then Oct 9, 10.
    ("2025-09-26T10:00", "2025-10-10"),
    # 2026: Oct 1-7 off, Saturday 10 Oct worked. From Tuesday 29 Sep: 30 Sep, Oct 8, 9, Sat 10, Mon 12.
    ("2026-09-29T10:00", "2026-10-12"),
    # Opened in the holiday itself: Oct 8, 9, Sat 10, 12, 13.
    ("2026-10-03T09:00", "2026-10-13"),
])
def test_publicity_spanning_national_day_and_a_make_up_saturday(cal, opened, last_day):
    deadline = cal.deadline(at(opened), calendar.PUBLICITY_DAYS)
    assert deadline.last_day == date.fromisoformat(last_day)
    assert deadline.due == at(last_day + "T00:00") + 86_400  # 24:00 Beijing of the last day
    assert not deadline.provisional
    assert cal.publicity_end(at(opened)) == deadline.due


def test_make_up_days_and_holidays(cal):
    assert cal.is_working_day(date(2026, 10, 10))  # a Saturday, worked (调休)
    assert cal.is_working_day(date(2025, 9, 28))  # a Sunday, worked
    assert cal.is_working_day(date(2026, 10, 8))  # Thursday after the holiday: worked
    assert not cal.is_working_day(date(2026, 10, 5))  # a Monday in the holiday
    assert not cal.is_working_day(date(2026, 10, 17))  # an ordinary Saturday
    assert cal.is_working_day(date(2026, 10, 16))  # an ordinary Friday


@pytest.mark.parametrize("opened, last_day", [
    # 2026 Spring Festival: Feb 15-23 off, Saturdays 14 and 28 Feb worked. From Friday 13 Feb: Sat 14, 24-27.
    ("2026-02-13T16:00", "2026-02-27"),
    # 2025 Spring Festival: Jan 28-Feb 4 off, Sunday 26 Jan and Saturday 8 Feb worked. From Friday 24 Jan:
    # Sun 26, Mon 27, then Feb 5, 6, 7.
    ("2025-01-24T09:30", "2025-02-07"),
])
def test_publicity_over_the_spring_festival(cal, opened, last_day):
    assert cal.deadline(at(opened), 5).last_day == date.fromisoformat(last_day)


def test_year_boundary(cal):
    # 2026-01-01..03 off, Sunday 4 Jan worked: from Wednesday 31 Dec 2025: Jan 4, 5, 6, 7, 8.
    deadline = cal.deadline(at("2025-12-31T11:00"), 5)
    assert (deadline.last_day, deadline.provisional) == (date(2026, 1, 8), False)
    # Into 2027, whose arrangement is provisional: counted, and said to be provisional.
    deadline = cal.deadline(at("2026-12-30T11:00"), 5)
    assert (deadline.last_day, deadline.provisional) == (date(2027, 1, 7), True)


def test_the_day_is_the_day_in_beijing(cal):
    # 23:59:59 on Tuesday 29 Sep in Beijing is still the 29th (15:59:59 UTC); a second later is the 30th, which then
    # is not counted either.
    assert cal.deadline(at("2026-09-29T23:59:59"), 5).last_day == date(2026, 10, 12)
    assert cal.deadline(at("2026-09-30T00:00:00"), 5).last_day == date(2026, 10, 13)


def test_end_of_day_semantics(cal):
    deadline = cal.deadline(at("2026-09-29T10:00"), 5)
    assert datetime.fromtimestamp(deadline.due, BEIJING).isoformat() == "2026-10-13T00:00:00+08:00"
    assert not deadline.passed(deadline.due - 1)  # 23:59:59 on the last day: still running
    assert deadline.passed(deadline.due)
    assert deadline.to_json() == {"working_days": 5, "start": "2026-09-29T02:00:00Z", "last_day": "2026-10-12",
                                  "due": "2026-10-12T16:00:00Z", "provisional": False}


def test_acceptance_and_objection_periods(cal):
    # Applied on Friday 25 Sep 2026: accepted by Mon 28, Tue 29, Wed 30 Sep.
    assert cal.deadline(at("2026-09-25T15:00"), calendar.ACCEPTANCE_DAYS).last_day == date(2026, 9, 30)
    # An objection on Monday 28 Sep 2026: 29, 30, Oct 8, 9, 10 (Sat), 12, 13, 14, 15, 16.
    assert cal.deadline(at("2026-09-28T09:00"), calendar.OBJECTION_DAYS).last_day == date(2026, 10, 16)
    assert cal.add_working_days(date(2026, 10, 9), 0) == date(2026, 10, 9)


def test_a_year_not_covered(cal):
    with pytest.raises(NotCovered, match="no holidays for 2028.*DATAREG_CALENDAR"):
        cal.deadline(at("2027-12-30T10:00"), 5, strict=True)
    with pytest.raises(NotCovered):
        cal.publicity_end(at("2024-12-20T10:00"))
    # Read-side answers count Monday to Friday there, and say so.
    deadline = cal.deadline(at("2027-12-30T10:00"), 5)
    assert (deadline.last_day, deadline.provisional) == (date(2028, 1, 6), True)  # Dec 31, Jan 3-6


def test_the_shipped_arrangements(cal):
    """As the State Council published them: 2025 has 28 days off and 5 make-up days, 2026 33 and 6; every make-up
    day is a weekend day; 2027 is flagged provisional."""
    for year, off, on in ((2025, 28, 5), (2026, 33, 6)):
        assert len([d for d in cal.holidays if d.year == year]) == off
        assert len([d for d in cal.workdays if d.year == year]) == on
        assert year not in cal.provisional_years
    assert all(d.weekday() >= 5 for d in cal.workdays)
    assert cal.years == {2025, 2026, 2027} and cal.provisional_years == {2027}
    document = json.loads(calendar.DEFAULT_FILE.read_text())
    assert "PROVISIONAL" in document["years"]["2027"]["source"]


def test_a_calendar_replaced_by_configuration(tmp_path, monkeypatch):
    replacement = tmp_path / "calendar.json"
    # A regional calendar: 2026 as shipped, plus a local holiday on Monday 12 Oct, and 2027 made official.
    shipped = json.loads(calendar.DEFAULT_FILE.read_text())
    shipped["years"]["2026"]["holidays"].append("2026-10-12")
    shipped["years"]["2027"] = {"source": "the published 2027 notice", "holidays": ["2027-01-01"],
                                "workdays": ["2027-01-09"]}
    replacement.write_text(json.dumps(shipped))
    monkeypatch.setenv(calendar.ENV, str(replacement))
    replaced = load()
    assert replaced.source == f"'{replacement}'"
    assert replaced.deadline(at("2026-09-29T10:00"), 5).last_day == date(2026, 10, 13)
    assert replaced.provisional_years == frozenset()
    assert replaced.is_working_day(date(2027, 1, 9)) and not replaced.is_working_day(date(2027, 1, 1))
    # An explicit path wins over the environment; the packaged file is still there.
    assert load(calendar.DEFAULT_FILE).deadline(at("2026-09-29T10:00"), 5).last_day == date(2026, 10, 12)


@pytest.mark.parametrize("years, message", [
    ({"2026": {"holidays": ["2026-10-10"], "workdays": ["2026-10-10"]}}, "both a holiday and a working day"),
    ({"2026": {"workdays": ["2026-10-12"]}}, "2026-10-12 is a weekday"),
    ({"2026": {"holidays": ["2027-01-01"]}}, "not a range of days within 2026"),
    ({"2026": {"holidays": ["2026-10-07/2026-10-01"]}}, "not a range of days"),
    ({"2026": {"holidays": ["10/1"]}}, "is not a day"),
    ({"26": {"holidays": []}}, "four-digit key"),
    ({}, "no 'years'"),
])
def test_a_bad_calendar_is_refused_with_the_reason(tmp_path, years, message):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"years": years}))
    with pytest.raises(ConfigurationError, match=message):
        load(bad)


def test_a_missing_or_unreadable_calendar(tmp_path, monkeypatch):
    monkeypatch.setenv(calendar.ENV, str(tmp_path / "none.json"))
    with pytest.raises(ConfigurationError, match="does not exist"):
        load()
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(ConfigurationError, match="cannot be read"):
        load(tmp_path / "broken.json")


def test_explicit_publicity_ends_on_the_command_line():
    assert publicity_end("2026-10-12") == at("2026-10-13T00:00")  # the last day, through 24:00 Beijing
    assert publicity_end("2026-10-12T18:00:00+08:00") == at("2026-10-12T18:00")
    with pytest.raises(ValidationError, match="not a day"):
        publicity_end("2026-13-01")


def test_procedure_deadlines_judged_at_a_moment(cal):
    """registry/rules.procedure_deadlines on index rows: acceptance, publicity and objection deadlines."""
    from api.schemas import iso
    from registry import rules
    from registry.db.models import Objection, Registration

    applied = at("2026-09-25T15:00")  # acceptance until Wed 30 Sep
    reg = Registration(asset_id="0x01", applicant="0xA", registrar="0xR", stage="applied", applied_block=1,
                       updated_block=1)
    (acceptance,) = rules.procedure_deadlines(cal, reg, applied, None, [], at("2026-09-30T23:59:59"))
    assert (acceptance.kind, acceptance.deadline.last_day, acceptance.overdue) == ("acceptance", date(2026, 9, 30),
                                                                                    False)
    (acceptance,) = rules.procedure_deadlines(cal, reg, applied, None, [], at("2026-10-01T00:00"))
    assert (acceptance.passed, acceptance.done, acceptance.overdue) == (True, False, True)

    ends = cal.publicity_end(at("2026-09-29T10:00"))
    reg = Registration(asset_id="0x01", applicant="0xA", registrar="0xR", stage="publicity", applied_block=1,
                       updated_block=3, publicity_ends=ends)
    pending = Objection(asset_id="0x01", objection_id=1, objector="0xO", reason_code=1, status="pending",
                        lodged_block=4)
    lodged = at("2026-09-30T09:00")  # 10 working days: Oct 8, 9, 10, 12-16, 19, 20
    states = {s.kind: s for s in rules.procedure_deadlines(cal, reg, applied, at("2026-09-28T10:00"),
                                                           [(pending, lodged, None)], at("2026-10-21T00:00"))}
    assert states["acceptance"].done and not states["acceptance"].overdue
    assert states["publicity"].deadline.last_day == date(2026, 10, 12)
    assert (states["publicity"].passed, states["publicity"].done, states["publicity"].overdue) == (True, True, False)
    assert (states["objection"].deadline.last_day, states["objection"].overdue) == (date(2026, 10, 20), True)

    # An end the contract takes but no calendar has (past the year 9999) is left out, not a failure.
    reg.publicity_ends = 2**64 - 1
    assert [s.kind for s in rules.procedure_deadlines(cal, reg, None, None, [], ends)] == []
    assert iso(2**64 - 1) == str(2**64 - 1)
