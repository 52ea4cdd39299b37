"""Relayer under load: N concurrent relayed registrations from N different signers (default 200), through the
API over real HTTP, against anvil; every one must be mined and no answer may be a 5xx.

Each signer is a fresh key with no gas: it signs its registration as EIP-712 typed data (`Register`), and all
N requests are sent to POST /v1/relay/register at once, one connection each. An answer 202 (not mined within
the API's wait) is followed at GET /v1/relay/{id} until it is mined. Prints the throughput (relays mined per
second, from the first request to the last relay mined) and the latency percentiles of the answers.

Run:
  .venv/bin/python scripts/bench_relay.py              # 200 relays
  .venv/bin/python scripts/bench_relay.py --relays 50 --json
  .venv/bin/python scripts/bench_relay.py --relays 100 --instances 2 --database postgresql --out bench/relay-scaled.txt

It starts its own anvil, indexer and API as processes, as `make run` does (scripts/benchlib.Stack), the API
with the write rate limit off, and writes the report to bench/relay.txt (--out - for none). With --instances 2,
two API processes share one index (give --database postgresql: a fresh database on the local server, dropped
afterwards; they then share the relayer's nonces through a PostgreSQL advisory lock): the requests go to them in
turn, and a relay answered 202 is followed on the other instance. Exit status 1 if any relay was not mined or any
answer was a 5xx, 2 on an error.
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import benchlib  # noqa: I001 - first: puts the repository on sys.path
import httpx
from eth_account import Account

from registry.chain.operations import Register

ALL_RIGHTS = 7


def start_api(stack: benchlib.Stack, number: int) -> str:
    """Another API process over the stack's chain and index; its URL once it answers."""
    api_port = benchlib.port()
    stack.processes.append(stack._spawn(["registry.cli.main", "api", "--port", str(api_port)], f"api-{number}.log"))
    url = f"http://127.0.0.1:{api_port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/v1/status", timeout=2).status_code == 200:
                return url
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"API {number} did not start: {benchlib.tail(stack.data_dir / f'api-{number}.log')}")


def run(relays: int, instances: int = 1, kind: str = "sqlite") -> dict:
    os.environ["DATAREG_WRITE_RATE_LIMIT"] = "off"  # the stack's processes inherit it: all come from one client
    with tempfile.TemporaryDirectory(prefix="bench-relay-") as tmp:
        database = benchlib.database(kind, "relay", Path(tmp))
        try:
            stack = benchlib.Stack(Path(tmp))
            stack.database_url = stack.extra_env["DATAREG_DATABASE_URL"] = database.url
            with stack:
                return measure(stack, relays, instances)
        finally:
            database.drop()


def measure(stack: benchlib.Stack, relays: int, instances: int) -> dict:
    try:
        urls = [stack.api_url] + [start_api(stack, number) for number in range(2, instances + 1)]
        client = benchlib.RegistryClient(benchlib.Chain(stack.rpc_url, stack.deployment))
        bodies = []
        for _ in range(relays):
            signer = Account.from_key(os.urandom(32))
            signed = client.sign(Register(benchlib.registration(signer.address)), signer)
            bodies.append({"signer": signed.signer, "deadline": signed.deadline,
                           "signature": "0x" + signed.signature.hex(), "operation": signed.operation.to_json()})
        start = threading.Barrier(relays)

        def send(numbered: tuple[int, dict]) -> tuple[int, float, dict, int]:
            number, body = numbered
            with httpx.Client(base_url=urls[number % len(urls)], timeout=120) as http:
                start.wait()
                began = time.perf_counter()
                answer = http.post("/v1/relay/register", json=body)
                return answer.status_code, time.perf_counter() - began, answer.json(), number

        began = time.perf_counter()
        with ThreadPoolExecutor(relays) as pool:
            answers = list(pool.map(send, enumerate(bodies)))
        # 202s: followed until mined (the relayer keeps going after the answer), on another instance if any.
        mined = {a[2]["tx_hash"] for a in answers if a[0] == 200}
        https = [httpx.Client(base_url=url, timeout=30) for url in urls]
        try:
            for status, _, body, number in answers:
                http = https[(number + 1) % len(urls)]
                deadline = time.monotonic() + 120
                while status == 202 and time.monotonic() < deadline:
                    relay = http.get(f"/v1/relay/{body['relay_id']}").json()
                    if relay["status"] != "pending":
                        if relay["status"] == "mined":
                            mined.add(relay["tx_hash"])
                        break
                    time.sleep(0.1)
        finally:
            for http in https:
                http.close()
        elapsed = time.perf_counter() - began
        stack.check_alive()
    except Exception:
        benchlib.print_tails(stack, "api")
        raise
    codes: dict[str, int] = {}
    for status, _, _, _ in answers:
        codes[str(status)] = codes.get(str(status), 0) + 1
    latency = benchlib.percentiles([a[1] * 1000 for a in answers])
    return {"relays": relays, "instances": instances, "mined": len(mined), "answers": codes,
            "server_errors": sum(1 for a in answers if a[0] >= 500), "seconds": round(elapsed, 2),
            "relays_per_second": round(len(mined) / elapsed, 1),
            "latency_ms": {k: round(latency[k]) for k in ("median", "p90", "p99", "max")}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--relays", type=int, default=200, help="concurrent relays, each from its own signer")
    parser.add_argument("--out", default=str(benchlib.ROOT / "bench" / "relay.txt"), help="report file (- for none)")
    parser.add_argument("--instances", type=int, default=1, help="API processes sharing the index (1 to 4)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not 1 <= args.relays <= 1000:
        parser.error("--relays must be from 1 to 1000")
    if not 1 <= args.instances <= 4:
        parser.error("--instances must be from 1 to 4")
    load = benchlib.load_average()
    result = run(args.relays, args.instances, args.database)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0 if result["mined"] == result["relays"] and result["server_errors"] == 0 else 1
    say = benchlib.Report(args.out)
    say(benchlib.command_line())
    say(f"{benchlib.code_version()}; {load} before the run")
    say()
    lat = result["latency_ms"]
    say(f"{result['relays']} concurrent relays from {result['relays']} signers: {result['mined']} mined, "
        f"answers {result['answers']}, {result['server_errors']} x 5xx")
    say(f"  {result['relays_per_second']} relays mined/s ({result['seconds']} s in all); answer latency "
        f"median {lat['median']} ms, p90 {lat['p90']} ms, p99 {lat['p99']} ms, max {lat['max']} ms")
    ok = result["mined"] == result["relays"] and result["server_errors"] == 0
    say()
    apis = "The API (one worker)" if args.instances == 1 else f"{args.instances} API instances (one worker each)"
    say(f"Target: all {result['relays']} mined, 0 x 5xx: {'MET' if ok else 'MISSED'}. {apis}, the indexer and "
        f"anvil run as processes, as `make run` starts them, on a {args.database} index.")
    say.close()
    return 0 if ok else 1


if __name__ == "__main__":
    benchlib.run(main)
