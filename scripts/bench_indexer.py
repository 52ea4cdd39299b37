"""Indexer catch-up speed on two deterministic workloads, on SQLite and PostgreSQL, beside a naive baseline.

W1: 5,000 events, one per block (grants, each its own transaction and block).
W2: 50,000 events in about 200 blocks (batched registrations: 62 assets, 248 events, per transaction).

Ours is timed from the start of the indexer process (`python -m registry.indexer`, what `make run` starts) until every event is queryable through a
running API (GET /v1/status shows the head indexed and the events are counted through the API). The naive
baseline, run in the same session on the same chain, fetches logs one block at a time and commits after every
event, through the same handlers. Run:

    .venv/bin/python scripts/bench_indexer.py [--workload w1 w2] [--db sqlite postgresql] [--no-baseline]
"""
from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from eth_account import Account
from sqlalchemy import create_engine, text
from sqlmodel import Session, func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from registry.chain.client import Chain, RegistryClient  # noqa: E402
from registry.chain.deploy import deploy  # noqa: E402
from registry.chain.events import decode_log  # noqa: E402
from registry.chain.operations import Grant, GrantTerms  # noqa: E402
from registry.chain.types import Registration, RightHolder, RightKind  # noqa: E402
from registry.db.models import Event  # noqa: E402
from registry.db.session import create_schema, make_engine  # noqa: E402
from registry.devchain import DEPLOYER_ACCOUNT, dev_key, free_port, start_anvil, stop  # noqa: E402
from registry.indexer.batch import Batch  # noqa: E402
from registry.indexer.scanner import Indexer  # noqa: E402

POSTGRES = os.environ.get("DATAREG_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BATCH = 62  # registrations per registerBatch: 248 events, ~2.7M gas


def send_raw(client: RegistryClient, raws: list[str], per_request: int = 200) -> None:
    for start in range(0, len(raws), per_request):
        responses = client.w3.provider.make_batch_request(
            [("eth_sendRawTransaction", [raw]) for raw in raws[start:start + per_request]])
        if isinstance(responses, dict):
            raise SystemExit(f"anvil refused the batch: {responses.get('error', responses)}")
        errors = [r["error"] for r in responses if "error" in r]
        if errors:
            raise SystemExit(f"anvil refused transactions: {errors[:2]}")


def signed(client: RegistryClient, account, fn, nonce: int, gas: int) -> str:
    tx = {"to": fn.address, "data": fn._encode_transaction_data(), "gas": gas, "nonce": nonce, "type": 2,
          "chainId": client.chain.chain_id, "value": 0, "maxFeePerGas": 10**11, "maxPriorityFeePerGas": 10**9}
    return "0x" + account.sign_transaction(tx).raw_transaction.hex()


def seed(client: RegistryClient, workload: str, rng: random.Random) -> int:
    """Writes the workload; returns the number of registry events it produced."""
    owner = Account.from_key(dev_key(1))
    holder = (RightHolder(owner.address, frozenset(RightKind)),)

    def registration() -> Registration:
        return Registration(rng.randbytes(32), rng.randbytes(32), rng.randbytes(32), holders=holder)

    nonce = client.w3.eth.get_transaction_count(owner.address)
    if workload == "w1":
        asset = client.register(registration(), owner).asset_ids[0]
        nonce += 1
        grantees = [Account.from_key(dev_key(i)).address for i in (2, 3, 4, 5)]
        raws = []
        for i in range(5_000 - 4):
            fn = client.contract.functions.grant(*Grant(asset, 2, GrantTerms(grantees[i % 4])).args())
            raws.append(signed(client, owner, fn, nonce + i, 150_000))
        send_raw(client, raws, per_request=25)  # automine: each transaction in a block of its own
        mined(client, owner.address, nonce + len(raws))
        return 5_000
    raws = []
    for i in range(50_000 // (4 * BATCH) + 1):
        fn = client.contract.functions.registerBatch([registration().as_abi() for _ in range(BATCH)])
        raws.append(signed(client, owner, fn, nonce + i, 4_000_000))
    send_raw(client, raws, per_request=10)  # each transaction carries ~25 KB of calldata
    mined(client, owner.address, nonce + len(raws))
    return len(raws) * BATCH * 4


def mined(client: RegistryClient, sender: str, nonce: int) -> None:
    """Waits until every transaction sent is mined: anvil accepts them faster than it mines them, and the head
    the indexers are timed to must hold them all."""
    while client.w3.eth.get_transaction_count(sender) < nonce:
        time.sleep(0.2)


def database(kind: str, tmp: Path, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp / (name + '.db')}"
    db = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    with create_engine(POSTGRES, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db}"'))
    return POSTGRES.rsplit("/", 1)[0] + "/" + db


def ours(rpc: str, data_dir: Path, database_url: str, head: int, events: int) -> float:
    """Seconds from starting the indexer process until the API shows every event."""
    env = {**os.environ, "DATAREG_RPC_URL": rpc, "DATAREG_DATA_DIR": str(data_dir),
           "DATAREG_DATABASE_URL": database_url, "DATAREG_DEPLOYMENT": str(data_dir / "deployment.json")}
    create_schema(make_engine(database_url))  # the API's schema exists before the clock starts
    port = free_port()
    api = subprocess.Popen([sys.executable, "-m", "registry.cli.main", "api", "--port", str(port)], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    try:
        while True:
            try:
                http.get("/v1/status")
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        started = time.perf_counter()
        indexer = subprocess.Popen([sys.executable, "-m", "registry.indexer"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while (http.get("/v1/status").json()["indexed_block"] or 0) < head:
                time.sleep(0.01)
            elapsed = time.perf_counter() - started
        finally:
            indexer.terminate()
            indexer.wait()
        with Session(make_engine(database_url)) as db:
            counted = db.exec(select(func.count()).select_from(Event)).one()
        assert counted == events, f"indexed {counted} events, expected {events}"
        return elapsed
    finally:
        api.terminate()
        api.wait()


def naive(client: RegistryClient, database_url: str, first: int, head: int) -> float:
    """One eth_getLogs per block, one database commit per event, the same handlers."""
    engine = make_engine(database_url)
    create_schema(engine)
    indexer = Indexer(client.chain.rpc_url, client.chain.deployment, engine, lambda cid: None)
    started = time.perf_counter()
    for block in range(first, head + 1):
        logs = client.w3.provider.make_request(
            "eth_getLogs", [{"address": indexer.addresses, "fromBlock": hex(block), "toBlock": hex(block)}])["result"]
        if not logs:
            continue
        timestamp = int(logs[0]["blockTimestamp"], 16)
        for entry in logs:
            with Session(engine) as db:
                batch = Batch(db.connection())
                indexer._apply(batch, decode_log(entry), timestamp, record=True)
                batch.flush()
                db.commit()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workload", nargs="+", default=["w1", "w2"], choices=["w1", "w2"])
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    print(f"{'workload':<10}{'database':<12}{'indexer':<10}{'events':>8}{'seconds':>10}{'events/s':>11}")
    for workload in args.workload:
        port = free_port()
        anvil = start_anvil(port)
        rpc = f"http://127.0.0.1:{port}"
        try:
            with tempfile.TemporaryDirectory() as tmp:
                tmp = Path(tmp)
                deployment = deploy(rpc, dev_key(DEPLOYER_ACCOUNT))
                deployment.save(tmp / "deployment.json")
                client = RegistryClient(Chain(rpc, deployment))
                # Deploying emits an event or two (e.g. the admin's OwnershipTransferred); they are indexed too.
                before = len(client.w3.provider.make_request("eth_getLogs", [{
                    "address": list(deployment.contracts.values()), "fromBlock": hex(deployment.deploy_block),
                    "toBlock": "latest"}])["result"])
                events = before + seed(client, workload, random.Random(f"datareg {workload}"))
                head = client.w3.eth.block_number
                for kind in args.db:
                    seconds = ours(rpc, tmp, database(kind, tmp, f"{workload}_ours"), head, events)
                    print(f"{workload:<10}{kind:<12}{'ours':<10}{events:>8}{seconds:>10.2f}{events / seconds:>11,.0f}",
                          flush=True)
                    if not args.no_baseline:
                        seconds = naive(client, database(kind, tmp, f"{workload}_naive"), deployment.deploy_block,
                                        head)
                        print(f"{workload:<10}{kind:<12}{'naive':<10}{events:>8}{seconds:>10.2f}"
                              f"{events / seconds:>11,.0f}", flush=True)
        finally:
            stop(anvil)


if __name__ == "__main__":
    main()
