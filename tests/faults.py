"""What the security and fault tests share: the TCP proxy that can be cut and restored (from
registry.devchain_proxy; standing between the API or indexer and the chain node or PostgreSQL, so "the node is
down" is a real refused connection), and a stack of its own (anvil, contracts, indexer thread, API over uvicorn)
whose pieces the test chooses."""
from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from eth_account import Account

from registry.chain.client import Chain, RegistryClient
from registry.chain.deploy import deploy
from registry.cli.serve import create_app
from registry.devchain import DEPLOYER_ACCOUNT, dev_key, free_port, start_anvil, stop
from registry.devchain_proxy import TcpProxy  # noqa: F401 - the fault tests' proxy, imported from here
from registry.indexer.service import build_indexer, run_until_stopped
from tests.conftest import Stack, _Server, make_settings
from tests.conftest import postgres_database as postgres_database  # where the fault tests import it from


@contextmanager
def environment(**values: str) -> Iterator[None]:
    """Sets environment variables for the block (the API reads its limits when the app is built)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def anvil_node(zero_fees: bool = False) -> Iterator[tuple[str, int]]:
    port = free_port()
    process = start_anvil(port, zero_fees=zero_fees)
    try:
        yield f"http://127.0.0.1:{port}", port
    finally:
        stop(process)


@contextmanager
def serve(app) -> Iterator[str]:
    """Serves an ASGI app over real HTTP with uvicorn in a thread; yields its URL."""
    port = free_port()
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def api_app(settings, **env: str):
    """The API as `create_app` builds it, with these environment variables set while it is built."""
    with environment(**env):
        return create_app(settings)


@contextmanager
def own_stack(anvil_url: str, data_dir: Path, rpc_url: str | None = None, database_url: str | None = None,
              env: dict[str, str] | None = None) -> Iterator[Stack]:
    """Deploys on `anvil_url` and runs the indexer (with its database retry loop) and the API against
    `rpc_url` (default the same node; a proxy in front of it for fault tests) and `database_url`."""
    deployment = deploy(anvil_url, dev_key(DEPLOYER_ACCOUNT))
    overrides = {"database_url": database_url} if database_url else {}
    settings = make_settings(data_dir, rpc_url or anvil_url, **overrides)
    deployment.save(settings.deployment_file)
    stop_indexer = threading.Event()
    app = api_app(settings, **(env or {}))
    indexer = build_indexer(settings)
    indexer_thread = threading.Thread(target=run_until_stopped, args=(indexer, stop_indexer, 0.02), daemon=True)
    indexer_thread.start()
    try:
        with serve(app) as url:
            stack = Stack(
                rpc_url=anvil_url,
                api_url=url,
                settings=settings,
                deployment=deployment,
                client=RegistryClient(Chain(anvil_url, deployment)),
                http=httpx.Client(base_url=url, timeout=60),
                accounts=[Account.from_key(dev_key(i)) for i in range(8)],
            )
            stack.indexer = indexer
            stack.indexer_thread = indexer_thread
            stack.stop_indexer = stop_indexer
            try:
                yield stack
            finally:
                stack.http.close()
    finally:
        stop_indexer.set()
        indexer_thread.join(10)
