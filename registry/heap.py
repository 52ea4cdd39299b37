"""The long-running processes' heap policy (the indexer and the API)."""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


def freeze_startup_objects() -> None:
    """Moves what is alive once a process has started (modules, the ABIs, SQLAlchemy's and Pydantic's
    structures: ~190,000 objects) out of the cyclic collector's generations, so that its full collections no
    longer walk them. Those collections come every few hundred requests or batches, set off by the rows and
    models they create, and each walked everything: 70-100 ms on this machine, in the middle of whatever
    request or block set it off (the indexer's live lag had one such stall every minute or two), and a tenth of
    the indexer's catch-up CPU. After the freeze they walk only what the process created since."""
    gc.collect()
    gc.freeze()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection while the block runs: the indexer's write of a range creates tens of thousands of
    rows that live until its commit, and every few hundred allocations the collector walked them all again
    (gen0 and gen1 collections, and full ones set off by the rows themselves: 0.4 s of the 4 s W2 catch-up).
    What the range leaves cyclic is collected once the collector is on again, after the commit."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
