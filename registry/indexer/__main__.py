"""`python -m registry.indexer`: the indexer process on its own, the same as `datareg index run` without
loading the rest of the command line (web3, eth-account, the API), so that it starts in a fraction of the time."""
import gc
import sys

# No cyclic garbage collection while importing: the imports make some 130,000 objects the collector tracks, which
# live as long as the process, and almost no garbage; its passes over them were a seventh of the start. Frozen
# after (gc.freeze), they are left out of every later collection too; run_indexer freezes what its start makes
# as well (registry/heap.py, which `datareg index run` goes through too).
gc.disable()

# httpx imports its own command line (click, rich, pygments: a tenth of this process's start) unless that
# fails to import, when it falls back to a stub; this process never runs it.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

from registry.config import Settings  # noqa: E402 - after the lines above
from registry.indexer.service import run_indexer  # noqa: E402

gc.freeze()
gc.enable()

if __name__ == "__main__":
    run_indexer(Settings.from_env())
