"""Indexer catch-up speed on two deterministic workloads, on SQLite and PostgreSQL, beside a naive baseline.

W1: 5,000 events, one per block (grants, each its own transaction and block). The asset they are granted on is
    registered first, in a block of its own (its events are indexed and counted too). Then anvil runs with
    automine off and this script mines every block itself: one JSON-RPC batch per block,
    [eth_sendRawTransaction, evm_mine], the transactions signed ahead in a worker process (fixed seed, local
    nonces). (In automine mode anvil 1.7.1 leaves transactions pending when they arrive faster than it mines
    them.) Before any clock starts the chain is checked: exactly 5,000 RightGranted events in 5,000 consecutive
    blocks, block i holding transaction i and nothing else, nothing pending. anvil's own cost per evm_mine
    grows with the chain, from ~2 ms to ~20 ms over these blocks, for empty blocks too (perf shows it hashing
    tries: Keccak, HashBuilder), so seeding takes about a minute whatever the client does.
W2: 50,000 events in 202 blocks (batched registrations: 62 assets, 248 events, per transaction; one a block).

Ours is timed from the start of the indexer process (`python -m registry.indexer`, what `make run` starts)
until every event is queryable through a running API (GET /v1/status shows the head indexed; the events are
then counted in the index). The naive baseline, run in the same session on the same chain, fetches logs one
block at a time and commits after every event, through the same handlers. Under each run of ours a line
from the indexer's log and /proc: from the process start to its first log line (imports, schema check,
writer lock), to its first and its last batch committed, how many batches, and the CPU seconds the indexer,
the API (polled every 10 ms) and anvil used meanwhile. The header names the command, the commit, uncommitted
changes under registry/ and api/ (the code measured) and the machine's load before and after. Run:

    .venv/bin/python scripts/bench_indexer.py [--workload w1 w2] [--db sqlite postgresql] [--no-baseline]
                                              [--repeat N] [--out FILE] [--profile DIR] [--base CHECKOUT]

--base CHECKOUT also times the indexer of another checkout (say `git worktree add /tmp/base main`) on the same
chain, alternating with this checkout's run by run ("base" rows): on a shared, loaded machine only a comparison
within one run means anything.

--profile DIR runs ours under `py-spy record --idle --threads --format speedscope` (DIR/<workload>-<db>-<n>.json);
those runs are slower than unprofiled ones and are labelled "ours+py-spy".
"""
from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from benchlib import (  # first: it puts the repository on sys.path
    FEES,
    POSTGRES,
    ROOT,
    Database,
    LocalChain,
    Report,
    Signer,
    code_version,
    command_line,
    compile_bytecode,
    cpu_seconds,
    database,
    load_average,
    local_chain,
    log_lines,
    port,
    registration,
    service_env,
    spawn,
    wait_for_api,
)
from eth_account import Account
from eth_keys import keys
from sqlalchemy import create_engine, text
from sqlmodel import Session, func, select

from registry.chain.client import RegistryClient
from registry.chain.events import decode_log
from registry.chain.operations import Grant, GrantTerms
from registry.db.models import Event
from registry.db.session import create_schema, make_engine
from registry.devchain import DevRpc, dev_key, tool
from registry.indexer.batch import Batch
from registry.indexer.scanner import Indexer

BATCH = 62  # registrations per registerBatch: 248 events, ~2.7M gas
W1_GRANTS = 5_000
say = Report()  # main gives it the --out file


def seed(client: RegistryClient, workload: str, rng: random.Random) -> int:
    """Writes the workload; returns the number of registry events it produced."""
    if workload == "w1":
        return seed_w1(client, DevRpc(client.chain.rpc_url), rng)
    owner = Account.from_key(dev_key(1))
    rpc = DevRpc(client.chain.rpc_url)
    signer = Signer(rpc, client.chain.chain_id)
    raws = []
    for _ in range(50_000 // (4 * BATCH) + 1):
        fn = client.contract.functions.registerBatch([registration(owner.address, rng).as_abi() for _ in range(BATCH)])
        raws.append(signer.sign(owner, fn, 4_000_000))
    # Each transaction in a block of its own, mined here (as W1): 202 blocks of 248 events. With automine anvil
    # packed them into about 50 blocks, and the workload is "about 200 blocks".
    rpc.call("evm_setAutomine", [False])
    hashes = [rpc.batch([("eth_sendRawTransaction", [raw]), ("evm_mine", [])])[0] for raw in raws]
    mined(client, owner.address, signer.nonces[owner.address])
    blocks = {int(r["blockNumber"], 16) for r in rpc.batch([("eth_getTransactionReceipt", [h]) for h in hashes])}
    if len(blocks) != len(raws):
        raise SystemExit(f"W2's {len(raws)} transactions landed in {len(blocks)} blocks, expected one each")
    return len(raws) * BATCH * 4


def mined(client: RegistryClient, sender: str, nonce: int) -> None:
    """Waits until every transaction sent is mined: anvil accepts them faster than it mines them, and the head
    the indexers are timed to must hold them all."""
    while client.w3.eth.get_transaction_count(sender) < nonce:
        time.sleep(0.2)


# ───────────────────────────── W1 ─────────────────────────────

_signer: dict = {}  # in the signing worker process: what every W1 grant transaction shares


def _start_signer(key: bytes, chain_id: int, to: str, calldata: list[str], first_nonce: int) -> None:
    _signer.update(key=keys.PrivateKey(key), chain_id=chain_id, to=to, calldata=calldata, first_nonce=first_nonce)


def _sign_grant(i: int) -> tuple[str, str]:
    """Grant i of W1, signed: (raw transaction, its hash). eth_account's pure-Python signer takes ~2 ms a
    transaction with a parsed key (~5 ms from key bytes, which it parses again each time), hence the worker."""
    s = _signer
    tx = {"to": s["to"], "data": s["calldata"][i % len(s["calldata"])], "gas": 150_000, "nonce": s["first_nonce"] + i,
          "chainId": s["chain_id"], **FEES}
    done = Account.sign_transaction(tx, s["key"])
    return "0x" + bytes(done.raw_transaction).hex(), "0x" + bytes(done.hash).hex()


def seed_w1(client: RegistryClient, rpc: DevRpc, rng: random.Random) -> int:
    """One asset registered (automine, one block), then W1_GRANTS grants on it, each mined by this script in a
    block of its own. Returns the number of registry events written (the registration's and the grants')."""
    started = time.perf_counter()
    addresses = list(client.chain.deployment.contracts.values())
    owner = Account.from_key(dev_key(1))
    registered = client.register(registration(owner.address, rng), owner)
    setup = len(rpc.call("eth_getLogs", [{"address": addresses, "fromBlock": hex(registered.block_number),
                                          "toBlock": hex(registered.block_number)}]))
    asset = registered.asset_ids[0]
    grantees = [Account.from_key(dev_key(i)).address for i in (2, 3, 4, 5)]  # in turn
    calldata = [client.contract.functions.grant(*Grant(asset, 2, GrantTerms(g)).args())._encode_transaction_data()
                for g in grantees]
    nonce = int(rpc.call("eth_getTransactionCount", [owner.address, "latest"]), 16)
    rpc.call("evm_setAutomine", [False])  # from here on every block is mined below, and only there
    first = int(rpc.call("eth_blockNumber"), 16) + 1
    hashes: list[str] = []
    # The worker signs while this process sends: it stays ahead, as a block costs anvil 2-20 ms.
    signer = multiprocessing.get_context("fork").Pool(
        1, _start_signer, (bytes(owner.key), client.chain.chain_id, client.contract.address, calldata, nonce))
    try:
        for raw, tx_hash in signer.imap(_sign_grant, range(W1_GRANTS), chunksize=100):
            # One round trip a block. anvil runs a batch's calls concurrently, but it has always taken the
            # transaction into its pool before this evm_mine builds the block; verify_w1 checks that it did.
            sent, _ = rpc.batch([("eth_sendRawTransaction", [raw]), ("evm_mine", [])])
            if sent != tx_hash:
                raise SystemExit(f"anvil answered transaction hash {sent}, expected {tx_hash}")
            hashes.append(tx_hash)
    finally:
        signer.terminate()
        signer.join()
    seeded = time.perf_counter() - started
    verify_w1(rpc, addresses, first, hashes)
    digest = hashlib.sha256("".join(hashes).encode()).hexdigest()[:16]
    say(f"# w1 seeded in {seeded:.1f} s: {setup} events registering the asset in block {registered.block_number}, "
        f"then {W1_GRANTS:,} grants in blocks {first}-{first + W1_GRANTS - 1}; checked: one transaction and one "
        f"RightGranted event in each of those blocks, in nonce order, none pending, head {first + W1_GRANTS - 1}; "
        f"sha256 of the transaction hashes {digest} (the same on every run)")
    return setup + W1_GRANTS


def verify_w1(rpc: DevRpc, addresses: list[str], first: int, hashes: list[str]) -> None:
    """Fails unless blocks first.. hold exactly the W1 grants, transaction i alone in block first + i with its one
    RightGranted event, and the head is the last of them with nothing pending."""
    last = first + len(hashes) - 1
    problems = []
    head = int(rpc.call("eth_blockNumber"), 16)
    if head != last:
        problems.append(f"the head is block {head}, expected {last}")
    pool = rpc.call("txpool_status")
    if int(pool["pending"], 16) or int(pool["queued"], 16):
        problems.append(f"transactions left in the pool: {pool}")
    logs = rpc.call("eth_getLogs", [{"address": addresses, "fromBlock": hex(first), "toBlock": hex(max(head, last))}])
    got = [(int(e["blockNumber"], 16), e["transactionHash"]) for e in logs]
    expected = [(first + i, h) for i, h in enumerate(hashes)]
    if got != expected:
        wrong = next((i for i, (g, e) in enumerate(zip(got, expected)) if g != e), min(len(got), len(expected)))
        problems.append(f"{len(logs)} events in blocks {first}-{max(head, last)}, expected {len(hashes)}, one per "
                        f"block; the first difference is at #{wrong}")
    names = {getattr(decode_log(e), "name", None) for e in logs}
    if names != {"RightGranted"}:
        problems.append(f"events other than RightGranted: {sorted(map(str, names - {'RightGranted'}))}")
    for start in range(first, last + 1, 500):
        numbers = range(start, min(last, start + 499) + 1)
        for n, block in zip(numbers, rpc.batch([("eth_getBlockByNumber", [hex(n), False]) for n in numbers])):
            if block is None or block["transactions"] != [hashes[n - first]]:
                problems.append(f"block {n} holds {block and block['transactions']}, expected [{hashes[n - first]}]")
                break
    if problems:
        raise SystemExit("The W1 chain is not as seeded: " + "; ".join(problems[:4]))


# ───────────────────────────── runs ─────────────────────────────

def child_of(pid: int, timeout: float = 10.0) -> int:
    """The first child process of `pid` (py-spy's target)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for task in Path(f"/proc/{pid}/task").iterdir():
            children = (task / "children").read_text().split()
            if children:
                return int(children[0])
        time.sleep(0.005)
    raise SystemExit(f"py-spy (pid {pid}) started no process within {timeout} s")


def ours(rpc: str, data_dir: Path, database_url: str, head: int, events: int, anvil_pid: int,
         profile: Path | None = None, code: Path | None = None) -> tuple[float, str]:
    """Seconds from starting the indexer process until the API shows every event, and where they went. With
    `code`, the indexer, the API and the schema are that checkout's instead of this one's (its migrations
    may differ: each side's API reads the schema its own indexer writes). Each process runs in the checkout
    it is timed for: `python -m` puts the working directory first on the path, before PYTHONPATH."""
    env = service_env(data_dir, rpc, database_url)
    indexer_env = {**env, "PYTHONPATH": str(code)} if code is not None else env
    checkout = code or ROOT
    # The API's schema exists before the clock starts.
    subprocess.run([sys.executable, "-c", "import sys; from registry.db.session import create_schema, make_engine; "
                    "create_schema(make_engine(sys.argv[1]))", database_url], cwd=checkout, env=indexer_env,
                   check=True)
    api_port = port()
    api = spawn(["api", "--port", str(api_port)], indexer_env, None, checkout)
    http = httpx.Client(base_url=f"http://127.0.0.1:{api_port}", timeout=30)
    log_path = data_dir / f"indexer-{uuid.uuid4().hex[:8]}.log"
    command = [sys.executable, "-m", "registry.indexer"]
    if profile is not None and profile.suffix == ".prof":  # cProfile: the main thread; written at SIGTERM's exit
        command = [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "registry.indexer"]
    elif profile is not None:
        spy = Path(sys.executable).parent / "py-spy"
        command = [str(spy) if spy.exists() else shutil.which("py-spy") or "py-spy", "record", "--idle", "--threads",
                   "--rate", "250", "--format", "speedscope", "-o", str(profile), "--", *command]
    try:
        wait_for_api(str(http.base_url).rstrip("/"), api)
        cpu_before = cpu_seconds(api.pid), cpu_seconds(anvil_pid)
        with open(log_path, "wb") as log:
            started_at = time.time()
            started = time.perf_counter()
            process = subprocess.Popen(command, env=indexer_env, stdout=subprocess.DEVNULL, stderr=log,
                                       cwd=checkout)
        indexer_pid = child_of(process.pid) if profile is not None and profile.suffix != ".prof" else process.pid
        try:
            while (http.get("/v1/status").json()["indexed_block"] or 0) < head:
                time.sleep(0.01)
            elapsed = time.perf_counter() - started
            cpu = (cpu_seconds(indexer_pid), cpu_seconds(api.pid) - cpu_before[0],
                   cpu_seconds(anvil_pid) - cpu_before[1])
        finally:
            os.kill(indexer_pid, 15)  # SIGTERM: the indexer stops; py-spy, if there, then writes its profile
            process.wait()
        with Session(make_engine(database_url)) as db:
            counted = db.exec(select(func.count()).select_from(Event)).one()
        assert counted == events, f"indexed {counted} events, expected {events}"
        lines = log_lines(log_path)
        commits = [stamp for stamp, message in lines if message.startswith("datareg.indexer indexed ")]
        detail = "log: " + (f"first line {lines[0][0] - started_at:.2f} s, " if lines else "no lines, ")
        if commits:
            detail += (f"first batch committed {commits[0] - started_at:.2f} s, last {commits[-1] - started_at:.2f} s, "
                       f"{len(commits)} batches; ")
        detail += (f"CPU s: indexer {cpu[0]:.2f} ({events / cpu[0]:,.0f} events per CPU second), API {cpu[1]:.2f}, "
                   f"anvil {cpu[2]:.2f}")
        return elapsed, detail
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
                indexer.writer.apply(batch, decode_log(entry), timestamp, record=True)
                batch.flush()
                db.commit()
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def header(args) -> None:
    anvil = subprocess.run([tool("anvil"), "--version"], capture_output=True, text=True,
                           check=False).stdout.splitlines()[0]
    say(command_line())
    say(f"Code: {code_version('registry', 'api', 'scripts/bench_indexer.py')}.")
    if args.base:
        commit = subprocess.run(["git", "-C", str(args.base), "log", "-1", "--format=%h %s"], capture_output=True,
                                text=True, check=False).stdout.strip()
        say(f"Base: the indexer of {args.base} (commit {commit or 'unknown'}), alternating with this one's.")
    postgres = ""
    if "postgresql" in args.db:
        with create_engine(POSTGRES).connect() as conn:
            postgres = "; PostgreSQL " + conn.execute(text("SHOW server_version")).scalar().split()[0]
    say(f"{os.cpu_count()} CPUs; Python {platform.python_version()}; {anvil}{postgres}")
    say("Bytecode of registry/ and api/ compiled in each checkout before the runs (benchlib.compile_bytecode).")
    say(f"before: {load_average()}")
    say()


def main() -> None:
    global say
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workload", nargs="+", default=["w1", "w2"], choices=["w1", "w2"])
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each (database, indexer) pair on the same chain")
    parser.add_argument("--base", type=Path, metavar="CHECKOUT",
                        help="also time the indexer of another checkout (e.g. a worktree of main) on the same chain, "
                             "alternating with this one's, labelled 'base'")
    parser.add_argument("--out", type=Path, help="also write everything printed to this file")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="run ours under py-spy, writing speedscope profiles to DIR")
    parser.add_argument("--cprofile", type=Path, metavar="DIR",
                        help="run ours under python -m cProfile (main thread), writing DIR/<workload>-<db>-<n>.prof")
    args = parser.parse_args()
    say = Report(args.out)
    if args.cprofile:
        args.profile, args.profile_suffix = args.cprofile, ".prof"
    else:
        args.profile_suffix = ".json"
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    for code in (ROOT, *([args.base] if args.base else [])):
        compile_bytecode(code)  # neither side compiles its changed modules at every start
    header(args)
    created: list[Database] = []
    label = ("ours+cprofile" if args.cprofile else "ours+py-spy") if args.profile else "ours"
    try:
        for workload in args.workload:
            with local_chain() as chain, tempfile.TemporaryDirectory() as tmp_name:
                run_workload(args, workload, chain, Path(tmp_name), label, created)
    finally:
        for db in created:
            db.drop()
        say(f"after: {load_average()}")
        say.close()


def run_workload(args, workload: str, chain: LocalChain, tmp: Path, label: str, created: list[Database]) -> None:
    """Seeds the workload on this chain, then times each (database, indexer) pair on it."""
    def fresh(kind: str, name: str) -> str:
        created.append(database(kind, name, tmp))
        return created[-1].url

    client, deployment = chain.client, chain.deployment
    deployment.save(tmp / "deployment.json")
    # Deploying emits an event or two (e.g. the admin's OwnershipTransferred); they are indexed too.
    before = len(client.w3.provider.make_request("eth_getLogs", [{
        "address": list(deployment.contracts.values()), "fromBlock": hex(deployment.deploy_block),
        "toBlock": "latest"}])["result"])
    seeding = time.perf_counter()
    events = before + seed(client, workload, random.Random(f"datareg {workload}"))
    head = client.w3.eth.block_number
    say(f"# {workload}: {events:,} events to index in blocks {deployment.deploy_block}-{head} "
        f"({before} from the deployment); chain ready in {time.perf_counter() - seeding:.1f} s")
    say(f"{'workload':<10}{'database':<12}{'indexer':<13}{'events':>8}{'seconds':>10}{'events/s':>11}")
    for run in range(1, args.repeat + 1):
        for kind in args.db:
            profile = args.profile / f"{workload}-{kind}-{run}{args.profile_suffix}" if args.profile else None
            contenders = [(label, None, profile)]
            if args.base:  # alternating, base first on odd runs: a drift in the machine's load hits both alike
                base = ("base" + label[4:], args.base.resolve(),
                        profile.with_name("base-" + profile.name) if profile else None)
                contenders = [base, *contenders] if run % 2 else [*contenders, base]
            for name, code, where in contenders:
                url = fresh(kind, f"{workload}_{name.split('+')[0]}_{run}")
                seconds, detail = ours(chain.rpc_url, tmp, url, head, events, chain.anvil.pid, where, code)
                say(f"{workload:<10}{kind:<12}{name:<13}{events:>8}{seconds:>10.2f}{events / seconds:>11,.0f}")
                say(f"{'':<10}{'':<12}  {detail}")
            if not args.no_baseline:
                seconds = naive(client, fresh(kind, f"{workload}_naive_{run}"), deployment.deploy_block, head)
                say(f"{workload:<10}{kind:<12}{'naive':<13}{events:>8}{seconds:>10.2f}{events / seconds:>11,.0f}")
    say()


if __name__ == "__main__":
    main()
