"""Scale-out on PostgreSQL (issue 20): two API instances (two uvicorn processes) on one PostgreSQL index and one
anvil, as `make run-scaled` starts them. They share the relayer's nonces (a PostgreSQL advisory lock on the
relayer's account, nonces from the node's pending count), the relays (GET /v1/relay/{id} answers on either,
and after a restart) and the rate limits (one allowance per client across both)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from eth_account import Account

from registry.chain.client import Chain, RegistryClient
from registry.chain.deploy import deploy
from registry.devchain import DEPLOYER_ACCOUNT, dev_key, free_port, start_anvil, stop
from tests.conftest import postgres_database
from tests.test_relayer import signed_registration

pytestmark = pytest.mark.stack
REPO = Path(__file__).resolve().parents[1]


class Api:
    """`datareg api` as its own process, on a port of its own."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log, self.port = env, log, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> "Api":
        with open(self.log, "ab") as out:
            command = [sys.executable, "-m", "registry.cli.main", "api", "--port", str(self.port)]
            self.process = subprocess.Popen(command, env=self.env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            try:
                if httpx.get(f"{self.url}/v1/status", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, self.log.read_text()[-3000:]
            time.sleep(0.1)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture(scope="module")
def scaled(tmp_path_factory):
    """anvil with the registry, a PostgreSQL index kept by one indexer, and two API instances A and B (started
    in that order, so A holds the relay follower's lock). Writes wait 2 s for their receipt before answering 202."""
    tmp = tmp_path_factory.mktemp("scaled")
    port = free_port()
    anvil = start_anvil(port, log_path=tmp / "anvil.log")
    rpc = f"http://127.0.0.1:{port}"
    processes: list = []
    try:
        deployment = deploy(rpc, dev_key(DEPLOYER_ACCOUNT))
        deployment.save(tmp / "deployment.json")
        with postgres_database() as database:
            env = {**os.environ, "DATAREG_RPC_URL": rpc, "DATAREG_DATABASE_URL": database,
                   "DATAREG_DATA_DIR": str(tmp), "DATAREG_DEPLOYMENT": str(tmp / "deployment.json"),
                   "DATAREG_WRITE_RATE_LIMIT": "off", "DATAREG_RELAY_WAIT": "2", "PYTHONUNBUFFERED": "1"}
            with open(tmp / "indexer.log", "ab") as out:
                indexer = subprocess.Popen([sys.executable, "-m", "registry.indexer"], env=env, cwd=REPO,
                                           stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            processes.append(indexer)
            a = Api(env, tmp / "api-a.log").start()
            processes.append(a)
            b = Api(env, tmp / "api-b.log").start()
            processes.append(b)
            yield {"rpc": rpc, "env": env, "tmp": tmp, "a": a, "b": b, "database": database,
                   "client": RegistryClient(Chain(rpc, deployment))}
            for process in reversed(processes):
                process.stop() if isinstance(process, Api) else stop(process)
    finally:
        for process in reversed(processes):
            process.kill() if isinstance(process, Api) else stop(process)
        stop(anvil)


def relay_body(client: RegistryClient) -> dict:
    """A registration signed by a fresh key with no gas, for POST /v1/relay/register."""
    return signed_registration(SimpleNamespace(client=client), Account.from_key(os.urandom(32)))


def follow(http: httpx.Client, relay_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status = http.get(f"/v1/relay/{relay_id}")
        assert status.status_code == 200, status.text
        if status.json()["status"] != "pending":
            return status.json()
        assert time.monotonic() < deadline, status.json()
        time.sleep(0.2)


def test_a_hundred_concurrent_relays_through_two_instances_are_all_mined(scaled) -> None:
    """Fails on the old code: each instance kept its own nonce lock and its relays in its own memory, so the two
    raced for the relayer's nonces ("nonce too low" / "replacement transaction underpriced", answered 502 after
    five tries) and a relay id was unknown (404) to the other instance."""
    a, b, client = scaled["a"], scaled["b"], scaled["client"]
    relayer = httpx.get(f"{a.url}/v1/status").json()["relayer"]
    assert relayer["nonce_lock"] == "postgresql" and relayer["follower"] is True  # A started first
    assert httpx.get(f"{b.url}/v1/status").json()["relayer"] == dict(relayer, follower=False)
    bodies = [relay_body(client) for _ in range(100)]

    def send(i: int) -> tuple[int, dict, str]:
        url = (a if i % 2 else b).url
        with httpx.Client(base_url=url, timeout=120) as http:
            answer = http.post("/v1/relay/register", json=bodies[i])
            return answer.status_code, answer.json(), url

    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(send, range(100)))
    assert all(code in (200, 202) for code, _, _ in answers), [(c, body) for c, body, _ in answers if c >= 300
                                                                and c != 202]
    settled = []
    with httpx.Client(base_url=a.url, timeout=30) as on_a, httpx.Client(base_url=b.url, timeout=30) as on_b:
        for _, body, url in answers:
            other = on_b if url == a.url else on_a  # asked of the instance that did not accept it
            settled.append(follow(other, body["relay_id"]))
    assert [s["status"] for s in settled] == ["mined"] * 100, [s for s in settled if s["status"] != "mined"]
    assert len({s["tx_hash"] for s in settled}) == 100
    assert len({asset for s in settled for asset in s["asset_ids"]}) == 100
    nonce_errors = [s for s in settled if len(s["tx_hashes"]) > 1]
    assert not nonce_errors, nonce_errors  # every relay was mined as first sent: no nonce was taken twice
    for name in ("api-a.log", "api-b.log"):
        log = (scaled["tmp"] / name).read_text()
        assert "nonce" not in log.lower() and "Traceback" not in log, log[-3000:]


def test_a_pending_relay_outlives_the_instance_that_accepted_it(scaled) -> None:
    """A relay accepted by A, still pending when A is killed and then dropped from the node's pool: B takes the
    follower's lock, sends it again and it is mined; a restarted A answers for it too. Fails on the old code:
    B answered 404 for A's relay id, and nobody sent it again."""
    a, b, client = scaled["a"], scaled["b"], scaled["client"]
    rpc = client.chain.rpc
    rpc.call("evm_setAutomine", [False])
    try:
        accepted = httpx.post(f"{a.url}/v1/relay/register", json=relay_body(client), timeout=60)
        assert accepted.status_code == 202, accepted.text
        relay = accepted.json()
        assert relay["status"] == "pending"
        on_b = httpx.get(f"{b.url}/v1/relay/{relay['relay_id']}").json()
        assert on_b["status"] == "pending" and on_b["tx_hash"] == relay["tx_hash"]
        a.kill()
        assert rpc.call("anvil_dropTransaction", [relay["tx_hash"]]) is not None
    finally:
        rpc.call("evm_setAutomine", [True])
    with httpx.Client(base_url=b.url, timeout=30) as http:
        mined = follow(http, relay["relay_id"])
    assert mined["status"] == "mined", mined
    assert mined["tx_hashes"][0] == relay["tx_hash"] and mined["tx_hash"] != relay["tx_hash"]  # sent again by B
    assert client.w3.eth.get_transaction_receipt(mined["tx_hash"])["status"] == 1
    assert httpx.get(f"{b.url}/v1/status").json()["relayer"]["follower"] is True  # taken over from A
    a.start()  # restarted: it answers for the relay it accepted before it died
    assert httpx.get(f"{a.url}/v1/relay/{relay['relay_id']}").json()["tx_hash"] == mined["tx_hash"]


def test_two_instances_share_the_write_rate_limit(scaled, tmp_path) -> None:
    """Fails on the old code: each instance counted alone, so two allowed 2 x 5 of these writes a minute."""
    env = dict(scaled["env"], DATAREG_WRITE_RATE_LIMIT="5/minute")
    pair = [Api(env, tmp_path / "api-c.log"), Api(env, tmp_path / "api-d.log")]
    try:
        for api in pair:
            api.start()
        codes = [httpx.post(f"{pair[i % 2].url}/v1/transactions", json={"raw_transaction": "0x00"}).status_code
                 for i in range(12)]
        assert codes == [422] * 5 + [429] * 7, codes
        limited = httpx.post(f"{pair[1].url}/v1/transactions", json={"raw_transaction": "0x00"})
        assert "across every API instance" in limited.json()["message"]
    finally:
        for api in pair:
            api.stop()
