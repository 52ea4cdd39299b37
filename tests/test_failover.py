"""Several chain nodes in DATAREG_RPC_URL (issue 20): the transport reads from a healthy node, fails over
when one stops answering, refuses a node of another chain, and comes back to a recovered one. Two anvils
cannot share a chain, so "two nodes" are one anvil behind two TCP proxies, each of which can be cut."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import uvicorn

from api.main import create_app
from registry.chain.client import Chain, RegistryClient
from registry.chain.deploy import deploy
from registry.chain.rpc import Rpc
from registry.devchain import ANVIL_CHAIN_ID, DEPLOYER_ACCOUNT, dev_key, free_port, start_anvil, stop
from registry.devchain_proxy import TcpProxy
from registry.errors import ChainUnavailable
from registry.indexer.service import build_indexer
from tests.test_indexer import catch_up, index_contents, populate, settings_for

OTHER_CHAIN_ID = ANVIL_CHAIN_ID + 1


@pytest.fixture()
def nodes():
    """A private anvil (with the registry deployed) behind two cuttable proxies, and a second anvil on
    another chain id: (anvil url, [proxy A, proxy B], other chain's url, deployment)."""
    port, other_port = free_port(), free_port()
    anvil, other = start_anvil(port), start_anvil(other_port, chain_id=OTHER_CHAIN_ID)
    url = f"http://127.0.0.1:{port}"
    proxies = [TcpProxy(port).restore(), TcpProxy(port).restore()]
    try:
        yield url, proxies, f"http://127.0.0.1:{other_port}", deploy(url, dev_key(DEPLOYER_ACCOUNT))
    finally:
        for proxy in proxies:
            proxy.cut()
        stop(anvil)
        stop(other)


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # in a thread: signals stay with pytest
        pass


def test_the_indexer_fails_over_when_the_first_node_is_cut_mid_catch_up_and_ends_exact(nodes, tmp_path, stack):
    """The first listed node stops answering while the indexer catches up: it goes on through the second one,
    and its index equals a fresh one. The API's status shows the cut node unhealthy and the node of another
    chain left out, with why. Fails on the old transport, which took the whole list as one URL."""
    url, (first, second), other_chain, deployment = nodes
    populate(RegistryClient(Chain(url, deployment)), stack.accounts[:4], 25, seed=7)
    reference = build_indexer(settings_for(tmp_path, "reference", url, deployment))
    catch_up(reference)

    urls = f"{first.url},{second.url},{other_chain}"
    settings = settings_for(tmp_path, "failover", urls, deployment)
    indexer = build_indexer(settings)
    indexer.max_range = indexer.range = 3  # small ranges, so the cut falls in the middle of the catch-up
    for _ in range(4):
        indexer.step()
    assert indexer.rpc.url == first.url
    first.cut()
    catch_up(indexer)

    assert indexer.rpc.url == second.url
    assert index_contents(indexer.engine) == index_contents(reference.engine)
    assert len(index_contents(indexer.engine)["events"]) > 25

    port = free_port()
    server = _Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        status = httpx.get(f"http://127.0.0.1:{port}/v1/status", timeout=10).json()
    finally:
        server.should_exit = True
        thread.join(5)
    by_url = {node["url"]: node for node in status["rpc_nodes"]}
    assert list(by_url) == [first.url, second.url, other_chain]
    assert by_url[first.url]["healthy"] is False and "cannot be reached" in by_url[first.url]["reason"]
    assert by_url[second.url]["healthy"] is True and by_url[second.url]["chain_id"] == ANVIL_CHAIN_ID
    assert by_url[other_chain] == {"url": other_chain, "chain_id": OTHER_CHAIN_ID, "head": 0, "healthy": False,
                                   "reason": f"serves chain {OTHER_CHAIN_ID}, not chain {ANVIL_CHAIN_ID}: left out"}
    assert status["rpc_reachable"] is True and status["head_block"] == status["indexed_block"]


def test_a_node_of_another_chain_is_never_read_from_even_when_listed_first(nodes):
    url, _, other_chain, _ = nodes
    rpc = Rpc(f"{other_chain},{url}", chain_id=ANVIL_CHAIN_ID)
    assert int(rpc.call("eth_chainId"), 16) == ANVIL_CHAIN_ID
    assert rpc.url == url
    assert rpc.health()[0]["reason"] == f"serves chain {OTHER_CHAIN_ID}, not chain {ANVIL_CHAIN_ID}: left out"
    alone = Rpc(other_chain, chain_id=ANVIL_CHAIN_ID, check_interval=0)
    alone.nodes.append(alone.nodes[0])  # the same wrong node twice: no node is left to read from
    with pytest.raises(ChainUnavailable, match=f"serves chain {OTHER_CHAIN_ID}, not chain {ANVIL_CHAIN_ID}"):
        alone.call("eth_blockNumber")


def test_a_node_far_behind_is_left_out_and_a_recovered_node_is_read_from_again(nodes):
    url, (first, second), _, _ = nodes
    rpc = Rpc(f"{first.url},{second.url}", check_interval=0, max_lag=2)
    assert rpc.call("eth_blockNumber") and rpc.url == first.url
    first.cut()
    assert rpc.call("eth_blockNumber") and rpc.url == second.url
    assert rpc.health()[0]["healthy"] is False
    first.restore()
    rpc.call("eth_blockNumber")
    assert rpc.url == first.url and rpc.health()[0]["healthy"] is True

    # A node 3 blocks behind the best one, with 2 allowed: the second node's view is pinned by a proxy that
    # answers the first's head minus 3 (a node still syncing).
    head = int(rpc.call("eth_blockNumber"), 16)
    Rpc(url).call("anvil_mine", ["0x3"])
    behind = Rpc(f"{url},{_FixedHead(head).url}", check_interval=0, max_lag=2)
    behind.check_nodes()
    assert behind.health()[1]["healthy"] is False
    assert behind.health()[1]["reason"].startswith("3 blocks behind the best node")


class _FixedHead:
    """A node of the anvil chain stuck at block `head`: a tiny JSON-RPC server answering chain id and head."""

    def __init__(self, head: int) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                calls = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                answer = {"eth_chainId": hex(ANVIL_CHAIN_ID), "eth_blockNumber": hex(head)}
                body = json.dumps([{"jsonrpc": "2.0", "id": c["id"], "result": answer.get(c["method"])}
                                   for c in calls]).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
