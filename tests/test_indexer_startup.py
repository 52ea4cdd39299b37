"""The indexer process starts with only what it needs (issue 19): what `python -m registry.indexer` does before its
first log line (its imports, a SQLite engine, the JSON-RPC client) leaves out the PostgreSQL dialect, the API's own
tables, the table models' Pydantic validators and the CA bundle of a node reached over plain HTTP. Not a timing
test: these are what regress, and scripts/bench_start.py measures the time."""
from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, ssl, sys
bundles = []
default_context = ssl.create_default_context
def counted(*args, **kwargs):
    bundles.append(kwargs.get("cafile") or "default")
    return default_context(*args, **kwargs)
ssl.create_default_context = counted

import gc
import registry.indexer.__main__  # the process's imports and collector settings (run_indexer is not called)
from registry.chain.rpc import Rpc
from sqlmodel import SQLModel
from registry.db.session import make_engine

make_engine("sqlite://")
Rpc(sys.argv[1])
print(json.dumps({
    "loaded": [m for m in ("sqlalchemy.dialects.postgresql", "registry.db.api_tables", "web3", "eth_account",
                           "fastapi", "alembic") if m in sys.modules],
    "validators_built": [m.class_.__name__ for m in SQLModel._sa_registry.mappers if m.class_.__pydantic_complete__],
    "ca_bundles_loaded": len(bundles),
    "collector": [gc.isenabled(), gc.get_freeze_count() > 0],
}))
"""


def start(rpc_url: str) -> dict:
    result = subprocess.run([sys.executable, "-c", PROBE, rpc_url], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_indexer_starts_without_what_it_does_not_use():
    """Failed before: the models imported the PostgreSQL dialect (a partial index's postgresql_where) and made the
    API's tables and every table's validator, and the JSON-RPC client loaded the CA bundle for an http:// node."""
    started = start("http://127.0.0.1:1")
    assert started["loaded"] == []
    assert started["validators_built"] == []
    assert started["ca_bundles_loaded"] == 0
    assert started["collector"] == [True, True]  # on again after the imports, which are frozen out of it


def test_a_node_over_https_is_still_verified():
    assert start("https://127.0.0.1:1")["ca_bundles_loaded"] == 1


def test_a_table_model_validates_and_serialises_when_first_asked():
    """The validators are built at first use instead (defer_build): the API's model_validate and model_dump work."""
    from registry.db.models import Checkpoint

    row = Checkpoint.model_validate({"name": "registry", "chain_id": "31337", "contract": "0x" + "11" * 20,
                                     "block_number": 5, "block_hash": "0x" + "22" * 32, "updated_at": 1.5})
    assert row.chain_id == 31337 and row.model_dump()["block_number"] == 5
