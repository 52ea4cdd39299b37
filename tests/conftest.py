"""Fixtures that run the real stack: anvil on a free port, the deployed contracts, SQLite in a temp
directory, the indexer in a thread and the API served over real HTTP by uvicorn.

Two layers: a test that starts processes (anvil, an indexer thread, an API server), through any fixture that
does, is marked `stack` here at collection, so `pytest -m "not stack"` runs the fast layer (handlers, queries,
metadata, content, vocabulary on SQLite with no processes). A test left unmarked that starts anvil or an API
server anyway fails, saying so. The session's start-ups are counted and printed at the end.
"""
from __future__ import annotations

import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from eth_account import Account
from eth_account.signers.local import LocalAccount

from registry import devchain
from registry.chain.client import Chain, RegistryClient
from registry.chain.deploy import deploy
from registry.cli.serve import create_app
from registry.config import Deployment, Settings
from registry.content.store import open_store
from registry.devchain import DEPLOYER_ACCOUNT, dev_key, free_port, stop
from registry.indexer.service import build_indexer
from tests import layers  # counts the anvils and API servers that tests start

# The tests' webhook receivers listen on 127.0.0.1, which the API refuses otherwise (api/webhooks.py: url_refusal);
# tests of that refusal unset it.
os.environ.setdefault("DATAREG_WEBHOOK_ALLOW_PRIVATE", "1")

# ───────────────────────────── test layers (tests/layers.py) ─────────────────────────────


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if layers.uses_stack(item):
            item.add_marker(pytest.mark.stack)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    layers.running(item)
    try:
        yield
    finally:
        layers.running(None)


def pytest_terminal_summary(terminalreporter) -> None:
    started = ", ".join(f"{what} {count}" for what, count in sorted(layers.starts.items())) or "none"
    terminalreporter.write_line(f"processes started by the tests: {started}")


@dataclass
class Stack:
    rpc_url: str
    api_url: str
    settings: Settings
    deployment: Deployment
    client: RegistryClient
    http: httpx.Client
    accounts: list[LocalAccount]

    def wait_block(self, block: int, timeout: float = 10.0) -> None:
        """Waits until the index has every event up to `block`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (self.http.get("/v1/status").json()["indexed_block"] or 0) >= block:
                return
            time.sleep(0.01)
        raise AssertionError(f"block {block} not indexed after {timeout} s")

    def advance_time(self, seconds: int) -> None:
        """Moves the chain's clock forward and mines a block at the new time."""
        self.client.w3.provider.make_request("evm_increaseTime", [seconds])
        self.client.w3.provider.make_request("evm_mine", [])

    def chain_time(self) -> int:
        return self.client.w3.eth.get_block("latest")["timestamp"]

    def wait_indexed(self, asset_id: str, timeout: float = 10.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = self.http.get(f"/v1/assets/{asset_id}")
            if response.status_code == 200:
                return response.json()
            time.sleep(0.02)
        raise AssertionError(f"asset {asset_id} not visible in the API after {timeout} s")


def make_settings(data_dir: Path, rpc_url: str, api_url: str = "http://127.0.0.1:9", **overrides) -> Settings:
    values = dict(
        rpc_url=rpc_url,
        database_url=f"sqlite:///{data_dir / 'index.db'}",
        data_dir=data_dir,
        api_url=api_url,
        ipfs_api=None,
        deployment_file=data_dir / "deployment.json",
    )
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def anvil():
    port = free_port()
    process = devchain.start_anvil(port)  # as tests/layers.py counts it
    yield f"http://127.0.0.1:{port}"
    stop(process)


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        layers.starting("API server")
        super().__init__(config)

    def install_signal_handlers(self) -> None:  # running in a thread: leave signals to pytest
        pass


@contextmanager
def running_stack(rpc_url: str, data_dir: Path):
    """Deploys the registry on the node at `rpc_url` and runs the indexer and the API against it."""
    deployment = deploy(rpc_url, dev_key(DEPLOYER_ACCOUNT))
    port = free_port()
    settings = make_settings(data_dir, rpc_url, f"http://127.0.0.1:{port}")
    deployment.save(settings.deployment_file)

    indexer = build_indexer(settings)
    stop_indexer = threading.Event()
    indexer_thread = threading.Thread(target=indexer.run, args=(stop_indexer, 0.02), daemon=True)
    indexer_thread.start()

    server = _Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    server_thread = threading.Thread(target=server.run, daemon=True)
    server_thread.start()
    http = httpx.Client(base_url=settings.api_url, timeout=30)
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield Stack(
            rpc_url=rpc_url,
            api_url=settings.api_url,
            settings=settings,
            deployment=deployment,
            client=RegistryClient(Chain(rpc_url, deployment)),
            http=http,
            accounts=[Account.from_key(dev_key(i)) for i in range(8)],
        )
    finally:
        server.should_exit = True
        stop_indexer.set()
        server_thread.join(5)
        indexer_thread.join(5)


@pytest.fixture(scope="session")
def stack(anvil, tmp_path_factory) -> Stack:
    with running_stack(anvil, tmp_path_factory.mktemp("datareg")) as running:
        yield running


@pytest.fixture(scope="module")
def private_stack(tmp_path_factory) -> Stack:
    """A stack on an anvil of its own, for tests that move the chain's clock."""
    port = free_port()
    process = devchain.start_anvil(port)  # as tests/layers.py counts it
    try:
        with running_stack(f"http://127.0.0.1:{port}", tmp_path_factory.mktemp("private")) as running:
            yield running
    finally:
        stop(process)


@pytest.fixture(scope="session")
def store(stack):
    return open_store(stack.settings)


def random_registration(holders: list[tuple[str, int]], sources=(), classification: int = 0, attributes: int = 0):
    """A registration of fresh random content; `holders` are (address, kinds mask) pairs."""
    from registry.chain.types import Registration, RightHolder, RightKind

    entries = tuple(
        RightHolder(a, frozenset(k for k in RightKind if mask & (1 << k)))
        for a, mask in sorted(holders, key=lambda h: int(h[0], 16))
    )
    return Registration(
        content_hash=os.urandom(32),
        content_cid=os.urandom(32),
        metadata_cid=os.urandom(32),
        classification=classification,
        attributes=attributes,
        sources=tuple(sources),
        holders=entries,
    )


POSTGRES_ADMIN_URL = os.environ.get("DATAREG_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
#: Set by `make test` (and so CI): a PostgreSQL test without a server fails instead of being skipped.
REQUIRE_POSTGRES = os.environ.get("DATAREG_REQUIRE_POSTGRES") == "1"


@contextmanager
def postgres_database(template: str | None = None) -> Iterator[str]:
    """A new, empty PostgreSQL database on the local server (CI has one on 127.0.0.1:5432), dropped afterwards;
    with `template`, a copy of that database. Without a reachable server the test is skipped, saying why; with
    DATAREG_REQUIRE_POSTGRES=1 it fails."""
    from sqlalchemy import create_engine, text

    name = f"datareg_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
        unavailable = None
    except Exception as exc:  # noqa: BLE001 - whatever stops us getting a database, the test cannot run
        unavailable = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    if unavailable:
        admin.dispose()
        reason = (f"PostgreSQL at {POSTGRES_ADMIN_URL} is not available ({unavailable}); start one, or set "
                  "DATAREG_TEST_POSTGRES")
        if REQUIRE_POSTGRES:
            pytest.fail(f"{reason}. DATAREG_REQUIRE_POSTGRES=1 (make test, CI) requires it.", pytrace=False)
        pytest.skip(reason)
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def migrated_databases(tmp_path_factory) -> Iterator[dict[str, str]]:
    """One database of each kind at the newest schema, made once: what migrated_database_url copies."""
    from registry.db.session import create_schema, make_engine

    sqlite_file = tmp_path_factory.mktemp("migrated") / "index.db"
    engine = make_engine(f"sqlite:///{sqlite_file}")
    create_schema(engine)
    engine.dispose()
    try:
        with postgres_database() as url:
            engine = make_engine(url)
            create_schema(engine)
            engine.dispose()  # a template must have no connections
            yield {"sqlite": str(sqlite_file), "postgresql": url.rsplit("/", 1)[1]}
    except pytest.skip.Exception:
        yield {"sqlite": str(sqlite_file)}


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated_database_url(request, tmp_path, migrated_databases):
    """Like database_url, but already at the newest schema (a copy of a migrated database, cheaper than
    migrating each time): for tests of what the schema holds, not of the migrations."""
    if request.param == "sqlite":
        copy = tmp_path / "index.db"
        shutil.copy(migrated_databases["sqlite"], copy)
        yield f"sqlite:///{copy}"
        return
    if "postgresql" not in migrated_databases:
        with postgres_database():  # skips (or fails) saying why
            pass
    with postgres_database(template=migrated_databases["postgresql"]) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh, empty database of each kind: a SQLite file, or a new PostgreSQL database on the local server
    (see postgres_database), dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'index.db'}"
        return
    with postgres_database() as url:
        yield url


def abi_type(param: dict, raw_strings: bool = False) -> str:
    """The canonical ABI type of a parameter, tuples spelled out, as eth_abi's encode takes it. With
    `raw_strings`, strings become bytes (the same encoding), so that any bytes, UTF-8 or not, can be sent."""
    if param["type"].startswith("tuple"):
        return "(" + ",".join(abi_type(c, raw_strings) for c in param["components"]) + ")" + param["type"][5:]
    if raw_strings and param["type"].startswith("string"):
        return "bytes" + param["type"][6:]
    return param["type"]
