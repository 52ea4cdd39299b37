"""Time of `datareg audit ID --verify` for an asset with 10,000 events, against a local node (target ≤ 5 s).

Starts anvil, the registry, the indexer and the API as processes (registry.devchain.LocalStack), seeds one
asset with --events events the way scripts/bench_history.py does (its registration, then grants from its
usage right, pre-signed and mined 300 to a block: every grant is a right of its own, so the audit also reads
10,000 rights from the contract), waits for the index, then times the audit as a user runs it (a `datareg`
process, JSON output). Two baselines are timed in the same run, because these machines are noisy:
- `cast logs` fetching the asset's logs by its topic: the floor of reading the logs with a standard tool;
- the old naive path: every event re-read by its transaction's receipt and its block's header (batches of
  100, as the audit did before), which checked neither completeness nor state.

Run: .venv/bin/python scripts/bench_audit.py [--events 10000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from eth_account import Account

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from registry.chain.client import Chain, RegistryClient  # noqa: E402
from registry.chain.evidence import Rpc, event_shapes  # noqa: E402
from registry.devchain import LocalStack, dev_key, tool  # noqa: E402
from scripts.bench_history import make_events  # noqa: E402


def timed(label: str, repeat: int, run) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    median = statistics.median(samples)
    print(f"{label:<62}{median:>8.2f} s   (runs: {', '.join(f'{s:.2f}' for s in samples)})")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, LocalStack(Path(tmp)) as stack:
        client = RegistryClient(Chain(stack.rpc_url, stack.deployment))
        owner = Account.from_key(dev_key(1))
        grantees = [Account.from_key(dev_key(i)).address for i in (2, 3, 4, 5)]
        started = time.monotonic()
        asset_id = make_events(client, owner, grantees, args.events)
        head = client.w3.eth.block_number
        http = httpx.Client(base_url=stack.api_url, timeout=120)
        while (http.get("/v1/status").json()["indexed_block"] or 0) < head:
            time.sleep(0.1)
        print(f"{args.events:,} events on one asset written and indexed in {time.monotonic() - started:.1f} s.\n")

        def audit() -> None:
            result = subprocess.run([sys.executable, "-m", "registry.cli.main", "--json", "audit", asset_id,
                                     "--verify"], env=stack.env, capture_output=True, text=True, timeout=600)
            if result.returncode != 0:
                raise SystemExit(f"audit exited {result.returncode}: {result.stdout[:400]} {result.stderr[:400]}")
            verification = json.loads(result.stdout)["verification"]
            assert verification["events_checked"] == args.events, verification["events_checked"]

        granted = next(s.topic0 for s in event_shapes() if s.name == "RightGranted")

        def cast_logs() -> None:
            subprocess.run([tool("cast"), "logs", "--rpc-url", stack.rpc_url, "--from-block", "0", "--to-block",
                            str(head), "--address", stack.deployment.registry, "--json", granted, asset_id],
                           capture_output=True, check=True, timeout=600)

        history = http.get(f"/v1/assets/{asset_id}/history", params={"limit": 1000}).json()
        events = []
        while True:
            events += history["data"]
            if not history["next"]:
                break
            history = http.get(f"/v1/assets/{asset_id}/history", params={"limit": 1000,
                                                                         "after": history["next"]}).json()

        def naive() -> None:
            rpc = Rpc(stack.rpc_url, batch_size=100)
            rpc.batch([("eth_getTransactionReceipt", [h]) for h in sorted({e["tx_hash"] for e in events})])
            rpc.batch([("eth_getBlockByNumber", [hex(n), False]) for n in sorted({e["block_number"] for e in events})])

        print(f"{'':<62}{'median':>8}")
        timed(f"datareg audit --verify ({args.events:,} events, complete + state)", args.repeat, audit)
        timed("baseline: cast logs of the asset's grants (one event, one topic)", args.repeat, cast_logs)
        timed("baseline: old path, receipt + header per event (no completeness)", args.repeat, naive)


if __name__ == "__main__":
    main()
