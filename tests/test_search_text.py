"""Text search of assets (`GET /v1/assets?q=`): the words are matched as written, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import Session

from registry.db.models import Asset
from registry.db.queries import list_assets
from registry.db.session import create_schema, make_engine

NAMES = ["交通流量 2026", "100% 覆盖率", "road_speed", "back\\slash", "plain"]


@pytest.fixture
def db(migrated_database_url):
    engine = make_engine(migrated_database_url)
    create_schema(engine)
    with Session(engine) as session:
        for i, name in enumerate(NAMES):
            session.add(Asset(asset_id=f"0x{i:064x}", registrant="0x" + "1" * 40, submitter="0x" + "1" * 40,
                              content_hash=f"0x{i:064x}", metadata_cid=f"Qm{i}", classification=0, name=name,
                              summary="", registered_block=i, registered_tx="0x" + "2" * 64,
                              registered_log_index=0, registered_at=0, updated_block=i))
        session.commit()
        yield session
    engine.dispose()


@pytest.mark.parametrize("q, names", [
    ("%", ["100% 覆盖率"]),
    ("_", ["road_speed"]),
    ("\\", ["back\\slash"]),
    ("0%", ["100% 覆盖率"]),
    ("d_s", ["road_speed"]),
    ("交通", ["交通流量 2026"]),
    ("PLAIN", ["plain"]),
    ("%%", []),
    ("r_a", []),
])
def test_search_matches_wildcard_characters_literally(db, q: str, names: list[str]) -> None:
    """Fails on the old code: `?q=%` and `?q=_` matched every asset, since the text went into LIKE as a
    pattern (and `?q=r_a` matched "road_speed" through `_`)."""
    rows, count = list_assets(db, text=q)
    assert sorted(a.name for a in rows) == sorted(names)
    assert count == len(names)


def test_postgresql_can_find_words_from_trigram_indexes(db) -> None:
    """Migration 0030: on PostgreSQL the name and the summary have trigram indexes (pg_trgm) that a search for a
    word of three or more characters, Chinese too, is answered from; without them every asset was read."""
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's indexes (SQLite has no trigram index)")
    db.execute(text("SET LOCAL enable_seqscan = off"))  # five rows: the planner would rather read them all
    for operator in ("LIKE", "ILIKE"):
        plan = "\n".join(db.execute(text(f"EXPLAIN SELECT asset_id FROM assets WHERE name {operator} '%交通流%' "
                                         f"OR summary {operator} '%交通流%'")).scalars())
        assert "ix_assets_name_trgm" in plan and "ix_assets_summary_trgm" in plan, plan
