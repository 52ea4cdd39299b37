"""Time of `datareg audit ID --verify` for an asset with 10,000 events, against a local node (target ≤ 5 s).

Starts anvil, the registry, the indexer and the API as processes (benchlib.Stack, on registry.devchain's
LocalStack), seeds one asset with --events events: its registration (4 events), --grants grants from its usage
right (each a right of its own, which the audit also reads from the contract and from the API), and renewals of
those grants for the rest; transactions pre-signed and sent in JSON-RPC batches, mined hundreds to a block.
Then it waits for the index and times the audit as a user runs it (a `datareg` process, JSON output). Two
baselines are timed in the same run, because these machines are noisy:
- `cast logs` fetching the asset's renewals by their topics: the floor of reading logs with a standard tool;
- the old naive path: every event re-read by its transaction's receipt and its block's header (batches of
  100, as the audit did before), which checked neither completeness nor state.

Run: .venv/bin/python scripts/bench_audit.py [--events 10000] [--grants 1000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import Signer, Stack, dev_accounts, mine_in_blocks, registration  # first: puts the repository on sys.path
from eth_hash.auto import keccak

from registry.chain.client import RegistryClient
from registry.chain.evidence import Rpc, event_shapes
from registry.chain.operations import Grant, GrantTerms
from registry.cli.main import main as datareg
from registry.devchain import DevRpc, tool

RENEW = "0x" + keccak(b"renew(bytes32,uint256,uint64)").hex()[:8]


def seed(client: RegistryClient, owner, grantees: list[str], events: int, grants: int) -> str:
    """One asset with `events` events: its registration, `grants` grants, and renewals of them."""
    asset_id = client.register(registration(owner.address), owner).asset_ids[0]
    ends = client.w3.eth.get_block("latest")["timestamp"] + 365 * 86_400
    calls = []
    for i in range(grants):
        terms = GrantTerms(grantees[i % len(grantees)], valid_until=ends, purpose="交通规划研究", territory="3502")
        calls.append((client.contract.functions.grant(*Grant(asset_id, 2, terms).args())._encode_transaction_data(),
                      200_000))
    for i in range(events - 4 - grants):  # right i of the grants (numbered from 4), a second later each time
        calls.append((RENEW + asset_id[2:] + format(4 + i % grants, "064x") + format(ends + 1 + i, "064x"), 60_000))
    signer = Signer(DevRpc(client.chain.rpc_url), client.chain.chain_id)
    mine_in_blocks(signer.rpc, [signer.sign_call(owner, client.contract.address, data, gas) for data, gas in calls],
                   300)
    return asset_id


def _cpu() -> float:
    """CPU seconds used so far by this process and its finished children (the `datareg` and `cast` runs)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(label: str, repeat: int, run) -> float:
    """Wall time (median of `repeat` runs) and the CPU time of this side (not the node's or the API's): on these
    shared, loaded machines the CPU time says more about the work than the wall time."""
    samples, cpu = [], []
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), _cpu()
        run()
        samples.append(time.perf_counter() - started)
        cpu.append(_cpu() - cpu_started)
    median = statistics.median(samples)
    print(f"{label:<66}{median:>8.2f}{statistics.median(cpu):>8.2f}   (runs: {', '.join(f'{s:.2f}' for s in samples)})")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--grants", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, Stack(Path(tmp)) as stack:
        owner, *others = dev_accounts(1, 2, 3, 4, 5)
        grantees = [a.address for a in others]
        started = time.monotonic()
        asset_id = seed(stack.client, owner, grantees, args.events, min(args.grants, args.events - 4))
        head = stack.client.w3.eth.block_number
        http = stack.seeded(head)
        print(f"{args.events:,} events on one asset ({args.grants:,} grants, the rest renewals of them) written and "
              f"indexed in {time.monotonic() - started:.1f} s.\n")

        def audit() -> None:
            result = subprocess.run([sys.executable, "-m", "registry.cli.main", "--json", "audit", asset_id,
                                     "--verify"], env=stack.env, capture_output=True, text=True, timeout=600)
            if result.returncode != 0:
                raise SystemExit(f"audit exited {result.returncode}: {result.stdout[:400]} {result.stderr[:400]}")
            verification = json.loads(result.stdout)["verification"]
            assert verification["events_checked"] == args.events, verification["events_checked"]

        renewed = next(s.topic0 for s in event_shapes() if s.name == "RightRenewed")

        def cast_logs() -> None:
            subprocess.run([tool("cast"), "logs", "--rpc-url", stack.rpc_url, "--from-block", "0", "--to-block",
                            str(head), "--address", stack.deployment.registry, "--json", renewed, asset_id],
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
            rpc = Rpc(stack.rpc_url)
            receipts = [("eth_getTransactionReceipt", [h]) for h in sorted({e["tx_hash"] for e in events})]
            headers = [("eth_getBlockByNumber", [hex(n), False]) for n in sorted({e["block_number"] for e in events})]
            for calls in (receipts, headers):
                for start in range(0, len(calls), 100):  # batches of 100, as the audit sent them
                    rpc.batch(calls[start:start + 100])

        def audit_in_process() -> None:
            os.environ.update(stack.env)
            with contextlib.redirect_stdout(io.StringIO()):
                code = datareg(["--json", "audit", asset_id, "--verify"])
            if code not in (0, None):
                raise SystemExit(f"audit in process exited {code}")

        print(f"{'':<66}{'wall s':>8}{'CPU s':>8}")
        timed(f"datareg audit --verify ({args.events:,} events, complete + state)", args.repeat, audit)
        timed("  the same in a running Python (no interpreter start, no imports)", args.repeat, audit_in_process)
        timed("baseline: cast logs of the asset's renewals (one event, one topic)", args.repeat, cast_logs)
        timed("baseline: old path, receipt + header per event (no completeness)", args.repeat, naive)


if __name__ == "__main__":
    main()
