"""Every error the registry package raises derives from RegistryError, grouped by area.

Messages are written for the person who will read them: they quote the offending value, end with a full
stop, and say how to fix the problem where a fix exists.
"""
from __future__ import annotations

from typing import Any


class RegistryError(Exception):
    """Root of every error raised by the registry package."""

    #: A short machine-readable code, stable across releases, used by the API's error bodies.
    code: str = "registry_error"


class ConfigurationError(RegistryError):
    code = "configuration_error"


class ValidationError(RegistryError):
    """Input that is malformed: refused before anything is sent or written."""

    code = "invalid_input"

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        #: One entry per problem: {"field": "dotted.path", "message": "..."}.
        self.errors = errors or []


class MetadataError(ValidationError):
    """A metadata document that does not follow the registry's schema."""

    code = "invalid_metadata"


class ContentError(RegistryError):
    """Content addressing and content stores: bad CIDs, missing documents, unreachable IPFS nodes."""

    code = "content_error"


class ContentNotFound(ContentError):
    code = "content_not_found"


class ChainError(RegistryError):
    """Talking to the chain: node unreachable, transaction failed, contract refused."""

    code = "chain_error"


class ChainUnavailable(ChainError):
    """The chain node cannot be reached (connection refused or reset, timed out): a write can be tried again
    when it is back."""

    code = "chain_unavailable"


class ContractRevert(ChainError):
    """The registry contract refused an operation with one of its custom errors."""

    code = "contract_refused"

    def __init__(self, message: str, error_name: str, args: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.error_name = error_name
        self.error_args = args or {}


class SigningError(RegistryError):
    """Keys, keystores and signatures."""

    code = "signing_error"


class IndexerError(RegistryError):
    code = "indexer_error"


class NotFound(RegistryError):
    code = "not_found"


class AuthenticationRequired(RegistryError):
    """A read that needs the reader to prove who it is (a signed read request), sent without one or with one
    the API cannot accept; `code` says which (registry/chain/read_request.py)."""

    code = "authentication_required"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code:
            self.code = code


class AccessDenied(RegistryError):
    """A proven reader asking for what only other parties may read."""

    code = "forbidden"


class CommitmentMismatch(RegistryError):
    """A private document that is not the one its on-chain commitment names (altered on disk, or another)."""

    code = "commitment_mismatch"
