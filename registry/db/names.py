"""Names beside addresses, in one place for every reader (the API's asset, history and certificate answers, which
the explorer and the CLI show): a participant's registered name (ParticipantRegistry) first, else the holder's name
that the application's rights configuration gives for that account (权利人名称), else, for the registrant, the
applicant's name from the same metadata. An address no source names has no entry.
"""
from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from registry.db.models import Asset, Participant, Right
from registry.db.queries import one_of

PARTICIPANT = "participant"  # the name the council admitted it under
APPLICATION = "application"  # the name an asset's application metadata gives the account


@dataclass(frozen=True)
class PartyName:
    name: str
    source: str  # PARTICIPANT or APPLICATION
    credit_code: str | None = None  # the application's unified social credit code for it, when it gives one

    def public(self) -> dict[str, Any]:
        return {"name": self.name, "source": self.source}


def application_names(asset: Asset) -> dict[str, PartyName]:
    """The names the asset's (current version's) application metadata gives accounts, by lower-case address: each
    right holder's `holder_name` with its `credit_code`, and the applicant's name for the registrant."""
    try:
        document = json.loads(asset.metadata_json) if asset.metadata_json else {}
    except ValueError:
        return {}
    if not isinstance(document, dict):
        return {}
    names: dict[str, PartyName] = {}
    for entry in document.get("rights") or []:
        if not isinstance(entry, dict):
            continue
        address, name = entry.get("address"), entry.get("holder_name")
        if isinstance(address, str) and isinstance(name, str) and name and address.lower() not in names:
            code = entry.get("credit_code")
            names[address.lower()] = PartyName(name, APPLICATION, code if isinstance(code, str) else None)
    applicant = document.get("applicant")
    if isinstance(applicant, dict) and isinstance(applicant.get("name"), str) and applicant["name"]:
        code = applicant.get("credit_code")
        names.setdefault(asset.registrant.lower(),
                         PartyName(applicant["name"], APPLICATION, code if isinstance(code, str) else None))
    return names


def resolve(db: Session, addresses: Iterable[str | None], assets: Iterable[Asset] = ()) -> dict[str, PartyName]:
    """The name of each of `addresses` that has one, keyed by the address as given: the participants table first,
    then the application metadata of `assets` (the assets the answer is about)."""
    wanted = list(dict.fromkeys(a for a in addresses if isinstance(a, str) and len(a) == 42 and a.startswith("0x")))
    if not wanted:
        return {}
    registered: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        candidates = sorted(set(chunk) | {_checksummed(a) for a in chunk})
        for account, name in db.exec(select(Participant.account, Participant.name)
                                     .where(one_of(db, col(Participant.account), candidates))):
            registered[account.lower()] = name
    from_applications: dict[str, PartyName] = {}
    for asset in assets:
        for address, party in application_names(asset).items():
            from_applications.setdefault(address, party)
    names: dict[str, PartyName] = {}
    for address in wanted:
        key = address.lower()
        if key in registered:
            application = from_applications.get(key)
            names[address] = PartyName(registered[key], PARTICIPANT, application.credit_code if application else None)
        elif key in from_applications:
            names[address] = from_applications[key]
    return names


#: Assets read per lookup of names outside an asset's answer (`of_accounts`): the latest each account registered
#: or holds a primary right of.
ASSETS_PER_LOOKUP = 200


def of_accounts(db: Session, addresses: list[str]) -> dict[str, PartyName]:
    """Names of accounts seen outside an asset's answer (a party's page, a list of assets or listings): a
    participant's registered name, else the name the application of an asset the account registered or holds a
    primary right of gives it (the latest such asset first)."""
    wanted = [_checksummed(a) for a in dict.fromkeys(addresses)]
    found = resolve(db, wanted)
    rest = [a for a in wanted if a not in found]
    if rest:
        ids = list(db.exec(select(Asset.asset_id).where(col(Asset.registrant).in_(rest))
                           .order_by(col(Asset.registered_block).desc()).limit(ASSETS_PER_LOOKUP)))
        ids += list(db.exec(select(Right.asset_id).where(col(Right.holder).in_(rest), Right.parent_index == 0)
                            .order_by(col(Right.created_block).desc()).limit(ASSETS_PER_LOOKUP)))
        if ids:
            assets = db.exec(select(Asset).where(col(Asset.asset_id).in_(list(dict.fromkeys(ids))))
                             .order_by(col(Asset.registered_block).desc())).all()
            found |= resolve(db, rest, assets)
    by_given = {_checksummed(a): a for a in addresses}
    return {by_given[a]: party for a, party in found.items() if a in by_given}


@functools.lru_cache(maxsize=65_536)
def _checksummed(address: str) -> str:
    """EIP-55 spelling, as the participants table keys its accounts (the address as given if it is not one).
    Remembered: a keccak hash per address was a tenth of an asset's answer with a hundred rights, and the same
    few thousand parties come back in every answer."""
    from eth_utils import to_checksum_address

    try:
        return str(to_checksum_address(address))
    except ValueError:
        return address


def public(names: dict[str, PartyName]) -> dict[str, dict[str, Any]]:
    """As the API serves them: {address: {name, source}}."""
    return {address: party.public() for address, party in names.items()}
