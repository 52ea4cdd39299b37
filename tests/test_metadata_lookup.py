"""The indexer's metadata lookup (registry/indexer/service.py StoreLookup): within a write batch it lists a
local store's shard directories instead of opening a file per asset, and must still see every document stored
before the batch began, and nothing stale after a change."""
from __future__ import annotations

import json
import os

from registry.content.store import LocalContentStore
from registry.indexer.service import StoreLookup


def _doc(n: int) -> bytes:
    return json.dumps({"name": f"doc {n}"}).encode()


def test_lookup_in_a_batch_finds_stored_documents_and_misses_absent_ones(tmp_path):
    store = LocalContentStore(tmp_path)
    lookup = StoreLookup(store)
    present = store.put(_doc(1))
    absent = LocalContentStore(tmp_path / "elsewhere").put(_doc(2))  # a valid CID this store lacks
    with lookup.batch():
        assert lookup(present) == {"name": "doc 1"}
        assert lookup(absent) is None
    assert lookup(present) == {"name": "doc 1"} and lookup(absent) is None  # outside a batch: the store itself


def test_a_document_stored_between_batches_is_seen_by_the_next_batch(tmp_path):
    """Stored right after a listing, in the same tick of the file system's clock: the listing is not reused
    (its directory changed too recently to trust the mtime), so the next batch sees the document."""
    store = LocalContentStore(tmp_path)
    lookup = StoreLookup(store)
    first = store.put(_doc(1))
    late_cid = LocalContentStore(tmp_path / "other").put(_doc(7))
    with lookup.batch():
        assert lookup(first) is not None
        assert lookup(late_cid) is None
    store.put(_doc(7))
    with lookup.batch():
        assert lookup(late_cid) == {"name": "doc 7"}


def test_an_old_listing_is_reused_only_while_its_directory_is_unchanged(tmp_path):
    store = LocalContentStore(tmp_path / "store")
    lookup = StoreLookup(store)
    cid = store.put(_doc(0))
    shard, _ = store.location(cid)
    other = LocalContentStore(tmp_path / "other")
    n, same_shard = 1, None
    while same_shard is None:  # a document whose CID falls in the same shard (1 in 256)
        candidate = other.put(_doc(n))
        if store.location(candidate)[0] == shard:
            same_shard = candidate
        n += 1
    old = 10**18  # 2001: a listing taken now is long after this mtime, so it is trusted while it stays
    os.utime(shard, ns=(old, old))
    with lookup.batch():
        assert lookup(same_shard) is None
    with lookup.batch():  # unchanged: the listing is reused, and still right
        assert lookup(same_shard) is None
    store.put(_doc(n - 1))  # the file appears: the directory's mtime moves on
    with lookup.batch():
        assert lookup(same_shard) == {"name": f"doc {n - 1}"}
