"""A read-only index database (issue 14, item 7): the API goes on serving reads and says so in /v1/status,
writes to it are refused with a 503 that says why, and the indexer waits and reports until the database can
be written again, then resumes. Run as processes of their own (`datareg api`, `datareg index run`), the way
they exited with a traceback."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest
from eth_account import Account
from sqlalchemy import create_engine, text

from registry.chain.client import Chain, RegistryClient
from registry.chain.deploy import deploy
from registry.config import Deployment
from registry.devchain import DEPLOYER_ACCOUNT, dev_key, free_port
from tests.conftest import POSTGRES_ADMIN_URL, random_registration
from tests.faults import anvil_node, postgres_database

REPO = Path(__file__).resolve().parents[1]
ALL = 7


def _set_writable(path: Path, writable: bool) -> None:
    """Makes a file or directory (un)writable for this process: root ignores mode bits, not the immutable flag."""
    if os.geteuid() == 0:
        if shutil.which("chattr") is None:
            pytest.skip("running as root without chattr: cannot make a file read-only")
        subprocess.run(["chattr", "-i" if writable else "+i", str(path)], check=True)
    else:
        path.chmod(path.stat().st_mode | 0o200 if writable else path.stat().st_mode & ~0o222)


@contextmanager
def read_only(kind: str, data: Path, database_url: str):
    """The index database made read-only for the block's duration, in one of three ways."""
    if kind == "postgresql":
        name = database_url.rsplit("/", 1)[1]
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
        try:
            yield
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = off'))
            admin.dispose()
        return
    target = data / "db" / "index.db" if kind == "sqlite-file" else data / "db"
    _set_writable(target, False)
    try:
        yield
    finally:
        _set_writable(target, True)


class Processes:
    """`datareg api` and `datareg index run` against one data directory, with their output kept."""

    def __init__(self, data: Path, env: dict[str, str]) -> None:
        self.data, self.env, self.port = data, env, free_port()
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30)
        self.logs = {name: Path(f"{data}-{name}.log") for name in ("api", "indexer")}  # beside, not inside
        self.api = self._start("api", ["api", "--port", str(self.port)])
        self.indexer = self._start("indexer", ["index", "run"])
        deadline = time.monotonic() + 60
        while True:
            assert self.api.poll() is None, self.output("api")
            try:
                if self.http.get("/v1/status").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, self.output("api")
            time.sleep(0.2)

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        with open(self.logs[name], "ab") as log:
            return subprocess.Popen([sys.executable, "-m", "registry.cli.main", *args], env=self.env, cwd=REPO,
                                    stdout=log, stderr=subprocess.STDOUT)

    def output(self, name: str) -> str:
        return self.logs[name].read_text(errors="replace")

    def wait_asset(self, asset_id: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.http.get(f"/v1/assets/{asset_id}").status_code != 200:
            assert self.indexer.poll() is None, self.output("indexer")
            assert time.monotonic() < deadline, self.http.get("/v1/status").json()["summary"]
            time.sleep(0.1)

    def stop(self) -> None:
        self.http.close()
        for process in (self.api, self.indexer):
            process.terminate()
            process.wait(15)


@pytest.mark.parametrize("kind", ["sqlite-file", "sqlite-dir", "postgresql"])
def test_a_read_only_database_serves_reads_and_the_indexer_waits_for_it(kind: str, tmp_path: Path) -> None:
    """Fails on the old code: with the SQLite database's directory read-only the API and the indexer exited
    with a traceback at start (`unable to open database file`); on a read-only PostgreSQL database the
    indexer exited with a traceback (InternalError, read-only transaction); the status never said read-only."""
    data = tmp_path / "data"
    data.mkdir()
    with ExitStack() as resources:
        database_url = (resources.enter_context(postgres_database()) if kind == "postgresql"
                        else f"sqlite:///{data / 'db' / 'index.db'}")
        rpc_url, _ = resources.enter_context(anvil_node())
        deployment = deploy(rpc_url, dev_key(DEPLOYER_ACCOUNT))
        deployment.save(data / "deployment.json")
        client = RegistryClient(Chain(rpc_url, Deployment.load(data / "deployment.json")))
        alice = Account.from_key(dev_key(5))
        env = {**os.environ, "DATAREG_DATA_DIR": str(data), "DATAREG_DEPLOYMENT": str(data / "deployment.json"),
               "DATAREG_DATABASE_URL": database_url, "DATAREG_RPC_URL": rpc_url}
        before = client.register(random_registration([(alice.address, ALL)]), alice).asset_ids[0]
        first = Processes(data, env)
        first.wait_asset(before)
        first.stop()

        with read_only(kind, data, database_url):
            running = Processes(data, env)
            resources.callback(running.stop)
            assert running.http.get(f"/v1/assets/{before}").status_code == 200
            status = running.http.get("/v1/status").json()
            assert status["database_read_only"] is True and status["database_reachable"] is True
            assert "read-only" in status["summary"]
            document = json.loads((REPO / "examples" / "traffic-flow.json").read_text())
            # The API writes no index row: a document goes to the content store (not read-only here), and the
            # indexer fills in the fields of the assets registered with it (registry/indexer/late_metadata.py).
            stored = running.http.post("/v1/metadata", json=document)
            assert stored.status_code == 201, stored.text
            after = client.register(random_registration([(alice.address, ALL)]), alice).asset_ids[0]
            deadline = time.monotonic() + 30
            while "read-only" not in running.output("indexer"):
                assert running.indexer.poll() is None, running.output("indexer")
                assert time.monotonic() < deadline, running.output("indexer")
                time.sleep(0.2)
            assert running.http.get(f"/v1/assets/{after}").status_code == 404
        # Writable again: the same indexer process resumes, and the API serves what it wrote.
        running.wait_asset(after)
        for name in ("api", "indexer"):
            assert running.api.poll() is None and running.indexer.poll() is None
            assert "Traceback" not in running.output(name), running.output(name)


def _locks_on(path: Path) -> int:
    """POSIX locks this process holds on `path` (/proc/locks names the inode)."""
    inode = path.stat().st_ino
    return sum(1 for line in Path("/proc/locks").read_text().splitlines()
               if f":{inode} " in line and f" {os.getpid()} " in line)


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="needs Linux's /proc/locks")
def test_asking_whether_the_index_is_writable_keeps_sqlites_locks(tmp_path):
    """Failed on the old code: read_only_reason() opened and closed the database file to see whether it could be
    written, and closing any descriptor of a file drops every POSIX lock the process holds on it, SQLite's
    included. Another process's SQLite then took itself for the last connection and deleted the WAL under this
    one (seen in the indexer benchmark: the API stuck at indexed_block null while the index grew)."""
    from registry.db.session import make_engine, read_only_reason

    path = tmp_path / "index.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as holder:
        holder.execute(text("CREATE TABLE t (x INTEGER)"))
        holder.commit()
        holder.exec_driver_sql("BEGIN")
        holder.execute(text("SELECT count(*) FROM t")).scalar()  # a read transaction: SQLite holds its locks
        before = _locks_on(path)
        assert before > 0
        with engine.connect() as asker:
            assert read_only_reason(asker) is None
        assert _locks_on(path) == before
        holder.exec_driver_sql("ROLLBACK")
    engine.dispose()
