"""The working-day calendar of the registration procedure (数据产权登记工作指引（试行）): acceptance within 3
working days of an application, publicity of 5 working days, an objection handled within 10 working days.

Working days are China's: Monday to Friday, less the public holidays (放假), plus the make-up working days on a
weekend (调休上班), as the State Council arranges them each year. The arrangements ship in
`registry/holidays_cn.json` (2025 and 2026 as published, 2027 provisional); `DATAREG_CALENDAR` names another file
in the same format to use instead (see the file's "about").

Days are days in Beijing time (UTC+8; China has kept no daylight saving since 1991).

How a period is counted (as the Civil Code counts periods in days, arts. 201 and 203): the day of the event is not
counted; the period's days are the next N working days; it ends at 24:00 Beijing time of the last of them. A
`Deadline` keeps that end as `due`: the unix second of 00:00 Beijing on the day after its last day, the first
moment *after* the period. The period is running while `now < due`, and has passed once `now >= due`. The
RegistrationOffice contract reads a publicity end the same way: objections while `block.timestamp < publicityEnds`,
registration once `block.timestamp >= publicityEnds`.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from registry.errors import ConfigurationError, ValidationError

#: Beijing time: UTC+8, no daylight saving.
BEIJING = timezone(timedelta(hours=8))
#: The packaged calendar; DATAREG_CALENDAR replaces it.
DEFAULT_FILE = Path(__file__).with_name("holidays_cn.json")
ENV = "DATAREG_CALENDAR"

#: The guideline's periods, in working days.
ACCEPTANCE_DAYS = 3
PUBLICITY_DAYS = 5
OBJECTION_DAYS = 10


class NotCovered(ValidationError):
    """A period reaches into a year the calendar has no arrangement for."""

    code = "calendar_not_covered"


def beijing_day(moment: int) -> date:
    """The day in Beijing at unix second `moment`."""
    return datetime.fromtimestamp(moment, BEIJING).date()


def end_of_day(day: date) -> int:
    """24:00 Beijing time of `day`, as a unix second: 00:00 of the day after (the first moment after `day`)."""
    return int(datetime.combine(day + timedelta(days=1), datetime.min.time(), BEIJING).timestamp())


@dataclass(frozen=True)
class Deadline:
    """A period of `working_days` working days running from the event at `start`."""

    start: int | None  # the event's unix second (None: not known, e.g. a publicity end read from the chain)
    working_days: int
    last_day: date  # the last working day of the period (Beijing)
    due: int  # 24:00 Beijing of last_day: the first moment after the period (see the module's doc)
    provisional: bool  # counted over a provisional year, or a year the calendar does not cover

    def passed(self, now: int) -> bool:
        return now >= self.due

    def to_json(self) -> dict[str, Any]:
        return {"working_days": self.working_days, "start": None if self.start is None else _iso(self.start),
                "last_day": self.last_day.isoformat(),
                "due": _iso(self.due), "provisional": self.provisional}


def _iso(moment: int) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class WorkCalendar:
    """Holidays and make-up working days, by year; a year it lists is covered."""

    holidays: frozenset[date]
    workdays: frozenset[date]
    years: frozenset[int]
    provisional_years: frozenset[int]
    source: str

    def covers(self, day: date) -> bool:
        return day.year in self.years

    def is_provisional(self, day: date) -> bool:
        return day.year in self.provisional_years or not self.covers(day)

    def is_working_day(self, day: date) -> bool:
        """A make-up working day; else Monday to Friday and not a holiday. Outside the covered years: Monday to
        Friday."""
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, day: date, n: int, *, strict: bool = False) -> date:
        """The `n`th working day after `day` (`day` itself is not counted; n = 0 gives `day`). `strict`: refuse
        (NotCovered) to count through a year the calendar does not cover instead of counting Monday to Friday."""
        if n < 0:
            raise ValueError("a number of working days is not negative")
        current = day
        while n:
            current += timedelta(days=1)
            if strict and not self.covers(current):
                raise NotCovered(
                    f"The working-day calendar ({self.source}) has no holidays for {current.year}: give the date "
                    f"explicitly, or set {ENV} to a calendar that covers {current.year}.")
            if self.is_working_day(current):
                n -= 1
        return current

    def deadline(self, start: int, working_days: int, *, strict: bool = False) -> Deadline:
        """The period of `working_days` working days from the event at unix second `start`."""
        first = beijing_day(start)
        last = self.add_working_days(first, working_days, strict=strict)
        provisional = any(self.is_provisional(first + timedelta(days=i)) for i in range(1, (last - first).days + 1))
        return Deadline(start=start, working_days=working_days, last_day=last, due=end_of_day(last),
                        provisional=provisional)

    def publicity_end(self, opened: int, *, strict: bool = True) -> int:
        """When publicity opened at `opened` ends: 24:00 Beijing of its 5th working day (the contract's
        `publicityEnds`)."""
        return self.deadline(opened, PUBLICITY_DAYS, strict=strict).due


def _days(entry: str, year: int, where: str) -> list[date]:
    try:
        first_text, _, last_text = entry.partition("/")
        first = date.fromisoformat(first_text)
        last = date.fromisoformat(last_text) if last_text else first
    except (ValueError, TypeError):
        raise ConfigurationError(f"{where}: '{entry}' is not a day (YYYY-MM-DD) or a range (YYYY-MM-DD/YYYY-MM-DD)."
                                 ) from None
    if last < first or first.year != year or last.year != year:
        raise ConfigurationError(f"{where}: '{entry}' is not a range of days within {year}.")
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def parse(document: Any, source: str) -> WorkCalendar:
    """A calendar from its JSON document (the format of holidays_cn.json), checked."""
    years = document.get("years") if isinstance(document, dict) else None
    if not isinstance(years, dict) or not years:
        raise ConfigurationError(f"The working-day calendar {source} has no 'years' object.")
    holidays: set[date] = set()
    workdays: set[date] = set()
    covered: set[int] = set()
    provisional: set[int] = set()
    for key, entry in years.items():
        where = f"The working-day calendar {source}, year {key}"
        if not (isinstance(key, str) and key.isascii() and key.isdigit() and len(key) == 4) \
                or not isinstance(entry, dict):
            raise ConfigurationError(f"{where}: a year is a four-digit key with an object of holidays and workdays.")
        year = int(key)
        lists = [entry.get("holidays", []), entry.get("workdays", [])]
        if not all(isinstance(x, list) and all(isinstance(e, str) for e in x) for x in lists):
            raise ConfigurationError(f"{where}: 'holidays' and 'workdays' are lists of days.")
        off = {d for e in lists[0] for d in _days(e, year, where)}
        on = {d for e in lists[1] for d in _days(e, year, where)}
        if off & on:
            raise ConfigurationError(f"{where}: {min(off & on)} is both a holiday and a working day.")
        weekday = sorted(d for d in on if d.weekday() < 5)
        if weekday:
            raise ConfigurationError(f"{where}: {weekday[0]} is a weekday; only a Saturday or a Sunday can be a "
                                     "make-up working day.")
        holidays |= off
        workdays |= on
        covered.add(year)
        if entry.get("provisional", False):
            provisional.add(year)
    return WorkCalendar(frozenset(holidays), frozenset(workdays), frozenset(covered), frozenset(provisional),
                        source)


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> WorkCalendar:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"The working-day calendar '{path}' cannot be read: {exc}.") from None
    name = "(packaged)" if Path(path) == DEFAULT_FILE else f"'{path}'"
    return parse(document, name)


def load(path: str | Path | None = None) -> WorkCalendar:
    """The calendar in `path`, else in DATAREG_CALENDAR, else the packaged one (read once per file version)."""
    chosen = Path(path or os.environ.get(ENV) or DEFAULT_FILE)
    try:
        mtime = chosen.stat().st_mtime
    except OSError:
        raise ConfigurationError(f"The working-day calendar '{chosen}' ({ENV}) does not exist.") from None
    return _load(str(chosen), mtime)
