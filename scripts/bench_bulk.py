"""The bulk write path: registering 10,000 assets through the Python client, beside the one-by-one path,
in one run on one anvil. Reports assets per second, gas per asset (from receipts), and the CPU seconds each
path took in this process and in anvil (the wall clock is the machine's share; CPU time is the work), after
the load average.

  one by one    RegistryClient.register for each asset: estimate, sign, send, wait for the receipt
  batched       RegistryClient.register_batch, 100 assets per transaction, one transaction at a time
  bulk          RegistryClient.register_many: 100 per transaction, every batch encoded first (a compiled
                encoder), one gas estimate, local nonces, each transaction sent as soon as it is signed, then
                the receipts, fetched in JSON-RPC batches

Run: .venv/bin/python scripts/bench_bulk.py [--assets 10000] [--one-by-one 300]
"""
from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

from benchlib import cpu_seconds, load_average, local_chain, registration  # first: it puts the repository on sys.path
from eth_account import Account

from registry.chain.client import TxResult
from registry.chain.types import Registration
from registry.devchain import dev_key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--one-by-one", type=int, default=300, help="assets for the one-by-one baseline")
    args = parser.parse_args()
    with local_chain() as chain:
        client = chain.client
        rng = random.Random("datareg bulk")

        def registrations(account, n: int) -> list[Registration]:
            return [registration(account.address, rng) for _ in range(n)]

        print(load_average())
        print(f"{'path':<12}{'assets':>8}{'seconds':>10}{'assets/s':>11}{'gas/asset':>11}{'CPU s':>8}"
              f"{'anvil CPU s':>13}")

        def timed(path: str, assets: int, run: Callable[[], list[TxResult]]) -> list[TxResult]:
            started, cpu, node = time.perf_counter(), time.process_time(), cpu_seconds(chain.anvil.pid)
            results = run()
            seconds = time.perf_counter() - started
            print(f"{path:<12}{assets:>8}{seconds:>10.2f}{assets / seconds:>11,.0f}"
                  f"{sum(r.gas_used for r in results) / assets:>11,.0f}{time.process_time() - cpu:>8.2f}"
                  f"{cpu_seconds(chain.anvil.pid) - node:>13.2f}", flush=True)
            return results

        one = Account.from_key(dev_key(1))
        regs = registrations(one, args.one_by_one)
        timed("one by one", len(regs), lambda: [client.register(r, one) for r in regs])

        batched = Account.from_key(dev_key(2))
        many = registrations(batched, args.assets)
        timed("batched", len(many), lambda: [client.register_batch(many[i:i + 100], batched)
                                             for i in range(0, len(many), 100)])

        bulk = Account.from_key(dev_key(3))
        regs = registrations(bulk, args.assets)
        results = timed("bulk", len(regs), lambda: client.register_many(regs, bulk))
        assert sum(len(r.asset_ids) for r in results) == args.assets
        print(load_average())


if __name__ == "__main__":
    main()
