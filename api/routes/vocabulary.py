"""GET /v1/vocabulary: the registry's vocabulary (registry/vocabulary.py) with its Chinese and English labels, so
that clients, the explorer among them, keep no copy of the contracts' enums."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from registry import vocabulary

router = APIRouter(prefix="/v1", tags=["vocabulary"])


@router.get("/vocabulary", summary="Every enum, code and flag of the registry, with labels in Chinese and English")
def get_vocabulary() -> dict[str, Any]:
    """Each group (right_kind, role, stage, listing_status, ...) lists its terms in the contracts' order: `code`
    is the number on chain, `key` the word the API answers with, `zh` and `en` the labels. The `attribute` group
    lists the bits of an asset's attributes."""
    return vocabulary.as_json()
