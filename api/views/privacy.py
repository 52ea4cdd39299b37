"""What a reader may see of the private parts of an answer (application documents, objection evidence, contact
details): the rules are registry/rules.py's, the parties registry/db/access.py's; this applies them to one
request's reader and notes what was withheld, which the answer names in its DataReg-Withheld header."""
from __future__ import annotations

from collections.abc import Callable

from fastapi import Response
from sqlmodel import Session

from api.deps import ANONYMOUS, Reader
from registry import rules
from registry.db import access

#: The response header naming the fields left out (or null) because the reader may not read them.
WITHHELD_HEADER = "DataReg-Withheld"
#: Who may read each kind of private part, as refusals and the API's documentation say it.
DOCUMENT_READERS = "the applicant, the registrar handling the application and regulators"
EVIDENCE_READERS = "the objector, the applicant, the registrar handling the application and regulators"


class Audience:
    """One request's reader, judged against parties as the answer is built (regulator status looked up once)."""

    def __init__(self, db: Session, reader: Reader = ANONYMOUS) -> None:
        self.db = db
        self.reader = reader.address
        self._regulator: bool | None = None
        self.withheld: list[str] = []

    @property
    def anonymous(self) -> bool:
        return self.reader is None

    def regulator(self) -> bool:
        if self._regulator is None:
            self._regulator = access.is_regulator(self.db, self.reader)
        return self._regulator

    def may(self, parties: frozenset[str] | set[str]) -> bool:
        if self.reader is None:
            return False
        return self.reader in parties or rules.may_read(self.reader, parties, self.regulator())

    def parties(self, asset_id: str, registration=None) -> frozenset[str]:
        """The asset's application parties; none asked for an anonymous reader, who is none of them."""
        return frozenset() if self.reader is None else access.application_parties(self.db, asset_id, registration)

    def withhold(self, field: str) -> None:
        if field not in self.withheld:
            self.withheld.append(field)

    def metadata(self, document: dict | None, parties: Callable[[], frozenset[str] | None],
                 field: str = "metadata") -> dict | None:
        """The metadata document as this reader may see it: without its contact details and its personal-
        information basis unless the reader is one of `parties()` (asked only when the document has either and the
        reader is not anonymous)."""
        shown, removed = rules.without_private_parts(document)
        if not removed:
            return document
        if self.reader is not None:
            entitled = parties()
            if entitled is not None and self.may(entitled):
                return document
        for path in removed:
            self.withhold(f"{field}.{'.'.join(path)}")
        return shown

    def mark(self, response: Response) -> None:
        if self.withheld:
            response.headers[WITHHELD_HEADER] = ", ".join(self.withheld)
