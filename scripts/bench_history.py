"""Time of `GET /v1/assets/{asset_id}/history` for an asset with 10,000 events, through the real stack.

Starts anvil, the registry, the indexer and the API as processes (registry.devchain.LocalStack) in a temp
directory, registers one asset and grants rights from it until the asset has --events events (transactions
pre-signed and sent in JSON-RPC batches, mined 300 to a block), waits for the index, then times history
requests over HTTP: pages at the start, middle and end, filtered by party and by kind, and the whole history
as CSV. A trivial request (GET /v1/status) is timed in the same run as the baseline of what the API costs
with no work, because these machines are noisy. Percentiles are nearest-rank.

Run: .venv/bin/python scripts/bench_history.py [--events 10000] [--repeat 30]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import httpx
from benchlib import (  # first: it puts the repository on sys.path
    Signer,
    Stack,
    dev_accounts,
    mine_in_blocks,
    percentiles,
    registration,
)

from registry.chain.client import RegistryClient
from registry.chain.operations import Grant, GrantTerms
from registry.devchain import DevRpc

PER_BLOCK = 300  # ~21M gas: within anvil's 30M block gas limit


def make_events(client: RegistryClient, owner, grantees: list[str], count: int) -> str:
    """One asset with `count` events: its registration (4 events) and grants from its usage right."""
    asset_id = client.register(registration(owner.address), owner).asset_ids[0]
    signer = Signer(DevRpc(client.chain.rpc_url), client.chain.chain_id)
    raws = []
    for i in range(count - 4):
        terms = GrantTerms(grantees[i % len(grantees)], purpose="交通规划研究", territory="3502", quantity=i)
        raws.append(signer.sign(owner, client.contract.functions.grant(*Grant(asset_id, 2, terms).args()), 150_000))
    mine_in_blocks(signer.rpc, raws, PER_BLOCK)
    return asset_id


def timed(http: httpx.Client, path: str, repeat: int, **params) -> tuple[list[float], httpx.Response]:
    samples, response = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        response = http.get(path, params=params)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} {params} answered {response.status_code}: {response.text[:200]}")
    return samples, response


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, Stack(Path(tmp)) as stack:
        owner, *others = dev_accounts(1, 2, 3, 4, 5)
        grantees = [a.address for a in others]
        started = time.monotonic()
        asset_id = make_events(stack.client, owner, grantees, args.events)
        http = stack.seeded()
        print(f"{args.events:,} events on one asset written and indexed in {time.monotonic() - started:.1f} s "
              f"(SQLite index, API and indexer as separate processes).\n")

        path = f"/v1/assets/{asset_id}/history"
        total = http.get(path, params={"limit": 1}).json()["count"]
        assert total == args.events, f"the index has {total} events, expected {args.events}"
        cases = [
            ("baseline: GET /v1/status", "/v1/status", {}),
            ("history, first page (100)", path, {"limit": 100}),
            ("history, middle page (100)", path, {"limit": 100, "offset": total // 2}),
            ("history, last page (100)", path, {"limit": 100, "offset": total - 100}),
            ("history, page of 1000", path, {"limit": 1000, "offset": total // 2}),
            ("history, one party's events", path, {"party": grantees[0], "limit": 100}),
            ("history, kind=usage", path, {"kind": "usage", "limit": 100, "offset": 5000}),
            ("history, whole, as CSV", path, {"format": "csv"}),
        ]
        print(f"{'request':<34}{'n':>5}{'median ms':>12}{'p90 ms':>10}{'p99 ms':>10}{'max ms':>10}{'bytes':>12}")
        for label, url, params in cases:
            repeat = max(3, args.repeat // 5) if params.get("format") == "csv" else args.repeat
            samples, response = timed(http, url, repeat, **params)
            p = percentiles(samples)
            print(f"{label:<34}{p['count']:>5}{p['median']:>12.1f}{p['p90']:>10.1f}{p['p99']:>10.1f}{p['max']:>10.1f}"
                  f"{len(response.content):>12,}")


if __name__ == "__main__":
    main()
