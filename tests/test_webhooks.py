"""Webhooks (issue 17): an exchange registers endpoints with a signed request; every entry of its listing feed is
POSTed to each, signed with HMAC-SHA256, at least once and in feed order, through failures, timeouts and a
restart of the API; an entry that keeps failing for the retry window is dead-lettered and can be replayed."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from eth_account import Account

from api import webhooks as delivery
from registry import devchain
from registry.chain import read_request
from registry.chain.client import Chain, RegistryClient
from registry.chain.deploy import deploy
from registry.chain.operations import (
    AddParticipant,
    Grant,
    GrantTerms,
    ListingPolicy,
    SetListingPolicy,
    SetListingStatus,
    SetTradeCode,
)
from registry.cli.serve import create_app
from registry.devchain import DEPLOYER_ACCOUNT, dev_key, free_port, stop
from registry.indexer.service import build_indexer
from tests.conftest import Stack, _Server, make_settings
from tests.test_listings import list_with_consent, product
from tests.test_trades import signed_trade

pytestmark = pytest.mark.stack
ADMIN = Account.from_key(dev_key(DEPLOYER_ACCOUNT))


class Receiver:
    """An exchange's endpoint: answers 500 (`fail`), answers too late (`slow`), or acknowledges (`ok`)."""

    def __init__(self, secret: str = "") -> None:
        self.mode = "fail"
        self.secret = secret
        self.calls: list[tuple[str, str, dict, bytes]] = []  # (mode, cursor, headers, body)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                mode = receiver.mode
                with receiver.lock:
                    receiver.calls.append((mode, self.headers.get("DataReg-Cursor"), dict(self.headers), body))
                if mode == "slow":
                    time.sleep(2.5)  # past the deliverer's timeout (1 s here)
                status = 200 if mode == "ok" else 500
                try:
                    self.send_response(status)
                    self.end_headers()
                except OSError:
                    pass

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def acknowledged(self) -> list[str]:
        """The cursors acknowledged, each at its first acknowledgement, in the order they came."""
        seen: list[str] = []
        with self.lock:
            for mode, cursor, _, _ in self.calls:
                if mode == "ok" and cursor not in seen:
                    seen.append(cursor)
        return seen

    def count(self, mode: str) -> int:
        with self.lock:
            return sum(1 for c in self.calls if c[0] == mode)


def wait_for(condition, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} not met after {timeout} s")


class World:
    """Anvil, the registry, the indexer in a thread and an API that can be stopped and started again."""

    def __init__(self, tmp_path) -> None:
        port = free_port()
        self.anvil = devchain.start_anvil(port)
        rpc = f"http://127.0.0.1:{port}"
        self.deployment = deploy(rpc, dev_key(DEPLOYER_ACCOUNT))
        self.settings = make_settings(tmp_path, rpc)
        self.deployment.save(self.settings.deployment_file)
        self.indexer = build_indexer(self.settings)
        self.stop_indexer = threading.Event()
        self.indexer_thread = threading.Thread(target=self.indexer.run, args=(self.stop_indexer, 0.02), daemon=True)
        self.indexer_thread.start()
        self.server: _Server | None = None
        self.stack: Stack | None = None
        self.client = RegistryClient(Chain(rpc, self.deployment))
        self.start_api()

    def start_api(self) -> None:
        import httpx

        port = free_port()
        api_url = f"http://127.0.0.1:{port}"
        self.server = _Server(__import__("uvicorn").Config(create_app(self.settings), host="127.0.0.1", port=port,
                                                           log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        wait_for(lambda: self.server.started, 20, "API started")
        self.stack = Stack(rpc_url=self.settings.rpc_url, api_url=api_url, settings=self.settings,
                           deployment=self.deployment, client=self.client,
                           http=httpx.Client(base_url=api_url, timeout=30),
                           accounts=[Account.from_key(dev_key(i)) for i in range(8)])

    def stop_api(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)

    def close(self) -> None:
        self.stop_api()
        self.stop_indexer.set()
        self.indexer_thread.join(5)
        stop(self.anvil)

    def signed(self, account, method: str, path: str) -> dict:
        return {"Authorization": read_request.sign(account, read_request.resource_of(method, path),
                                                   self.deployment.chain_id, self.deployment.registry)}

    def feed(self, exchange: str, signer=None) -> list[str]:
        """The exchange's feed; with `signer` (the exchange), read signed: its trades' entries too."""
        headers = self.signed(signer, "GET", "/v1/listings/feed") if signer else {}
        return [e["cursor"] for e in self.stack.http.get("/v1/listings/feed", params={"exchange": exchange,
                                                                                      "limit": 1000},
                                                         headers=headers).json()["data"]]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    patch = pytest.MonkeyPatch()
    patch.setenv("DATAREG_WEBHOOK_TIMEOUT", "1")
    patch.setenv("DATAREG_WEBHOOK_BACKOFF_CAP", "1")
    w = World(tmp_path_factory.mktemp("webhooks"))
    exchange_a, exchange_b = w.stack.accounts[4], w.stack.accounts[5]
    w.client.execute(AddParticipant(exchange_a.address, "exchange", "上海数据交易所", "91310000MA1FL70B7K"), ADMIN)
    w.client.execute(AddParticipant(exchange_b.address, "exchange", "深圳数据交易所", "91440300MA5H1WXX6U"), ADMIN)
    for exchange in (exchange_a, exchange_b):  # the products listed here are uncertified (issue 17's policy)
        added = w.client.execute(SetListingPolicy(ListingPolicy(allow_uncertified=True)), exchange)
    w.stack.wait_block(added.block_number)
    try:
        yield w
    finally:
        w.close()
        patch.undo()


def register(w: World, account, url: str):
    return w.stack.http.post("/v1/webhooks", json={"url": url}, headers=w.signed(account, "POST", "/v1/webhooks"))


def test_registration_is_for_the_exchange_itself(world):
    w, exchange, stranger = world, world.stack.accounts[4], world.stack.accounts[6]
    anonymous = w.stack.http.post("/v1/webhooks", json={"url": "https://a.example/hook"})
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "authentication_required"
    assert "Prove who you are" in anonymous.json()["message"]
    other = register(w, stranger, "https://a.example/hook")
    assert other.status_code == 403 and "is not an exchange" in other.json()["message"]
    for bad in ("ftp://a.example/hook", "not a url", "https://", "http://user:pw@a.example/"):
        refused = register(w, exchange, bad)
        assert refused.status_code == 422, (bad, refused.text)
        assert "url" in refused.text and "Traceback" not in refused.text
    made = register(w, exchange, "https://a.example/hook")
    assert made.status_code == 201 and made.json()["secret"].startswith("whsec_")
    hook = made.json()["id"]
    listed = w.stack.http.get("/v1/webhooks", headers=w.signed(exchange, "GET", "/v1/webhooks")).json()
    assert [h["id"] for h in listed] == [hook] and "secret" not in listed[0]
    # Another exchange cannot see or delete it.
    other_exchange = w.stack.accounts[5]
    path = f"/v1/webhooks/{hook}"
    assert w.stack.http.delete(path, headers=w.signed(other_exchange, "DELETE", path)).status_code == 403
    assert w.stack.http.get("/v1/webhooks", headers=w.signed(other_exchange, "GET", "/v1/webhooks")).json() == []
    assert w.stack.http.delete(path, headers=w.signed(exchange, "DELETE", path)).status_code == 204
    assert w.stack.http.get("/v1/webhooks", headers=w.signed(exchange, "GET", "/v1/webhooks")).json() == []


def test_the_feed_read_with_a_signed_request_is_the_exchanges_own(world):
    w, exchange, other = world, world.stack.accounts[4], world.stack.accounts[5]
    path = "/v1/listings/feed"
    params = {"exchange": exchange.address}
    assert w.stack.http.get(path, params=params).status_code == 200  # the public feed: public listing changes
    assert w.stack.http.get(path, params=params, headers=w.signed(exchange, "GET", path)).status_code == 200
    refused = w.stack.http.get(path, params=params, headers=w.signed(other, "GET", path))
    assert refused.status_code == 403 and "exchange's own" in refused.text


def test_every_entry_arrives_in_order_through_failures_timeouts_and_a_restart(world):
    w, exchange = world, world.stack.accounts[4]
    receiver = Receiver()
    made = register(w, exchange, receiver.url).json()
    receiver.secret, hook = made["secret"], made["id"]
    asset, right = product(w.stack)
    first, _ = list_with_consent(w.stack, asset, right, exchange, "SDE-W1")
    asset2, right2 = product(w.stack)
    list_with_consent(w.stack, asset2, right2, exchange, "SDE-W2")
    wait_for(lambda: receiver.count("fail") >= 2, what="two failed deliveries")
    receiver.mode = "slow"
    wait_for(lambda: receiver.count("slow") >= 1, what="a delivery that timed out")
    receiver.mode = "ok"
    wait_for(lambda: len(receiver.acknowledged()) >= 1, what="a first acknowledged delivery")
    # The API goes away mid-delivery; entries come meanwhile; the next life resumes from the acknowledged cursor.
    w.stop_api()
    # Meanwhile a trade is recorded on the exchange's listing: its entry is the exchange's too (issue 17).
    alice, bob = w.stack.accounts[1], w.stack.accounts[2]
    usage = w.client.execute(Grant(asset, 2, GrantTerms(bob.address, valid_until=w.stack.chain_time() + 300 * 86_400,
                                                        sub_grantable=True)), alice).events[0].args["rightIndex"]
    w.client.execute(SetTradeCode("SDEW"), exchange)
    traded = w.client.execute(signed_trade(w.stack, asset, first, w.stack.accounts[3], seller=bob, exchange=exchange,
                                           parent=usage, days=200), exchange)
    result = w.client.execute(SetListingStatus(first, "suspended"), exchange)
    w.start_api()
    w.stack.wait_block(result.block_number)
    expected = w.feed(exchange.address, exchange)
    assert len(expected) >= 4 and len(w.feed(exchange.address)) == len(expected) - 1  # the public feed: no trade
    assert traded.block_number
    wait_for(lambda: set(expected) <= set(receiver.acknowledged()), what="every feed entry acknowledged")
    assert receiver.acknowledged()[:len(expected)] == expected  # in feed order, each cursor seen
    with receiver.lock:
        calls = list(receiver.calls)
    bodies = {cursor: json.loads(body) for mode, cursor, _, body in calls if mode == "ok"}
    assert [bodies[c]["change"] for c in expected if bodies[c].get("trade_number")] == ["trade_recorded"]
    for _, cursor, headers, body in calls:
        assert headers["DataReg-Delivery"] == hook
        assert json.loads(body)["cursor"] == cursor
        # The README's verification: HMAC-SHA256 over f"{t}.{body}" with the secret.
        assert delivery.verify_signature(receiver.secret, headers["DataReg-Signature"], body)
        assert not delivery.verify_signature("whsec_wrong", headers["DataReg-Signature"], body)
    path = f"/v1/webhooks/{hook}"
    w.stack.http.delete(path, headers=w.signed(exchange, "DELETE", path))


def test_an_entry_failing_for_the_retry_window_is_dead_lettered_and_replayed(world, monkeypatch):
    w, exchange = world, world.stack.accounts[5]
    monkeypatch.setenv("DATAREG_WEBHOOK_RETRY_SECONDS", "2")
    receiver = Receiver()
    made = register(w, exchange, receiver.url).json()
    receiver.secret, hook = made["secret"], made["id"]
    asset, right = product(w.stack)
    _, result = list_with_consent(w.stack, asset, right, exchange, "SZDE-D1")
    w.stack.wait_block(result.block_number)
    expected = w.feed(exchange.address)
    path = f"/v1/webhooks/{hook}/dead-letters"

    def dead() -> list:
        return w.stack.http.get(path, headers=w.signed(exchange, "GET", path)).json()

    wait_for(lambda: len(dead()) == len(expected), what="every entry dead-lettered")
    letters = dead()
    assert [d["cursor"] for d in letters] == expected and letters[0]["attempts"] >= 2
    other = w.stack.accounts[4]
    assert w.stack.http.get(path, headers=w.signed(other, "GET", path)).status_code == 403
    receiver.mode = "ok"
    replay = f"/v1/webhooks/{hook}/replay"
    assert w.stack.http.post(replay, headers=w.signed(exchange, "POST", replay)).json() == {"queued": len(expected)}
    wait_for(lambda: receiver.acknowledged() == expected, what="the dead letters replayed")
    wait_for(lambda: all(d["delivered_at"] for d in dead()), what="the dead letters marked delivered")
    for _, _, headers, body in receiver.calls:
        assert delivery.verify_signature(receiver.secret, headers["DataReg-Signature"], body)


# ───────────────────────────── the SSRF guard and the command line ─────────────────────────────


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/hook", "http://localhost/hook", "http://10.1.2.3/hook", "http://192.168.0.1/hook",
    "http://172.16.5.4/hook", "http://169.254.169.254/latest/meta-data", "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook", "http://[fe80::1]/hook", "http://0.0.0.0/hook", "http://100.64.0.1/hook",
    "http://2130706433/hook", "http://[64:ff9b::a00:1]/hook", "http://224.0.0.1/hook"])
def test_a_non_public_endpoint_is_refused_unless_allowed(url, monkeypatch):
    """Issue 17 (SSRF): an exchange must not make the API call into its own network or the cloud's metadata
    service. Loopback, private, link-local, shared, multicast and unspecified addresses are refused, as literals,
    in IPv4-mapped or NAT64 form, and as names resolving to them; DATAREG_WEBHOOK_ALLOW_PRIVATE=1 allows them.
    Fails on the old code, which took any http(s) URL."""
    monkeypatch.delenv("DATAREG_WEBHOOK_ALLOW_PRIVATE", raising=False)
    assert delivery.url_refusal(url) is not None
    assert "DATAREG_WEBHOOK_ALLOW_PRIVATE" in delivery.url_refusal(url)
    assert delivery.url_refusal("http://93.184.216.34/hook") is None  # a public address
    monkeypatch.setenv("DATAREG_WEBHOOK_ALLOW_PRIVATE", "1")
    assert delivery.url_refusal(url) is None


def test_registration_refuses_a_private_endpoint_with_a_422_naming_the_setting(world, monkeypatch):
    w, exchange = world, world.stack.accounts[4]
    monkeypatch.delenv("DATAREG_WEBHOOK_ALLOW_PRIVATE", raising=False)
    answer = register(w, exchange, "http://169.254.169.254/latest/meta-data")
    assert answer.status_code == 422, answer.text
    assert "public endpoint" in answer.text and "DATAREG_WEBHOOK_ALLOW_PRIVATE" in answer.text
    assert register(w, exchange, "http://[::ffff:10.0.0.1]:8080/x").status_code == 422


def test_delivery_is_refused_when_the_endpoint_became_private(world, monkeypatch):
    """A name that resolved to a public address at registration may resolve to a private one later (DNS
    rebinding): every delivery is judged again and nothing is sent."""
    w, exchange = world, world.stack.accounts[5]
    receiver = Receiver()
    receiver.mode = "ok"
    made = register(w, exchange, receiver.url).json()
    monkeypatch.delenv("DATAREG_WEBHOOK_ALLOW_PRIVATE", raising=False)
    asset, right = product(w.stack)
    _, result = list_with_consent(w.stack, asset, right, exchange, "SZDE-SSRF")
    w.stack.wait_block(result.block_number)
    path = "/v1/webhooks"
    wait_for(lambda: any(h["id"] == made["id"] and "not sent" in (h["last_error"] or "")
                         for h in w.stack.http.get(path, headers=w.signed(exchange, "GET", path)).json()),
             what="the delivery refused")
    # The exchange's earlier entries (other tests' listings) may have gone out before the setting was removed;
    # the listing made after it never does.
    assert [c for c in receiver.calls if c[1].startswith(f"{result.block_number}.")] == []
    path = f"/v1/webhooks/{made['id']}"
    w.stack.http.delete(path, headers=w.signed(exchange, "DELETE", path))


def test_the_webhook_commands_manage_an_exchanges_endpoints(world, tmp_path):
    """`datareg webhook add|list|remove|dead-letters|replay` over the API, each request signed with --key; another
    exchange's key cannot touch the webhook."""
    import subprocess
    import sys

    from registry.chain.keys import create_keystore

    w, exchange, other = world, world.stack.accounts[4], world.stack.accounts[5]
    keys = tmp_path / "keys"
    create_keystore(keys / "exchange.json", "", exchange.key, development=True)
    create_keystore(keys / "other.json", "", other.key, development=True)
    env = {**__import__("os").environ, "DATAREG_API_URL": w.stack.api_url, "DATAREG_RPC_URL": w.settings.rpc_url,
           "DATAREG_DATA_DIR": str(tmp_path), "DATAREG_KEY_PASSWORD": ""}

    def run(*args: str, expect: int = 0) -> str:
        result = subprocess.run([sys.executable, "-m", "registry.cli.main", *args], env=env, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == expect, result.stdout + result.stderr
        return result.stdout + result.stderr

    receiver = Receiver()
    made = json.loads(run("--json", "webhook", "add", receiver.url, "--key", "exchange"))
    assert made["secret"].startswith("whsec_") and made["exchange"] == exchange.address
    listed = json.loads(run("--json", "webhook", "list", "--key", "exchange"))
    assert made["id"] in [h["id"] for h in listed]
    assert made["id"] in run("webhook", "list", "--key", "exchange")
    assert json.loads(run("--json", "webhook", "dead-letters", made["id"], "--key", "exchange")) == []
    assert json.loads(run("--json", "webhook", "replay", made["id"], "--key", "exchange")) == {"queued": 0}
    assert "another exchange's" in run("webhook", "remove", made["id"], "--key", "other", expect=1)
    assert "removed" in run("webhook", "remove", made["id"], "--key", "exchange")
    assert made["id"] not in run("webhook", "list", "--key", "exchange")
    assert "No webhook" in run("webhook", "remove", made["id"], "--key", "exchange", expect=1)
