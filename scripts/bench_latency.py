"""Live indexing delay: from a registration's receipt to the asset being served by the HTTP API.

What it measures: registrations sent one at a time through the project's own client
(`RegistryClient.register`: estimate, sign, send, wait for the receipt, exactly as `datareg register` does),
and for each the time from the moment its receipt was available until `GET /v1/assets/{asset_id}` on the
real API returns 200 (polled every ~2 ms). The indexer and the API run as in `make run`, each its own process
(registry.devchain.LocalStack, through scripts/benchlib.py), over a SQLite index in a temporary data directory,
against this script's own anvil.

When the receipt was available: the client polls for receipts every 50 ms, which would start the clock late,
so while it waits a watcher thread polls `eth_blockNumber` every 5 ms; the receipt moment is the earlier of
the watcher first seeing the receipt's block and the client returning the receipt.

The delay is split at the moment the indexer stamps its checkpoint for the block (just before it commits the
block's events), read from the index with the project's own query: receipt -> indexer commit, the rest
being the API's read and the polling granularity.

Before each send the client waits a random 0..--gap-ms (default 100 ms): sending right after the previous
asset became visible would put every send at the same point of the indexer's 10 ms polling cycle and measure
one phase of it instead of the spread a real, unsynchronised writer sees.

In the same run, for context (these machines are noisy, so read the figures side by side):
  - baseline: how long anvil takes to answer `eth_getLogs` for the receipt's block, asked right after the
    receipt: what an indexer with no overhead of its own would need before it could serve the event;
  - the duration of the one GET that returned 200 (the API alone);
  - `register()` from the call to the receipt (client and chain), and to its return.
PEERS.md's peer figure: Ponder 0.16.10, live delay receipt to API, 25-35 ms typical, 125 ms max.

Modes:
  default                 anvil automine: every transaction is mined at once, in its own block.
  --block-time 1          anvil mines a block every second (issue 6: "with anvil mining a block every second
                          under a steady write load"). A background writer then sends --load-rate registrations
                          per second (default 10) from another account, so blocks carry several events; the
                          measured registrations are still sent one at a time. One sample per block, so
                          --count 100 takes about 100 s.

Run:
  .venv/bin/python scripts/bench_latency.py                          # automine, 200 samples
  .venv/bin/python scripts/bench_latency.py --block-time 1 --count 100
  .venv/bin/python scripts/bench_latency.py --load-rate 20 --json

Percentiles are nearest-rank. The first --warmup samples (default 5) are taken the same way and left out.
Every process the script starts (anvil, indexer, API) is stopped when it ends, also on errors and Ctrl-C.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from benchlib import Stack, percentiles, print_tails, registration, run  # first: it puts the repository on sys.path
from eth_account import Account
from web3 import Web3

from registry.chain.client import Chain, RegistryClient
from registry.chain.operations import Register
from registry.chain.rpc import Rpc
from registry.db import queries
from registry.db.session import make_engine, session
from registry.devchain import dev_key

BLOCK_POLL = 0.005
PEER = "Ponder 0.16.10 (PEERS.md): 25–35 ms typical, 125 ms max"
MEASURED_ACCOUNT, LOAD_ACCOUNT = 0, 1


class Load(threading.Thread):
    """Background registrations at a steady rate from another account, until stopped.

    A fast path on purpose: RegistryClient.register estimates gas and then waits for each receipt (up to a
    block time), so one client cannot send 10 a second, and signing in this process while measuring would
    take CPU from the timed loop. So the transactions are built as the client builds them (the contract
    function of the same Register operation, encoded by web3), signed in advance with a fixed gas limit,
    and sent raw from this thread."""

    GAS = 200_000  # a registration with the registrant holding all three rights uses about 62,000

    def __init__(self, client: RegistryClient, account, count: int, rate: float) -> None:
        super().__init__(daemon=True, name="load")
        nonce = client.w3.eth.get_transaction_count(account.address, "pending")
        fees = {"maxFeePerGas": Web3.to_wei(50, "gwei"), "maxPriorityFeePerGas": Web3.to_wei(1, "gwei")}
        self.raw = []
        for i in range(count):
            op = Register(registration(account.address))
            data = getattr(client.contract.functions, op.function)(*op.args())._encode_transaction_data()
            tx = {"chainId": client.chain.chain_id, "nonce": nonce + i, "to": client.contract.address,
                  "value": 0, "gas": self.GAS, "data": data, "type": 2, **fees}
            self.raw.append(account.sign_transaction(tx).raw_transaction)
        self.rpc = Rpc(client.chain.rpc_url, timeout=10)
        self.rate = rate
        self.stop_event = threading.Event()
        self.sent = 0
        self.errors: list[str] = []
        self.started_at = self.stopped_at = 0.0

    def run(self) -> None:
        self.started_at = time.perf_counter()
        for i, raw in enumerate(self.raw):
            if self.stop_event.wait(max(0.0, self.started_at + i / self.rate - time.perf_counter())):
                break
            try:
                self.rpc.call("eth_sendRawTransaction", ["0x" + bytes(raw).hex()])
                self.sent += 1
            except Exception as exc:  # noqa: BLE001 - reported at the end
                self.errors.append(str(exc))
                if len(self.errors) > 20:
                    break
        self.stopped_at = time.perf_counter()

    def summary(self) -> dict:
        span = max(self.stopped_at - self.started_at, 1e-9)
        return {"target_rate": self.rate, "sent": self.sent, "actual_rate": round(self.sent / span, 1),
                "errors": len(self.errors), "first_error": self.errors[0] if self.errors else None,
                "ran_out": self.sent + len(self.errors) >= len(self.raw)}


class BlockWatcher(threading.Thread):
    """While armed, polls eth_blockNumber every 5 ms and notes when each block first appeared: the moment
    its receipts became available, however often the client itself asks for them."""

    def __init__(self, rpc_url: str) -> None:
        super().__init__(daemon=True, name="blocks")
        self.rpc = Rpc(rpc_url, timeout=10)
        self.armed = threading.Event()
        self.seen: dict[int, tuple[float, float]] = {}  # block -> (perf_counter, wall clock) first seen
        self.last = 0

    def head(self) -> int:
        return int(self.rpc.call("eth_blockNumber"), 16)

    def arm(self) -> None:
        self.last = max(self.last, self.head())
        self.armed.set()

    def run(self) -> None:
        while self.armed.wait():
            head = self.head()
            stamp = (time.perf_counter(), time.time())
            for block in range(self.last + 1, head + 1):
                self.seen.setdefault(block, stamp)
            self.last = max(self.last, head)
            time.sleep(BLOCK_POLL)


@dataclass
class Sample:
    visible_ms: float  # receipt -> GET returned 200
    commit_ms: float | None  # receipt -> the indexer's checkpoint for this block (None: a later block's)
    get_logs_ms: float  # eth_getLogs for the receipt's block
    last_get_ms: float  # the GET that returned 200
    call_to_receipt_ms: float  # register() called -> receipt available
    call_to_return_ms: float  # register() called -> register() returned
    polls: int  # GETs made, the successful one included
    block: int
    logs_in_block: int


class Bench:
    def __init__(self, stack: Stack, api: httpx.Client, api_poll: float) -> None:
        self.client = RegistryClient(Chain(stack.rpc_url, stack.deployment))
        self.me = Account.from_key(dev_key(MEASURED_ACCOUNT))
        self.api, self.api_poll = api, api_poll
        self.engine = make_engine(stack.database_url)
        self.blocks = BlockWatcher(stack.rpc_url)
        self.blocks.start()

    def checkpoint(self) -> tuple[int, float] | None:
        with session(self.engine) as db:
            cp = queries.checkpoint(db)
            return (cp.block_number, cp.updated_at) if cp else None

    def measure_one(self, api_timeout: float = 15.0) -> Sample:
        self.blocks.arm()
        called = time.perf_counter()
        result = self.client.register(registration(self.me.address), self.me)
        returned, wall_returned = time.perf_counter(), time.time()
        self.blocks.armed.clear()
        t_receipt, wall_receipt = min(self.blocks.seen.get(result.block_number, (returned, wall_returned)),
                                      (returned, wall_returned))
        (asset_id,) = result.asset_ids

        # Baseline: what the chain needs to hand the block's events to a zero-overhead indexer (the raw
        # request the indexer itself makes).
        t0 = time.perf_counter()
        block = hex(result.block_number)
        logs = self.client.w3.provider.make_request(
            "eth_getLogs", [{"address": self.client.contract.address, "fromBlock": block, "toBlock": block}]
        )["result"]
        get_logs_ms = (time.perf_counter() - t0) * 1000
        if not any(len(log["topics"]) > 1 and log["topics"][1] == asset_id for log in logs):
            raise RuntimeError(f"eth_getLogs for block {result.block_number} lacks the AssetRegistered of {asset_id}")

        # Polled here rather than with ApiClient.wait_for_asset, which polls every 10 ms and does not time the
        # GET that succeeded: both matter at this scale.
        polls = 0
        while True:
            t_get = time.perf_counter()
            response = self.api.get(f"/v1/assets/{asset_id}")
            polls += 1
            if response.status_code == 200:
                t_visible = time.perf_counter()
                break
            if response.status_code != 404:
                raise RuntimeError(f"GET /v1/assets/{asset_id}: {response.status_code} {response.text[:300]}")
            if t_get - t_receipt > api_timeout:
                raise RuntimeError(f"asset {asset_id} not visible through the API after {api_timeout:.0f} s")
            time.sleep(self.api_poll)
        if response.json().get("asset_id", asset_id).lower() != asset_id:
            raise RuntimeError(f"the API returned another asset for {asset_id}")
        # The indexer stamps its checkpoint (wall clock) just before committing a block's events; valid only
        # while the checkpoint is still at this block (not with a later block already indexed).
        cp = self.checkpoint()
        commit_ms = (cp[1] - wall_receipt) * 1000 if cp and cp[0] == result.block_number else None
        return Sample(
            visible_ms=(t_visible - t_receipt) * 1000,
            commit_ms=commit_ms,
            get_logs_ms=get_logs_ms,
            last_get_ms=(t_visible - t_get) * 1000,
            call_to_receipt_ms=(t_receipt - called) * 1000,
            call_to_return_ms=(returned - called) * 1000,
            polls=polls,
            block=result.block_number,
            logs_in_block=len(logs),
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200, help="measured registrations (default 200)")
    parser.add_argument("--block-time", type=float, default=None,
                        help="seconds between anvil blocks (default: automine, a block per transaction)")
    parser.add_argument("--load-rate", type=float, default=None,
                        help="background registrations per second from another account "
                             "(default: 10 with --block-time, 0 with automine)")
    parser.add_argument("--warmup", type=int, default=5, help="samples taken first and left out (default 5)")
    parser.add_argument("--gap-ms", type=float, default=100.0,
                        help="before each registration, wait a random 0..GAP ms (default 100) so that sends fall "
                             "at random points of the indexer's 10 ms polling cycle; 0 sends right after the "
                             "previous asset became visible, which locks onto that cycle")
    parser.add_argument("--api-poll-ms", type=float, default=2.0, help="pause between API GETs (default 2)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = parser.parse_args()
    if not 1 <= args.count <= 10_000:
        parser.error("--count must be between 1 and 10000")
    if args.block_time is not None and not 0 < args.block_time <= 30:
        parser.error("--block-time must be between 0 and 30 seconds")
    load_rate = args.load_rate if args.load_rate is not None else (10.0 if args.block_time else 0.0)
    if not 0 <= load_rate <= 500:
        parser.error("--load-rate must be between 0 and 500")
    if not 0 <= args.gap_ms <= 2000 or not 0 <= args.api_poll_ms <= 1000:
        parser.error("--gap-ms must be within 0..2000 and --api-poll-ms within 0..1000")

    load_before = os.getloadavg()
    started = time.perf_counter()
    samples: list[Sample] = []
    load = None
    block_time = int(args.block_time) if args.block_time and args.block_time.is_integer() else args.block_time
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp, httpx.Client(timeout=10) as api, \
            Stack(Path(tmp), block_time) as stack:
        try:
            api.base_url = stack.api_url
            bench = Bench(stack, api, args.api_poll_ms / 1000)
            if load_rate:
                # Enough for the expected duration with room to spare; the thread stops when told.
                expected_s = (args.warmup + args.count) * ((args.block_time or 0.1) * 1.1 + args.gap_ms / 2000) + 15
                load = Load(bench.client, Account.from_key(dev_key(LOAD_ACCOUNT)),
                            min(int(load_rate * expected_s) + 1, 20_000), load_rate)
            stack.wait_until_indexed(api, bench.client.w3.eth.block_number, timeout=60)
            if load:
                load.start()
            rng = random.Random()
            for i in range(args.warmup + args.count):
                if i == args.warmup:
                    measuring_from = time.perf_counter()
                time.sleep(rng.uniform(0, args.gap_ms) / 1000)
                sample = bench.measure_one()
                if i >= args.warmup:
                    samples.append(sample)
                if i % 25 == 0:
                    stack.check_alive()
            measuring_s = time.perf_counter() - measuring_from
            stack.check_alive()
        except Exception:
            print_tails(stack, "indexer", "api")
            raise
        finally:
            if load is not None:
                load.stop_event.set()
                load.join(timeout=5)

    result = {
        "mode": f"anvil --block-time {args.block_time:g}" if args.block_time else "anvil automine",
        "count": len(samples),
        "warmup_excluded": args.warmup,
        "gap_ms": args.gap_ms,
        "api_poll_ms": args.api_poll_ms,
        "visible_ms": percentiles([s.visible_ms for s in samples]),
        "receipt_to_indexer_commit_ms": percentiles([s.commit_ms for s in samples if s.commit_ms is not None]),
        "baseline_get_logs_ms": percentiles([s.get_logs_ms for s in samples]),
        "api_get_ms": percentiles([s.last_get_ms for s in samples]),
        "register_call_to_receipt_ms": percentiles([s.call_to_receipt_ms for s in samples]),
        "register_call_to_return_ms": percentiles([s.call_to_return_ms for s in samples]),
        "visible_at_first_poll": sum(1 for s in samples if s.polls == 1),
        "mean_logs_per_block": round(sum(s.logs_in_block for s in samples) / len(samples), 1),
        "blocks": len({s.block for s in samples}),
        "background_load": load.summary() if load else None,
        "measuring_seconds": round(measuring_s, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "peer": PEER,
        "samples": [vars(s) for s in samples] if args.json else None,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return 0


def print_table(r: dict) -> None:
    load = r["background_load"]
    load_text = (f"background load {load['actual_rate']} tx/s ({load['sent']} sent, {load['errors']} errors"
                 f"{', RAN OUT of pre-signed transactions' if load['ran_out'] else ''})" if load else
                 "no background load")
    print(f"Receipt -> API visibility: {r['mode']}, {load_text}; {r['count']} registrations sent one at a time "
          f"by RegistryClient.register ({r['warmup_excluded']} warm-up excluded), {r['measuring_seconds']} s.")
    print(f"Random 0–{r['gap_ms']:g} ms pause before each send; API polled every {r['api_poll_ms']:g} ms; blocks "
          f"every {BLOCK_POLL * 1000:g} ms while waiting for the receipt.")
    print(f"Indexer and API as separate processes (SQLite index). {r['cpus']} CPUs, load average "
          f"{r['loadavg_before'][0]} before, {r['loadavg_after'][0]} after.")
    print()
    rows = [
        ("receipt -> GET /v1/assets/{id} returns 200", r["visible_ms"]),
        ("  of which: receipt -> indexer commit", r["receipt_to_indexer_commit_ms"]),
        ("baseline: eth_getLogs of the block (chain only)", r["baseline_get_logs_ms"]),
        ("the GET that returned 200 (API alone)", r["api_get_ms"]),
        ("register(): call -> receipt (client + chain)", r["register_call_to_receipt_ms"]),
        ("register(): call -> return (+ its receipt polling)", r["register_call_to_return_ms"]),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"{'ms':<{width}}  {'count':>5}  {'median':>7}  {'p90':>7}  {'p99':>7}  {'max':>7}  {'min':>7}")
    for name, s in rows:
        if s is None:
            print(f"{name:<{width}}  {0:>5}  (no sample)")
            continue
        print(f"{name:<{width}}  {s['count']:>5}  {s['median']:>7.1f}  {s['p90']:>7.1f}  {s['p99']:>7.1f}  "
              f"{s['max']:>7.1f}  {s['min']:>7.1f}")
    print()
    print(f"Peer, live delay receipt to API: {r['peer']}.")
    print("'receipt': the earlier of the client returning it and a 5 ms eth_blockNumber poller seeing its block.")
    print("'indexer commit': the wall-clock stamp the indexer writes into its checkpoint just before committing")
    print("the block (counted only while the checkpoint is still at that block; negative: indexed before the")
    print("receipt was available to the client).")
    print(f"Visible at the first GET: {r['visible_at_first_poll']} of "
          f"{r['count']}; {r['blocks']} blocks, {r['mean_logs_per_block']} registry logs per block on average.")


if __name__ == "__main__":
    run(main)
