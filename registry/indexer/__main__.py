"""`python -m registry.indexer`: the indexer process on its own, the same as `datareg index run` without
loading the rest of the command line (web3, eth-account, the API), so that it starts in a fraction of the time."""
import sys

# httpx imports its own command line (click, rich, pygments: a tenth of this process's start) unless that
# fails to import, when it falls back to a stub; this process never runs it.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

from registry.config import Settings  # noqa: E402 - after the line above
from registry.indexer.service import run_indexer  # noqa: E402

if __name__ == "__main__":
    run_indexer(Settings.from_env())
