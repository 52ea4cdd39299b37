"""Time of `datareg audit ID --verify` for an asset with 10,000 events, against a local node (target ≤ 5 s).

Starts anvil, the registry, the indexer and the API as processes (registry.devchain.LocalStack), seeds one
asset with --events events: its registration (4 events), --grants grants from its usage right (each a right of
its own, which the audit also reads from the contract and from the API), and renewals of those grants for the
rest; transactions pre-signed and sent in JSON-RPC batches, mined hundreds to a block. Then it waits for the
index and times the audit as a user runs it (a `datareg` process, JSON output). Two baselines are timed in the
same run, because these machines are noisy:
- `cast logs` fetching the asset's renewals by their topics: the floor of reading logs with a standard tool;
- the old naive path: every event re-read by its transaction's receipt and its block's header (batches of
  100, as the audit did before), which checked neither completeness nor state.

Run: .venv/bin/python scripts/bench_audit.py [--events 10000] [--grants 1000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from eth_account import Account
from eth_hash.auto import keccak

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from registry.chain.client import Chain, RegistryClient  # noqa: E402
from registry.chain.evidence import Rpc, event_shapes  # noqa: E402
from registry.devchain import LocalStack, dev_key, tool  # noqa: E402
from registry.chain.operations import Grant, GrantTerms  # noqa: E402
from registry.chain.types import Registration, RightKind  # noqa: E402

RENEW = "0x" + keccak(b"renew(bytes32,uint256,uint64)").hex()[:8]


def seed(client: RegistryClient, owner, grantees: list[str], events: int, grants: int) -> str:
    """One asset with `events` events: its registration, `grants` grants, and renewals of them."""
    registration = Registration(os.urandom(32), os.urandom(32), os.urandom(32),
                                holders=Registration.merge_holders([(owner.address, k) for k in RightKind]))
    asset_id = client.register(registration, owner).asset_ids[0]
    w3, rpc = client.w3, client.w3.provider
    nonce = w3.eth.get_transaction_count(owner.address)
    ends = w3.eth.get_block("latest")["timestamp"] + 365 * 86_400
    fee = {"maxFeePerGas": 10**11, "maxPriorityFeePerGas": 10**9, "chainId": client.chain.chain_id, "type": 2,
           "value": 0, "to": client.contract.address}
    calls = []
    for i in range(grants):
        terms = GrantTerms(grantees[i % len(grantees)], valid_until=ends, purpose="交通规划研究", territory="3502")
        calls.append((client.contract.functions.grant(*Grant(asset_id, 2, terms).args())._encode_transaction_data(),
                      200_000))
    for i in range(events - 4 - grants):  # right i of the grants (numbered from 4), a second later each time
        calls.append((RENEW + asset_id[2:] + format(4 + i % grants, "064x") + format(ends + 1 + i, "064x"), 60_000))
    rpc.make_request("evm_setAutomine", [False])
    try:
        for start in range(0, len(calls), 300):
            batch = []
            for data, gas in calls[start:start + 300]:
                signed = owner.sign_transaction({**fee, "data": data, "gas": gas, "nonce": nonce})
                batch.append(("eth_sendRawTransaction", ["0x" + signed.raw_transaction.hex()]))
                nonce += 1
            errors = [r["error"] for r in rpc.make_batch_request(batch) if "error" in r]
            if errors:
                raise SystemExit(f"anvil refused transactions: {errors[:3]}")
            rpc.make_request("evm_mine", [])
    finally:
        rpc.make_request("evm_setAutomine", [True])
    return asset_id


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
    parser.add_argument("--grants", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, LocalStack(Path(tmp)) as stack:
        client = RegistryClient(Chain(stack.rpc_url, stack.deployment))
        owner = Account.from_key(dev_key(1))
        grantees = [Account.from_key(dev_key(i)).address for i in (2, 3, 4, 5)]
        started = time.monotonic()
        asset_id = seed(client, owner, grantees, args.events, min(args.grants, args.events - 4))
        head = client.w3.eth.block_number
        http = httpx.Client(base_url=stack.api_url, timeout=120)
        while (http.get("/v1/status").json()["indexed_block"] or 0) < head:
            time.sleep(0.1)
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
            rpc = Rpc(stack.rpc_url, batch_size=100)
            rpc.batch([("eth_getTransactionReceipt", [h]) for h in sorted({e["tx_hash"] for e in events})])
            rpc.batch([("eth_getBlockByNumber", [hex(n), False]) for n in sorted({e["block_number"] for e in events})])

        print(f"{'':<62}{'median':>8}")
        timed(f"datareg audit --verify ({args.events:,} events, complete + state)", args.repeat, audit)
        timed("baseline: cast logs of the asset's renewals (one event, one topic)", args.repeat, cast_logs)
        timed("baseline: old path, receipt + header per event (no completeness)", args.repeat, naive)


if __name__ == "__main__":
    main()
