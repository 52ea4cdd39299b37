"""Names beside addresses outside an asset's answer (a party's page, lists of assets and listings): each account's
participant name, else the name an asset's application gives it (registry/db/names.py)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import SessionDep
from api.schemas import PartyNamePublic
from registry.chain.types import checksum
from registry.db import names

router = APIRouter(prefix="/v1", tags=["participants"])

MAX_ADDRESSES = 100


@router.get("/names", response_model=dict[str, PartyNamePublic],
            summary="The names the registry knows for accounts: a participant's, else the application's")
def account_names(
    db: SessionDep,
    address: Annotated[list[str], Query(min_length=1, max_length=MAX_ADDRESSES, description="An account; "
                                        f"repeat for several (at most {MAX_ADDRESSES}).")],
) -> dict[str, PartyNamePublic]:
    accounts = [checksum(a.strip(), "address") for a in address]
    return {account: PartyNamePublic(**party.public()) for account, party in names.of_accounts(db, accounts).items()}
