"""Two indexers on one PostgreSQL index (issue 20): one active, one standby waiting on the advisory lock. The
standby takes over when the active one dies mid-catch-up, and an active one whose lock session ends stops
writing; either way the index ends exact (equal to a fresh one)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session

from registry.chain.client import Chain, RegistryClient
from registry.db.models import Checkpoint
from registry.devchain_proxy import RpcProxy
from registry.indexer.lock import PG_LOCK_KEY
from registry.indexer.service import build_indexer
from tests.conftest import postgres_database
from tests.test_indexer import catch_up, chain, index_contents, populate, settings_for  # noqa: F401 - a fixture

WAITING = "another indexer holds this index's writer lock"


@pytest.fixture()
def postgres():
    with postgres_database() as url:
        yield url


class Process:
    """`python -m registry.indexer` with its output collected line by line."""

    def __init__(self, env: dict) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "registry.indexer"], env=env, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.lines: list[str] = []
        self.reader = threading.Thread(target=lambda: self.lines.extend(self.process.stdout), daemon=True)
        self.reader.start()

    def said(self, text_: str) -> int:
        return sum(text_ in line for line in list(self.lines))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.reader.join(timeout=10)


def wait_for(condition, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def setup(chain, tmp_path, stack, postgres, name):  # noqa: F811
    rpc, deployment = chain
    client = RegistryClient(Chain(rpc, deployment))
    populate(client, stack.accounts[:4], 20, seed=21)
    reference = build_indexer(settings_for(tmp_path, "reference", rpc, deployment))
    catch_up(reference)
    settings = settings_for(tmp_path, name, rpc, deployment, postgres)
    build_indexer(settings).engine.dispose()  # the schema, as the first indexer would create it
    engine = create_engine(postgres)

    def position() -> int:
        with Session(engine) as db:
            checkpoint = db.get(Checkpoint, "registry")
        return checkpoint.block_number if checkpoint else -1

    env = dict(os.environ, DATAREG_DATA_DIR=str(settings.data_dir), DATAREG_DATABASE_URL=postgres,
               DATAREG_INDEX_MAX_RANGE="3")  # small ranges: a catch-up of many steps, so it can be cut midway
    return rpc, client, reference, settings, engine, position, env


def test_the_standby_takes_over_when_the_active_indexer_is_killed_mid_catch_up(chain, tmp_path, stack, postgres):  # noqa: F811
    rpc, client, reference, settings, engine, position, env = setup(chain, tmp_path, stack, postgres, "pair")
    head = client.w3.eth.block_number
    with RpcProxy(rpc) as proxy:
        active = Process(dict(env, DATAREG_RPC_URL=proxy.url))
        standby = None
        try:
            wait_for(lambda: position() > chain[1].deploy_block, "the active indexer's first range")
            proxy.gate.clear()  # the active indexer hangs mid-catch-up ...
            assert position() < head
            standby = Process(dict(env, DATAREG_RPC_URL=rpc))
            wait_for(lambda: standby.said(WAITING), "the standby to wait for the lock")
            active.process.send_signal(signal.SIGKILL)  # ... and dies there
            active.process.wait()
            wait_for(lambda: position() >= head, "the standby to finish the catch-up")
            assert standby.said("indexing ") == 1
        finally:
            proxy.gate.set()
            active.stop()
            if standby:
                standby.stop()
    build = build_indexer(settings)
    assert index_contents(build.engine) == index_contents(reference.engine)
    engine.dispose()


def test_an_active_indexer_whose_lock_session_ends_stops_writing_and_takes_the_lock_again(chain, tmp_path, stack,  # noqa: F811
                                                                                          postgres):
    """The old indexer never noticed its advisory lock was gone with its session and went on writing beside
    the standby that took it; now it says so, stops, and queues for the lock again."""
    rpc, client, reference, settings, engine, position, env = setup(chain, tmp_path, stack, postgres, "fenced")
    head = client.w3.eth.block_number
    active = Process(dict(env, DATAREG_RPC_URL=rpc))
    try:
        wait_for(lambda: active.said("indexing "), "the indexer to take the lock")
        with engine.connect() as connection:  # as an administrator, or a database restart, would
            ended = connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND ((classid::bigint << 32) | objid::bigint) = :k"), {"k": PG_LOCK_KEY}).all()
        assert ended == [(True,)]
        wait_for(lambda: active.said("lost this index's writer lock"), "the indexer to notice")
        wait_for(lambda: active.said("indexing ") == 2, "the indexer to take the lock again")
        wait_for(lambda: position() >= head, "the catch-up")
    finally:
        active.stop()
    assert index_contents(build_indexer(settings).engine) == index_contents(reference.engine)
    engine.dispose()
