"""Relayer under load: N concurrent relayed registrations from N different signers (default 200), through the
API over real HTTP, against anvil; every one must be mined and no answer may be a 5xx.

Each signer is a fresh key with no gas: it signs its registration as EIP-712 typed data (`Register`), and all
N requests are sent to POST /v1/relay/register at once, one connection each. An answer 202 (not mined within
the API's wait) is followed at GET /v1/relay/{id} until it is mined. Prints the throughput (relays mined per
second, from the first request to the last relay mined) and the latency percentiles of the answers.

Run:
  .venv/bin/python scripts/bench_relay.py              # 200 relays
  .venv/bin/python scripts/bench_relay.py --relays 50 --json

It starts its own anvil on a free port, deploys the contracts (bytecode from out/), and runs the indexer and
the API (uvicorn, in this process) with the write rate limit off. Exit status 1 if any relay was not mined or
any answer was a 5xx, 2 on an error.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from eth_account import Account

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from registry.chain.operations import Register  # noqa: E402
from registry.devchain import free_port, start_anvil, stop  # noqa: E402
from tests.conftest import random_registration, running_stack  # noqa: E402

ALL_RIGHTS = 7


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run(relays: int) -> dict:
    os.environ["DATAREG_WRITE_RATE_LIMIT"] = "off"
    port = free_port()
    anvil = start_anvil(port)
    try:
        with tempfile.TemporaryDirectory() as data, running_stack(f"http://127.0.0.1:{port}", Path(data)) as s:
            bodies = []
            for _ in range(relays):
                signer = Account.from_key(os.urandom(32))
                signed = s.client.sign(Register(random_registration([(signer.address, ALL_RIGHTS)])), signer)
                bodies.append({"signer": signed.signer, "deadline": signed.deadline,
                               "signature": "0x" + signed.signature.hex(), "operation": signed.operation.to_json()})
            start = threading.Barrier(relays)

            def send(body: dict) -> tuple[int, float, dict]:
                with httpx.Client(base_url=s.api_url, timeout=120) as http:
                    start.wait()
                    began = time.perf_counter()
                    answer = http.post("/v1/relay/register", json=body)
                    return answer.status_code, time.perf_counter() - began, answer.json()

            began = time.perf_counter()
            with ThreadPoolExecutor(relays) as pool:
                answers = list(pool.map(send, bodies))
            # 202s: followed until mined (the relayer keeps going after the answer).
            mined = {a[2]["tx_hash"] for a in answers if a[0] == 200}
            for status, _, body in answers:
                if status == 202:
                    deadline = time.monotonic() + 120
                    while (relay := s.http.get(f"/v1/relay/{body['relay_id']}").json())["status"] == "pending":
                        if time.monotonic() > deadline:
                            break
                        time.sleep(0.1)
                    if relay["status"] == "mined":
                        mined.add(relay["tx_hash"])
            elapsed = time.perf_counter() - began
            latencies = [a[1] for a in answers]
            codes: dict[str, int] = {}
            for status, _, _ in answers:
                codes[str(status)] = codes.get(str(status), 0) + 1
            return {
                "relays": relays,
                "mined": len(mined),
                "answers": codes,
                "server_errors": sum(1 for a in answers if a[0] >= 500),
                "seconds": round(elapsed, 2),
                "relays_per_second": round(len(mined) / elapsed, 1),
                "latency_ms": {name: round(percentile(latencies, q) * 1000) for name, q in
                               (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0))},
                "latency_mean_ms": round(statistics.mean(latencies) * 1000),
            }
    finally:
        stop(anvil)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--relays", type=int, default=200, help="concurrent relays, each from its own signer")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    try:
        result = run(args.relays)
    except Exception as exc:  # noqa: BLE001
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        lat = result["latency_ms"]
        print(f"{result['relays']} concurrent relays from {result['relays']} signers: {result['mined']} mined, "
              f"answers {result['answers']}, {result['server_errors']} x 5xx")
        print(f"  {result['relays_per_second']} relays mined/s ({result['seconds']} s in all); answer latency "
              f"p50 {lat['p50']} ms, p90 {lat['p90']} ms, p99 {lat['p99']} ms, max {lat['max']} ms")
    return 0 if result["mined"] == result["relays"] and result["server_errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
