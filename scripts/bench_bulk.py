"""The bulk write path: registering 10,000 assets through the Python client, beside the one-by-one path,
in one run on one anvil. Reports assets per second and gas per asset (from receipts).

  one by one    RegistryClient.register for each asset: estimate, sign, send, wait for the receipt
  batched       RegistryClient.register_batch, 100 assets per transaction, one transaction at a time
  bulk          RegistryClient.register_many: 100 per transaction, local nonces, one gas estimate, every
                transaction sent in JSON-RPC batches, then the receipts

Run: .venv/bin/python scripts/bench_bulk.py [--assets 10000] [--one-by-one 300]
"""
from __future__ import annotations

import argparse
import random
import time

from benchlib import local_chain, registration  # first: it puts the repository on sys.path
from eth_account import Account

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

        print(f"{'path':<12}{'assets':>8}{'seconds':>10}{'assets/s':>11}{'gas/asset':>11}")
        one = Account.from_key(dev_key(1))
        regs = registrations(one, args.one_by_one)
        started = time.perf_counter()
        gas = sum(client.register(r, one).gas_used for r in regs)
        report("one by one", len(regs), time.perf_counter() - started, gas)

        batched = Account.from_key(dev_key(2))
        regs = registrations(batched, args.assets)
        started = time.perf_counter()
        gas = sum(client.register_batch(regs[i:i + 100], batched).gas_used for i in range(0, len(regs), 100))
        report("batched", len(regs), time.perf_counter() - started, gas)

        bulk = Account.from_key(dev_key(3))
        regs = registrations(bulk, args.assets)
        started = time.perf_counter()
        results = client.register_many(regs, bulk)
        report("bulk", len(regs), time.perf_counter() - started, sum(r.gas_used for r in results))
        assert sum(len(r.asset_ids) for r in results) == args.assets


def report(path: str, assets: int, seconds: float, gas: int) -> None:
    print(f"{path:<12}{assets:>8}{seconds:>10.2f}{assets / seconds:>11,.0f}{gas / assets:>11,.0f}", flush=True)


if __name__ == "__main__":
    main()
