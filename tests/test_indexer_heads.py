"""New heads pushed over WebSocket (registry/indexer/heads.py): the indexer reads a block when the node pushes
it, and polls as before where the node offers no subscription."""
from __future__ import annotations

import dataclasses
import threading
import time

from registry.chain.client import Chain, RegistryClient
from registry.devchain import free_port
from registry.indexer.heads import websocket_url
from registry.indexer.service import build_indexer
from tests.conftest import random_registration
from tests.test_indexer import ALL, chain, settings_for  # noqa: F401 - chain: the fixture

WAIT = 30.0


def _run_until_indexed(indexer, client, account, poll_interval: float) -> float:
    """Runs the indexer on its thread, registers an asset once it is idle, and returns the seconds until the
    asset's block is indexed."""
    stop = threading.Event()
    thread = threading.Thread(target=indexer.run, args=(stop, poll_interval), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + WAIT
        while indexer.writer.checkpoint()[0] < client.w3.eth.block_number and time.monotonic() < deadline:
            time.sleep(0.01)
        receipt_block = client.register(random_registration([(account.address, ALL)]), account).block_number
        sent = time.monotonic()
        while indexer.writer.checkpoint()[0] < receipt_block:
            assert time.monotonic() - sent < WAIT, "the new block was not indexed"
            time.sleep(0.005)
        return time.monotonic() - sent
    finally:
        stop.set()
        thread.join(10)
        assert not thread.is_alive()


def test_a_block_pushed_by_the_node_is_indexed_without_waiting_for_the_poll(chain, tmp_path, stack):  # noqa: F811
    """anvil serves newHeads on its HTTP port as ws://. With a poll interval of a minute, only the push
    (or the subscription's heartbeat) can bring the block in within the wait."""
    rpc, deployment = chain
    client = RegistryClient(Chain(rpc, deployment))
    indexer = build_indexer(settings_for(tmp_path, "pushed", rpc, deployment))
    assert indexer.ws_url == rpc.replace("http://", "ws://")
    _run_until_indexed(indexer, client, stack.accounts[1], poll_interval=60.0)
    assert indexer.pushed_heads_used >= 1


def test_without_a_websocket_the_indexer_polls_as_before(chain, tmp_path, stack):  # noqa: F811
    rpc, deployment = chain
    client = RegistryClient(Chain(rpc, deployment))
    settings = dataclasses.replace(settings_for(tmp_path, "polled", rpc, deployment),
                                   ws_url=f"ws://127.0.0.1:{free_port()}")  # nothing listens there
    indexer = build_indexer(settings)
    _run_until_indexed(indexer, client, stack.accounts[1], poll_interval=0.01)
    assert indexer.pushed_heads_used == 0
    off = build_indexer(dataclasses.replace(settings, ws_url="off"))
    assert off.ws_url is None


def test_the_websocket_address_is_derived_from_a_single_node_only():
    assert websocket_url("http://127.0.0.1:8545") == "ws://127.0.0.1:8545"
    assert websocket_url("https://node.example/rpc?key=1") == "wss://node.example/rpc?key=1"
    assert websocket_url("http://a:8545,http://b:8545") is None  # failover between nodes: polling
    assert websocket_url("ipc:///tmp/node.ipc") is None
