"""`python -m registry.indexer`: the indexer process on its own, the same as `datareg index run` without
loading the rest of the command line (web3, eth-account, the API), so that it starts in a fraction of the time."""
from registry.config import Settings
from registry.indexer.service import run_indexer

if __name__ == "__main__":
    run_indexer(Settings.from_env())
