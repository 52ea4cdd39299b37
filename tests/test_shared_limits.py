"""Rate limits shared by every API instance on a PostgreSQL index (issue 20): the token buckets are rows of the
database, so two instances (here: two buckets on two engines, as two processes hold them) allow a client its rate
once, not once each. tests/test_scale_out.py checks the same through two API processes."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from api.limits import Rate, SharedTokenBucket, TokenBucket, make_bucket
from registry.db.session import make_engine
from tests.conftest import postgres_database


@pytest.fixture()
def postgres(migrated_databases):
    if "postgresql" not in migrated_databases:
        with postgres_database():  # skips (or fails) saying why
            pass
    with postgres_database(template=migrated_databases["postgresql"]) as url:
        engines = [make_engine(url), make_engine(url)]
        yield engines
        for engine in engines:
            engine.dispose()


def test_two_instances_share_one_allowance_per_client(postgres) -> None:
    """Fails on the old code: each instance's bucket lived in its own memory, so two instances allowed 10 of
    these 20 requests instead of 5."""
    rate = Rate(5, 60.0)
    first, second = (SharedTokenBucket(rate, engine, "writes") for engine in postgres)
    waits = [(first if i % 2 else second).take("203.0.113.9") for i in range(20)]
    assert sum(w == 0.0 for w in waits) == 5
    assert all(0 < w <= 12.0 for w in waits[5:])  # a token every 12 s: the next one is at most that far
    # Another client, and another rule, have allowances of their own.
    assert first.take("203.0.113.10") == 0.0
    assert SharedTokenBucket(rate, postgres[0], "store").take("203.0.113.9") == 0.0


def test_concurrent_requests_on_two_instances_spend_each_token_once(postgres) -> None:
    rate = Rate(7, 3600.0)
    buckets = [SharedTokenBucket(rate, engine, "writes") for engine in postgres]
    with ThreadPoolExecutor(16) as pool:
        waits = list(pool.map(lambda i: buckets[i % 2].take("198.51.100.1"), range(64)))
    assert sum(w == 0.0 for w in waits) == 7


def test_the_allowance_refills_on_the_database_clock(postgres) -> None:
    bucket = SharedTokenBucket(Rate(2, 1.0), postgres[0], "writes")  # 2 a second
    assert [bucket.take("c") == 0.0 for _ in range(3)] == [True, True, False]
    with postgres[0].begin() as connection:  # half a second later, as far as the database can tell
        connection.exec_driver_sql("UPDATE rate_buckets SET updated_at = updated_at - 0.5")
    assert bucket.take("c") == 0.0 and bucket.take("c") > 0


def test_sqlite_keeps_each_process_its_own_bucket(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'index.db'}")
    assert type(make_bucket(Rate(5, 60.0), engine, "writes")) is TokenBucket
    assert type(make_bucket(Rate(5, 60.0), None, "writes")) is TokenBucket


def test_an_unreachable_database_falls_back_to_the_process_bucket() -> None:
    engine = make_engine("postgresql://nobody@127.0.0.1:9/none")
    bucket = SharedTokenBucket(Rate(2, 60.0), engine, "writes")
    assert [bucket.take("c") == 0.0 for _ in range(3)] == [True, True, False]
