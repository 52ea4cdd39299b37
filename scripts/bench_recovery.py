"""Recovery: how soon the API is exact again after a reorg of depth 5, and whether a restart after `kill -9`
resumes from the committed checkpoint without fetching committed blocks again.

The issue's targets: "After a reorg of depth 5 the API is exact again within 1 s; after `kill -9` a restart
resumes without re-fetching what was committed." The indexer and the API run as in `make run`
(`python -m registry.cli.main index run` and `... api --port N`, each its own process) against this script's
own anvil, on SQLite and on PostgreSQL (127.0.0.1:5432, user postgres; a database bench_recovery_<random>
is created with CREATE DATABASE and dropped at the end).

Part 1, reorg. anvil runs with automine off: each block below is one transaction sent, then `evm_mine`.
Before the rounds, one asset H gets --history grants (default 2,000), one per block, so a reorg that touches
H makes the indexer rebuild an asset with a long history from its events, and the index holds thousands of
blocks (the fork search reads them). Each round:
  - a block registering an anchor asset A (alice holds its three rights);
  - 5 blocks, each with registry events: X1, X2 registered by alice, A's operating right transferred to
    T_old, a grant on H to G_old, X3 registered by alice. The round waits until the API serves them;
  - those 5 blocks are replaced by another history: Y1 registered by bob, A's operating right transferred to
    T_new, a grant on H to G_new, Y2 and Y3 registered by bob (T_*, G_* are fresh addresses), either
      reorg 5->5   `anvil_reorg(5, ...)`: one RPC call swaps the 5 blocks for 5 new ones (same height), or
      reorg 5->6   `evm_revert` to a snapshot taken before the 5 blocks, then 6 new blocks (Y4 in the 6th).
                   The indexer reaches anvil through a forwarding proxy in this script, which holds its
                   requests while the branch is built, so the indexer sees the whole new branch at once.
    The clock starts when the new chain is in place for the indexer: when `anvil_reorg` returns, or when the
    proxy is opened again.
  - The API is then polled, GET /v1/assets/{the asset registered in the new head block} every --api-poll-ms
    (default 10 ms), until it answers 200; then the script checks, through the API, that GET /v1/status
    shows the chain's hash of the new head as indexed_block_hash, X1-X3 answer 404, Y1-Y3 (Y4) answer 200
    with bob holding rights 1-3, A's right 3 is held by T_new, GET /v1/parties/{T_old,G_old}/rights are
    empty and T_new, G_new hold theirs. "Exact" is the 200 after which every check passed (a failed check is
    counted and polling goes on, on GET /v1/status); the checks' own duration is shown beside it, not
    counted. (Polling GET /v1/status itself would be coarse and would load the machine: each call opens a
    new httpx client to ask the node for its head, which costs tens of ms of CPU.)
  - Baseline, in the same run and measured the same way: one block with one registration by alice, no reorg;
    the clock starts when `evm_mine` returns. Rounds of the three kinds are interleaved in random order.
  The split comes from the indexer's own log: when it logged the rollback ("reorg: rolled back to block N",
  after its commit) and the commit of the new branch ("indexed N events in blocks a-b"). Beside it, the CPU
  time the indexer process used from the clock's start to the exact answer (/proc/PID/stat), which depends
  far less than the elapsed times on what else the machine is running.
  The indexer goes through the proxy in all three kinds, the baseline included, so they compare fairly.

Part 2, kill -9. On a fresh anvil, a workload of ~3,500 events over ~2,000 blocks: 250
registrations one per block, 10 batches of 20 registrations, 1,500 grants and 250 transfers of operating
rights, one per block, interleaved. An uninterrupted reference run indexes it (SQLite, through the
proxy). Then, for each database, the indexer (DATAREG_INDEX_MAX_RANGE=--max-range, default 50 blocks a batch,
so a kill lands in the middle of catch-up) is started, killed with SIGKILL at a random moment after its
first eth_getLogs (uniform 0.2-1.6 x the reference catch-up time / (kills + 1)), and restarted, --kills times
(default 5), then left to finish. The proxy records every eth_getLogs (fromBlock, toBlock) and every header
fetched. After each kill the checkpoint is read from the `checkpoints` table; for the restarted process the
script reports its first fromBlock (should be checkpoint + 1), the committed blocks it fetched again (logs or
headers at or below the checkpoint: should be 0) and the time from its start to its first eth_getLogs. At
the end the index is compared with the reference and the chain: the events' (block_number, log_index) set
and count, and every row of every table (surrogate ids left out; not `blocks` nor `undo_batches`, whose rows
depend on where batches began and ended, nor the checkpoint's wall-clock stamp).

Run:
    .venv/bin/python scripts/bench_recovery.py                      # both parts, SQLite and PostgreSQL
    .venv/bin/python scripts/bench_recovery.py --part reorg --db sqlite --rounds 5 --history 200
    .venv/bin/python scripts/bench_recovery.py --part kill --kills 8 --max-range 20

Percentiles are nearest-rank. The table is printed and written to --out (default bench/recovery.txt; '-'
for none). Every process the script starts is stopped when it ends, also on errors and Ctrl-C; the exit
status is 1 if a target is missed or a check fails.
"""
from __future__ import annotations

import argparse
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from benchlib import (  # first: it puts the repository on sys.path
    ROOT,
    Report,
    Signer,
    code_version,
    command_line,
    cpu_seconds,
    database,
    fresh_address,
    load_average,
    local_chain,
    log_lines,
    mine_each,
    percentiles,
    port,
    print_tails,
    receipts_ok,
    registration,
    run,
    service_env,
    spawn,
    tail,
    wait_for_api,
)
from eth_account import Account
from sqlalchemy import select, text
from sqlmodel import SQLModel

from registry.chain.client import RegistryClient, asset_id_of
from registry.chain.operations import Grant, GrantTerms, Register, Transfer
from registry.chain.types import Registration
from registry.db.session import make_engine
from registry.devchain import DevRpc, dev_key, stop
from registry.devchain_proxy import Record, RpcProxy

ALICE, BOB, OWNER = 1, 2, 3  # part 1: registrants, and the holder of the asset with a long history
SEEDER, OTHERS = 4, (5, 6, 7)  # part 2
TARGET_S = 1.0
DEPTH = 5
GAS = {"register": 300_000, "grant": 250_000, "transfer": 150_000, "batch": 2_500_000}


# ───────────────────────────── the workload ─────────────────────────────

class Txs(Signer):
    """The registry's transactions this benchmark sends, signed here (benchlib.Signer)."""

    def __init__(self, client: RegistryClient, rpc: DevRpc) -> None:
        super().__init__(rpc, client.chain.chain_id)
        self.client = client

    def register(self, account, reg: Registration | None = None) -> tuple[str, str]:
        """(raw transaction, asset id)."""
        reg = reg or registration(account.address)
        fn = self.client.contract.functions.register(*Register(reg).args())
        return self.sign(account, fn, GAS["register"]), asset_id_of(account.address, reg.content_hash)

    def register_batch(self, account, regs: list[Registration]) -> tuple[str, list[str]]:
        fn = self.client.contract.functions.registerBatch([r.as_abi() for r in regs])
        return (self.sign(account, fn, GAS["batch"]),
                [asset_id_of(account.address, r.content_hash) for r in regs])

    def grant(self, account, asset_id: str, grantee: str, parent: int = 2) -> str:
        fn = self.client.contract.functions.grant(*Grant(asset_id, parent, GrantTerms(grantee)).args())
        return self.sign(account, fn, GAS["grant"])

    def transfer(self, account, asset_id: str, right_index: int, to: str) -> str:
        fn = self.client.contract.functions.transfer(*Transfer(asset_id, right_index, to).args())
        return self.sign(account, fn, GAS["transfer"])


def checkpoint_of(engine) -> tuple[int, str] | None:
    try:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT block_number, block_hash FROM checkpoints WHERE name = 'registry'")).first()
        return (row[0], row[1]) if row else None
    except Exception:  # noqa: BLE001 - no schema yet
        return None


# Not compared: `blocks` holds the headers of the blocks each batch touched and `undo_batches` each batch's undo
# journal, both of which depend on where batches began and ended; `checkpoints` has a wall-clock stamp.
# Surrogate ids are left out of the rows.
# relays and rate_buckets: the API's own records, not the index of the chain.
UNCOMPARED_TABLES = {"blocks", "undo_batches", "checkpoints", "relays", "rate_buckets"}


def dump_index(engine) -> dict[str, list[tuple]]:
    """Every row of every index table, surrogate ids left out, in a stable order. (tests/test_indexer.py's
    index_contents sorts model_dump() items, whose key order differs between rows loaded from a database,
    so it fails with "'<' not supported between 'str' and 'NoneType'" on rights with and without a grantor.)"""
    out = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if table.name in UNCOMPARED_TABLES:
                continue
            columns = [c for c in table.columns if c.name != "id"]
            rows = conn.execute(select(*columns)).all()
            out[table.name + ".columns"] = [c.name for c in columns]
            out[table.name] = sorted((tuple(int(v) if isinstance(v, bool) else v for v in row) for row in rows),
                                     key=repr)
    return out


# ───────────────────────────── the recording proxy (registry.devchain_proxy.RpcProxy) ─────────────────────────────

def get_logs_ranges(records: list[Record]) -> list[tuple[float, int, int]]:
    out = []
    for r in records:
        if r.method == "eth_getLogs" and r.params:
            out.append((r.at, int(r.params[0]["fromBlock"], 16), int(r.params[0]["toBlock"], 16)))
    return out


def headers_fetched(records: list[Record]) -> list[int]:
    return [int(r.params[0], 16) for r in records
            if r.method == "eth_getBlockByNumber" and r.params and str(r.params[0]).startswith("0x")]


# ───────────────────────────── processes ─────────────────────────────

class Processes:
    """The indexer and the API, started here as `make run` starts them, and stopped here."""

    def __init__(self, data_dir: Path, deployment, database_url: str, rpc_url: str, indexer_rpc_url: str,
                 max_range: int | None = None) -> None:
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        deployment.save(data_dir / "deployment.json")
        self.api_env = service_env(data_dir, rpc_url, database_url)
        self.indexer_env = service_env(data_dir, indexer_rpc_url, database_url,
                                       **({"DATAREG_INDEX_MAX_RANGE": str(max_range)} if max_range else {}))
        self.indexer_log = data_dir / "indexer.log"
        self.indexer_log.touch()
        self.indexer: subprocess.Popen | None = None
        self.api: subprocess.Popen | None = None
        self.api_url: str | None = None

    def start_indexer(self) -> subprocess.Popen:
        self.indexer = spawn(["index", "run"], self.indexer_env, self.indexer_log)
        return self.indexer

    def start_api(self) -> None:
        """Starts the API and waits until it answers."""
        api_port = port()
        self.api_url = f"http://127.0.0.1:{api_port}"
        self.api = spawn(["api", "--port", str(api_port)], self.api_env, self.data_dir / "api.log")
        wait_for_api(self.api_url, self.api, self.data_dir / "api.log")

    def check_alive(self) -> None:
        for name, p in (("indexer", self.indexer), ("api", self.api)):
            if p is not None and p.poll() is not None:
                raise RuntimeError(f"the {name} exited with code {p.returncode}:\n{self.tail(name)}")

    def tail(self, name: str) -> str:
        return tail(self.data_dir / f"{name}.log")

    def stop(self) -> None:
        for p in (self.api, self.indexer):  # each in its own session: only what this script started
            if p is not None:
                stop(p)


# ───────────────────────────── part 1: reorg ─────────────────────────────

@dataclass
class Expect:
    block: int
    hash: str
    absent: list[str] = field(default_factory=list)  # asset ids that must answer 404
    present: dict[str, dict[int, str]] = field(default_factory=dict)  # asset id -> {right index: holder}
    party_none: list[str] = field(default_factory=list)  # parties that must hold no right
    party_holds: dict[str, tuple[str, int | None]] = field(default_factory=dict)  # party -> (asset, right)


@dataclass
class Sample:
    kind: str
    exact_ms: float  # clock start -> the answer after which every check passed
    checked_ms: float  # the checks after it
    rollback_ms: float | None  # clock start -> the indexer logged its rollback (after committing it)
    commit_ms: float | None  # clock start -> the indexer logged the commit of the head block
    polls: int
    failed_checks: int
    rollbacks: int
    fork_found: int | None
    indexer_cpu_ms: float  # CPU time the indexer process used from the clock's start to the exact answer


class ReorgBench:
    def __init__(self, rpc: DevRpc, client: RegistryClient, api: httpx.Client, proc: Processes,
                 proxy: RpcProxy, history_asset: str, rng: random.Random, api_poll: float) -> None:
        self.rpc, self.client, self.api, self.proc, self.proxy = rpc, client, api, proc, proxy
        self.api_poll = api_poll
        self.txs = Txs(client, rpc)
        self.alice, self.bob, self.owner = (Account.from_key(dev_key(i)) for i in (ALICE, BOB, OWNER))
        self.txs.load(self.alice, self.bob, self.owner)
        self.history_asset = history_asset
        self.rng = rng

    def mine(self, raws: list[str]) -> None:
        mine_each(self.rpc, raws)

    def check(self, e: Expect) -> str | None:
        """None if the API answers as `e` says, else what differs."""
        for asset in e.absent:
            r = self.api.get(f"/v1/assets/{asset}")
            if r.status_code != 404:
                return f"dropped asset {asset[:10]}: {r.status_code}"
        for asset, holders in e.present.items():
            r = self.api.get(f"/v1/assets/{asset}")
            if r.status_code != 200:
                return f"asset {asset[:10]}: {r.status_code}"
            rights = {x["right_index"]: x["holder"].lower() for x in r.json()["rights"]}
            for index, holder in holders.items():
                if rights.get(index) != holder.lower():
                    return f"asset {asset[:10]} right {index}: {rights.get(index)} instead of {holder}"
        for party in e.party_none:
            r = self.api.get(f"/v1/parties/{party}/rights")
            if r.status_code != 200 or r.json():
                return f"party {party[:10]} of a dropped block: {r.status_code} {r.text[:100]}"
        for party, (asset, index) in e.party_holds.items():
            r = self.api.get(f"/v1/parties/{party}/rights")
            held = [x for x in r.json() if x["asset_id"].lower() == asset.lower() and x["holds_now"]
                    and (index is None or x["right_index"] == index)] if r.status_code == 200 else []
            if len(held) != 1:
                return f"party {party[:10]} does not hold its right on {asset[:10]}: {r.text[:100]}"
        return None

    def wait_exact(self, e: Expect, t0: float, probe: str | None = None, timeout: float = 30.0,
                   poll: float | None = None) -> tuple[float, float, int, int, float]:
        """Polls until the API is exact as `e` says. With `probe` (an asset registered in the head block), polls
        GET /v1/assets/{probe} until it answers 200, then checks GET /v1/status and everything else; without,
        polls GET /v1/status. Returns the seconds from t0 to the answer after which every check passed, the
        checks' duration, the polls, how often the checks failed after a positive answer (then polling goes
        on with GET /v1/status), and the indexer's CPU time when that answer came."""
        poll = self.api_poll if poll is None else poll
        polls = failed = 0
        while True:
            polls += 1
            if probe:
                r = self.api.get(f"/v1/assets/{probe}")
                t_answer, cpu = time.perf_counter(), cpu_seconds(self.proc.indexer.pid)
                if r.status_code not in (200, 404):
                    raise RuntimeError(f"GET /v1/assets/{probe}: {r.status_code} {r.text[:300]}")
                ready = r.status_code == 200
            else:
                status = self.api.get("/v1/status").json()
                t_answer, cpu = time.perf_counter(), cpu_seconds(self.proc.indexer.pid)
                ready = status.get("indexed_block") == e.block and status.get("indexed_block_hash") == e.hash
            if ready:
                status = self.api.get("/v1/status").json() if probe else status
                why = (None if status.get("indexed_block") == e.block and status.get("indexed_block_hash") == e.hash
                       else f"status at {status.get('indexed_block')} {status.get('indexed_block_hash')}")
                why = why or self.check(e)
                if why is None:
                    return t_answer - t0, time.perf_counter() - t_answer, polls, failed, cpu
                failed += 1
                probe = None  # from now on, the status decides
                print(f"  (the API answered as if exact, but {why}; polling on)", file=sys.stderr)
            if t_answer - t0 > timeout:
                raise RuntimeError(f"the API was not exact {timeout:.0f} s after the clock started: expected block "
                                   f"{e.block} {e.hash}; {self.api.get('/v1/status').json()}; {self.check(e)}")
            if polls % 200 == 0:
                self.proc.check_alive()
            time.sleep(poll)

    def split(self, offset: int, t0_wall: float, head: int) -> tuple[float | None, float | None, int, int | None]:
        rollback = commit = fork = None
        rollbacks = 0
        for stamp, message in log_lines(self.proc.indexer_log, offset):
            if "reorg: rolled back to block" in message:
                rollbacks += 1
                rollback = (stamp - t0_wall) * 1000
                fork = int(message.split("(fork at ")[1].split(")")[0])
            elif message.startswith("datareg.indexer indexed ") and message.endswith(f"-{head}"):
                commit = (stamp - t0_wall) * 1000
        return rollback, commit, rollbacks, fork

    def settle(self) -> None:
        """The index is at the head; then a random pause, so the next block falls at a random point of the
        indexer's 10 ms polling cycle."""
        number, block_hash = self.rpc.head()
        self.wait_exact(Expect(number, block_hash), time.perf_counter(), poll=0.02)
        time.sleep(self.rng.uniform(0, 0.05))

    def baseline(self) -> Sample:
        self.settle()
        raw, asset = self.txs.register(self.alice)
        offset = self.proc.indexer_log.stat().st_size
        cpu0 = cpu_seconds(self.proc.indexer.pid)
        self.rpc.call("eth_sendRawTransaction", [raw])
        self.rpc.call("evm_mine", [])
        t0, t0_wall = time.perf_counter(), time.time()
        number, block_hash = self.rpc.head()
        e = Expect(number, block_hash, present={asset: {1: self.alice.address, 2: self.alice.address,
                                                        3: self.alice.address}})
        exact, checked, polls, failed, cpu = self.wait_exact(e, t0, probe=asset)
        receipts_ok(self.rpc, [raw])  # after the measurement: it has its cost, and the check comes too late
        _, commit, rollbacks, _ = self.split(offset, t0_wall, number)
        return Sample("baseline", exact * 1000, checked * 1000, None, commit, polls, failed, rollbacks, None,
                      (cpu - cpu0) * 1000)

    def reorg(self, kind: str) -> Sample:
        alice, bob, owner, h = self.alice, self.bob, self.owner, self.history_asset
        self.settle()
        raw, anchor = self.txs.register(alice)
        self.mine([raw])
        receipts_ok(self.rpc, [raw])
        fork_block, _ = self.rpc.head()
        snapshot = self.rpc.call("evm_snapshot", []) if kind == "reorg 5->6" else None
        at_fork = dict(self.txs.nonces)

        t_old, g_old, t_new, g_new = (fresh_address() for _ in range(4))
        x1, x1_id = self.txs.register(alice)
        x2, x2_id = self.txs.register(alice)
        old = [x1, x2, self.txs.transfer(alice, anchor, 3, t_old), self.txs.grant(owner, h, g_old)]
        x3, x3_id = self.txs.register(alice)
        old.append(x3)
        self.mine(old)
        receipts = receipts_ok(self.rpc, old)
        assert [int(r["blockNumber"], 16) for r in receipts] == list(range(fork_block + 1, fork_block + DEPTH + 1))
        number, block_hash = self.rpc.head()
        xs = [x1_id, x2_id, x3_id]
        self.wait_exact(Expect(number, block_hash, present={**{x: {1: alice.address} for x in xs},
                                                            anchor: {3: t_old}},
                               party_holds={t_old: (anchor, 3), g_old: (h, None)}), time.perf_counter(),
                        probe=x3_id, poll=0.02)
        time.sleep(self.rng.uniform(0, 0.05))

        self.txs.nonces = at_fork  # the new branch starts from the state at the fork
        y1, y1_id = self.txs.register(bob)
        new = [y1, self.txs.transfer(alice, anchor, 3, t_new), self.txs.grant(owner, h, g_new)]
        ys = [y1_id]
        for _ in range(2 if kind == "reorg 5->5" else 3):
            raw, asset = self.txs.register(bob)
            new.append(raw)
            ys.append(asset)
        offset = self.proc.indexer_log.stat().st_size
        cpu0 = cpu_seconds(self.proc.indexer.pid)
        if kind == "reorg 5->5":
            self.rpc.call("anvil_reorg", [DEPTH, [[raw, k] for k, raw in enumerate(new)]])
            t0, t0_wall = time.perf_counter(), time.time()
        else:
            self.proxy.gate.clear()  # the indexer sees nothing until the new branch is complete
            try:
                if not self.rpc.call("evm_revert", [snapshot]):
                    raise RuntimeError("evm_revert refused the snapshot")
                self.mine(new)
                t0, t0_wall = time.perf_counter(), time.time()
            finally:
                self.proxy.gate.set()
        number, block_hash = self.rpc.head()
        if number != fork_block + len(new):
            raise RuntimeError(f"the new chain's head is {number}, expected {fork_block + len(new)}")
        e = Expect(number, block_hash, absent=xs,
                   present={**{y: {1: bob.address, 2: bob.address, 3: bob.address} for y in ys},
                            anchor: {1: alice.address, 3: t_new}},
                   party_none=[t_old, g_old], party_holds={t_new: (anchor, 3), g_new: (h, None)})
        exact, checked, polls, failed, cpu = self.wait_exact(e, t0, probe=ys[-1])
        receipts = receipts_ok(self.rpc, new)  # after the measurement, which it would delay
        blocks = [int(r["blockNumber"], 16) for r in receipts]
        if blocks != list(range(fork_block + 1, fork_block + len(new) + 1)):
            raise RuntimeError(f"the new branch is not as built: its transactions are in blocks {blocks}")
        rollback, commit, rollbacks, fork = self.split(offset, t0_wall, number)
        if fork is not None and fork != fork_block:
            raise RuntimeError(f"the indexer rolled back to block {fork}, the fork is block {fork_block}")
        return Sample(kind, exact * 1000, checked * 1000, rollback, commit, polls, failed, rollbacks, fork,
                      (cpu - cpu0) * 1000)


def seed_history(rpc: DevRpc, client: RegistryClient, count: int) -> str:
    """Asset H, held by OWNER, with `count` grants, one per block. Returns H's id."""
    txs = Txs(client, rpc)
    owner = Account.from_key(dev_key(OWNER))
    raw, h = txs.register(owner)
    mine_each(rpc, [raw])
    receipts_ok(rpc, [raw])
    raws = [txs.grant(owner, h, fresh_address()) for _ in range(count)]
    mine_each(rpc, raws)
    receipts_ok(rpc, raws)
    return h


def part_reorg(args, out: Report, tmp: Path) -> bool:
    results: dict[str, list[Sample]] = {}
    ok = True
    with local_chain(tmp / "anvil-reorg.log") as chain:
        rpc, client, deployment = chain.rpc, chain.client, chain.deployment
        rpc.call("evm_setAutomine", [False])  # from now on, blocks are mined by this script, one by one
        t = time.perf_counter()
        history_asset = seed_history(rpc, client, args.history)
        seeded_s = time.perf_counter() - t
        proxy = RpcProxy(chain.rpc_url)
        try:
            for kind in args.db:
                db = database(kind, "recovery_reorg", tmp)
                proc = Processes(tmp / f"reorg-{kind}", deployment, db.url, chain.rpc_url, proxy.url)
                samples: list[Sample] = []
                try:
                    proc.start_api()
                    proc.start_indexer()
                    with httpx.Client(base_url=proc.api_url, timeout=30) as api:
                        bench = ReorgBench(rpc, client, api, proc, proxy, history_asset, random.Random(),
                                           args.api_poll_ms / 1000)
                        t = time.perf_counter()
                        number, block_hash = rpc.head()
                        bench.wait_exact(Expect(number, block_hash), t, timeout=600, poll=0.05)
                        catch_up_s = time.perf_counter() - t
                        kinds = ["baseline", "reorg 5->5", "reorg 5->6"]
                        for i in range(args.rounds):
                            bench.rng.shuffle(kinds)
                            for k in kinds:
                                samples.append(bench.baseline() if k == "baseline" else bench.reorg(k))
                            proc.check_alive()
                            last = samples[-3:]
                            print(f"  {kind} round {i + 1}/{args.rounds}: "
                                  + ", ".join(f"{s.kind} {s.exact_ms:.0f} ms" for s in last), file=sys.stderr)
                    results[kind] = samples
                    ok &= report_reorg(out, kind, samples, catch_up_s, args, number)
                except Exception:
                    print_tails(proc, "indexer", "api")
                    raise
                finally:
                    proc.stop()
                    db.drop()
            out(f"(History: asset H with {args.history:,} grants, one per block, seeded in {seeded_s:.0f} s.)")
        finally:
            proxy.close()
    return ok


def report_reorg(out: Report, kind: str, samples: list[Sample], catch_up_s: float, args, head: int) -> bool:
    out(f"Reorg recovery, {kind}: {args.rounds} rounds of each kind, interleaved; index of {head:,} blocks "
        f"(caught up in {catch_up_s:.1f} s before the rounds); API polled every {args.api_poll_ms:g} ms.")
    cols = ["ms", "count", "median", "p90", "max", "min"]
    rows = []
    for name in ("baseline", "reorg 5->5", "reorg 5->6"):
        mine = [s for s in samples if s.kind == name]
        label = {"baseline": "baseline: new block, 1 registration -> API exact",
                 "reorg 5->5": "reorg depth 5 -> 5 new blocks (anvil_reorg) -> API exact",
                 "reorg 5->6": "reorg depth 5 -> 6 new blocks (evm_revert) -> API exact"}[name]
        rows.append((label, percentiles([s.exact_ms for s in mine])))
        if name != "baseline":
            rows.append(("  of which: -> rollback committed (indexer log)",
                         percentiles([s.rollback_ms for s in mine if s.rollback_ms is not None])))
        rows.append(("  of which: -> head block committed (indexer log)",
                     percentiles([s.commit_ms for s in mine if s.commit_ms is not None])))
        rows.append(("  indexer CPU time in that interval (/proc, 10 ms ticks)",
                     percentiles([s.indexer_cpu_ms for s in mine])))
        rows.append(("  the checks after it (not counted)", percentiles([s.checked_ms for s in mine])))
    width = max(len(r[0]) for r in rows)
    out(f"{cols[0]:<{width}}  {'count':>5}  {'median':>7}  {'p90':>7}  {'max':>7}  {'min':>7}")
    for label, s in rows:
        if s is None:
            out(f"{label:<{width}}  {0:>5}  (no sample)")
        else:
            out(f"{label:<{width}}  {s['count']:>5}  {s['median']:>7.1f}  {s['p90']:>7.1f}  {s['max']:>7.1f}  "
                f"{s['min']:>7.1f}")
    reorgs = [s for s in samples if s.kind != "baseline"]
    worst = max(s.exact_ms for s in reorgs)
    failed = sum(s.failed_checks for s in samples)
    extra = [s for s in reorgs if s.rollbacks != 1]
    verdict = worst <= TARGET_S * 1000 and not failed and not extra
    out(f"Target: exact within {TARGET_S * 1000:.0f} ms after a reorg of depth {DEPTH}: "
        f"{'MET' if verdict else 'MISSED'} (worst {worst:.0f} ms); checks failing after a positive answer: "
        f"{failed}; reorgs not handled by exactly one rollback: {len(extra)}.")
    out()
    return verdict


# ───────────────────────────── part 2: kill -9 ─────────────────────────────

def seed_workload(rpc: DevRpc, client: RegistryClient, rng: random.Random) -> None:
    """~3,500 events over ~2,000 blocks, one transaction per block."""
    txs = Txs(client, rpc)
    seeder = Account.from_key(dev_key(SEEDER))
    others = [Account.from_key(dev_key(i)).address for i in OTHERS]
    todo = {"register": 250, "batch": 10, "grant": 1500, "transfer": 250}
    assets: list[str] = []
    transferable: list[str] = []
    raws = []
    while any(todo.values()):
        choices = [k for k, n in todo.items() if n and (k in ("register", "batch") or assets)
                   and (k != "transfer" or transferable)]
        kind = rng.choices(choices, weights=[todo[k] for k in choices])[0]
        todo[kind] -= 1
        if kind == "register":
            raw, asset = txs.register(seeder)
            assets.append(asset)
            transferable.append(asset)
        elif kind == "batch":
            raw, ids = txs.register_batch(seeder, [registration(seeder.address) for _ in range(20)])
            assets += ids
            transferable += ids
        elif kind == "grant":
            raw = txs.grant(seeder, rng.choice(assets), rng.choice(others))
        else:
            asset = transferable.pop(rng.randrange(len(transferable)))
            raw = txs.transfer(seeder, asset, 3, rng.choice(others))
        raws.append(raw)
    mine_each(rpc, raws)
    receipts_ok(rpc, raws)


@dataclass
class Life:
    """One indexer process: from its start to its kill (or its end)."""

    started: float
    mark: int
    start_checkpoint: int  # the committed checkpoint it starts from
    end_mark: int = 0
    end_checkpoint: int = 0
    killed_after_s: float | None = None  # after its first eth_getLogs
    caught_up_before_kill: bool = False
    lock_held_s: float | None = None


def run_lives(proxy: RpcProxy, proc: Processes, engine, head: int, deploy_block: int, kills: int,
              mean_gap_s: float, rng: random.Random, timeout: float = 600) -> list[Life]:
    lives: list[Life] = []
    for k in range(kills + 1):
        cp = checkpoint_of(engine)
        offset = proc.indexer_log.stat().st_size
        life = Life(time.perf_counter(), proxy.mark(), cp[0] if cp else deploy_block - 1)
        t_wall = time.time()
        process = proc.start_indexer()
        deadline = time.monotonic() + timeout
        try:
            if k < kills:
                while not get_logs_ranges(proxy.since(life.mark)):
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"the indexer made no eth_getLogs:\n{proc.tail('indexer')}")
                    time.sleep(0.001)
                first_at = get_logs_ranges(proxy.since(life.mark))[0][0]
                kill_at = first_at + rng.uniform(0.2, 1.6) * mean_gap_s
                while time.perf_counter() < kill_at:
                    time.sleep(0.0005)
                process.send_signal(signal.SIGKILL)
                process.wait()
                life.killed_after_s = time.perf_counter() - first_at
                time.sleep(0.3)  # a COMMIT the server received before the kill lands now, not after our read
            else:
                while (checkpoint_of(engine) or (0,))[0] < head:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"the indexer did not finish:\n{proc.tail('indexer')}")
                    time.sleep(0.01)
                process.terminate()
                process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        life.end_mark = proxy.mark()
        life.end_checkpoint = (checkpoint_of(engine) or (deploy_block - 1,))[0]
        life.caught_up_before_kill = k < kills and life.end_checkpoint >= head
        for stamp, message in log_lines(proc.indexer_log, offset):
            if message.startswith("datareg.indexer indexing "):
                life.lock_held_s = stamp - t_wall
                break
        lives.append(life)
    return lives


def part_kill(args, out: Report, tmp: Path) -> bool:
    ok = True
    with local_chain(tmp / "anvil-kill.log") as chain:
        rpc, client, deployment, rpc_url = chain.rpc, chain.client, chain.deployment, chain.rpc_url
        rpc.call("evm_setAutomine", [False])
        t = time.perf_counter()
        seed_workload(rpc, client, random.Random("datareg recovery"))
        seeded_s = time.perf_counter() - t
        head = int(rpc.call("eth_blockNumber"), 16)
        chain_logs = rpc.call("eth_getLogs", [{"address": list(deployment.contracts.values()),
                                               "fromBlock": hex(deployment.deploy_block), "toBlock": hex(head)}])
        on_chain = {(int(x["blockNumber"], 16), int(x["logIndex"], 16)) for x in chain_logs}
        proxy = RpcProxy(rpc_url)
        try:

            # The uninterrupted reference, through the proxy too.
            ref_url = database("sqlite", "kill-reference", tmp).url
            ref = Processes(tmp / "kill-reference", deployment, ref_url, rpc_url, proxy.url, args.max_range)
            ref_engine = make_engine(ref_url)
            try:
                (life,) = run_lives(proxy, ref, ref_engine, head, deployment.deploy_block, 0, 0, random.Random())
            finally:
                ref.stop()
            ref_ranges = get_logs_ranges(proxy.since(life.mark, life.end_mark))
            ref_first_s = ref_ranges[0][0] - life.started
            ref_catch_up_s = ref_ranges[-1][0] - ref_ranges[0][0]
            ref_contents = dump_index(ref_engine)
            fetched = sum(b - a + 1 for _, a, b in ref_ranges)
            out(f"Kill -9 and restart: {len(on_chain):,} events in {head - deployment.deploy_block + 1:,} blocks "
                f"(seeded in {seeded_s:.0f} s); DATAREG_INDEX_MAX_RANGE={args.max_range}; {args.kills} kills per "
                "database.")
            out(f"Uninterrupted reference (SQLite): start -> first eth_getLogs {ref_first_s * 1000:.0f} ms, catch-up "
                f"{ref_catch_up_s:.2f} s, {len(ref_ranges)} eth_getLogs covering {fetched:,} blocks "
                f"({fetched - (head - deployment.deploy_block + 1):+d} against the chain).")
            mean_gap_s = ref_catch_up_s / (args.kills + 1)
            out()
            for kind in args.db:
                db = database(kind, "recovery_kill", tmp)
                proc = Processes(tmp / f"kill-{kind}", deployment, db.url, rpc_url, proxy.url, args.max_range)
                engine = make_engine(db.url)
                try:
                    lives = run_lives(proxy, proc, engine, head, deployment.deploy_block, args.kills, mean_gap_s,
                                      random.Random())
                    contents = dump_index(engine)
                except Exception:
                    print_tails(proc, "indexer")
                    raise
                finally:
                    proc.stop()
                    engine.dispose()
                    db.drop()
                ok &= report_kill(out, kind, lives, proxy, contents, ref_contents, on_chain)
            ref_engine.dispose()
        finally:
            proxy.close()
    return ok


def report_kill(out: Report, kind: str, lives: list[Life], proxy: RpcProxy, contents: dict, ref: dict,
                on_chain: set) -> bool:
    def lookups(life: Life) -> tuple[list, list[int]]:
        records = proxy.since(life.mark, life.end_mark)
        return get_logs_ranges(records), headers_fetched(records)

    def ms(seconds: float | None) -> str:
        return f"{seconds * 1000:.0f} ms" if seconds is not None else "-"

    out(f"Kill -9 during catch-up, {kind}:")
    ranges, _ = lookups(lives[0])
    out(f"First start on the empty database: start -> lock {ms(lives[0].lock_held_s)}, -> first eth_getLogs "
        f"{ms(ranges[0][0] - lives[0].started)} (fromBlock {ranges[0][1]}).")
    names = ["kill", "killed after", "lost in flight", "checkpoint", "restart: fromBlock", "refetched blocks",
             "refetched headers", "restart->lock", "restart->1st getLogs"]
    widths = [4, 13, 15, 11, 19, 17, 18, 14, 21]
    out("".join(f"{n:>{w}}" if i else f"{n:<{w}}" for i, (n, w) in enumerate(zip(names, widths))))
    ok = True
    for i, (killed, restarted) in enumerate(zip(lives, lives[1:]), 1):
        killed_ranges, _ = lookups(killed)
        lost = [(a, b) for _, a, b in killed_ranges if b > killed.end_checkpoint]
        ranges, headers = lookups(restarted)
        checkpoint = restarted.start_checkpoint  # what the restarted process found committed
        first_from = ranges[0][1] if ranges else None
        refetched = sum(max(0, min(b, checkpoint) - a + 1) for _, a, b in ranges)
        refetched_headers = sum(1 for n in headers if n <= checkpoint)
        resumed = first_from == checkpoint + 1
        ok &= resumed and refetched == 0 and refetched_headers == 0 and not killed.caught_up_before_kill
        cells = [f"#{i}", ms(killed.killed_after_s) + (" (done)" if killed.caught_up_before_kill else ""),
                 f"{min(a for a, _ in lost)}-{max(b for _, b in lost)}" if lost else "-", str(checkpoint),
                 f"{first_from}" + ("" if resumed else " (!)"), str(refetched), str(refetched_headers),
                 ms(restarted.lock_held_s), ms(ranges[0][0] - restarted.started) if ranges else "-"]
        out("".join(f"{c:>{w}}" if j else f"{c:<{w}}" for j, (c, w) in enumerate(zip(cells, widths))))
    columns = contents["events.columns"]
    number, index = columns.index("block_number"), columns.index("log_index")
    events = {(e[number], e[index]) for e in contents["events"]}
    same_set = events == {(e[number], e[index]) for e in ref["events"]} == on_chain
    same_all = contents == ref
    differing = [name for name in contents if not name.endswith(".columns") and contents[name] != ref.get(name)]
    ok &= same_set and same_all and lives[-1].end_checkpoint >= max(b for b, _ in on_chain)
    out("'killed after': from the killed process's first eth_getLogs; 'lost in flight': the blocks it had fetched "
        "but not committed;")
    out("'checkpoint': the block of the checkpoint row after the kill, which the restarted process found; 'restart: "
        "fromBlock': the")
    out("restarted process's first eth_getLogs (should be checkpoint + 1); 'refetched': blocks at or below the "
        "checkpoint in any of its")
    out("eth_getLogs, and headers at or below it it asked for; 'restart->lock': to its log line 'indexing ...' "
        "(imports, migrations, lock).")
    out(f"After the last restart: {len(contents['events']):,} events (reference {len(ref['events']):,}, chain "
        f"{len(on_chain):,}); (block, log index) sets equal: {'yes' if same_set else 'NO'}; every table equal to "
        f"the uninterrupted run's")
    out("(all rows, surrogate ids and the blocks and undo_batches tables left out): "
        + ("yes." if same_all else "NO: " + ", ".join(differing) + "."))
    out(f"Target: each restart resumes from the committed checkpoint without re-fetching committed blocks: "
        f"{'MET' if ok else 'MISSED'}.")
    out()
    return ok


# ───────────────────────────── main ─────────────────────────────

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", nargs="+", default=["reorg", "kill"], choices=["reorg", "kill"])
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--rounds", type=int, default=20, help="reorgs of each kind, and baselines (default 20)")
    parser.add_argument("--history", type=int, default=2000,
                        help="grants on the asset every reorg touches, one per block (default 2000)")
    parser.add_argument("--api-poll-ms", type=float, default=10.0,
                        help="pause between the GETs that wait for the API (default 10: fine enough for a 1 s "
                             "target; polling harder takes CPU from the indexer on a small machine)")
    parser.add_argument("--kills", type=int, default=5, help="SIGKILLs during catch-up (default 5)")
    parser.add_argument("--max-range", type=int, default=50, help="DATAREG_INDEX_MAX_RANGE for part 2 (default 50)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "recovery.txt"), help="also write the table here")
    args = parser.parse_args()
    if not 1 <= args.rounds <= 500 or not 0 <= args.history <= 100_000 or not 1 <= args.kills <= 50:
        parser.error("--rounds 1..500, --history 0..100000, --kills 1..50")

    out = Report(args.out)
    out(command_line())
    out(f"Code: {code_version()}.")
    out(f"Before: {load_average()}.")
    started = time.perf_counter()
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-recovery-") as tmp:
        tmp = Path(tmp)
        if "reorg" in args.part:
            ok &= part_reorg(args, out, tmp)
        if "kill" in args.part:
            ok &= part_kill(args, out, tmp)
    out(f"After: {load_average()}; {time.perf_counter() - started:.0f} s in all.")
    out.close(f"(exit status {0 if ok else 1})")
    return 0 if ok else 1


if __name__ == "__main__":
    run(main)
