"""The indexer's CPU per event without the node, the API or process start: W2's logs (bench_indexer.py's
workload, dumped once from anvil) decoded and written through the indexer's Writer into a fresh SQLite index,
in ranges of the size the scanner takes, timed in CPU seconds of this process (time.process_time, which a
loaded machine inflates far less than wall time). For comparing code changes of the write path quickly, side
by side: --base CHECKOUT runs the same replay with that checkout's code (in a child process), alternating.

    .venv/bin/python scripts/bench_writer.py --dump /tmp/w2.json           # once: seed W2 on anvil, save logs
    .venv/bin/python scripts/bench_writer.py --logs /tmp/w2.json --repeat 3 --base /work/wt/perfbase
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RANGE_LOGS = 5_000  # the scanner's TARGET_LOGS


def dump(path: Path) -> None:
    from bench_indexer import seed
    from benchlib import local_chain

    with local_chain() as chain:
        seed(chain.client, "w2", random.Random("datareg w2"))
        rpc = chain.rpc
        logs = rpc.call("eth_getLogs", [{"address": list(chain.deployment.contracts.values()),
                                          "fromBlock": hex(chain.deployment.deploy_block), "toBlock": "latest"}])
        numbers = sorted({int(entry["blockNumber"], 16) for entry in logs})
        headers = rpc.batch([("eth_getBlockByNumber", [hex(n), False]) for n in numbers])
        path.write_text(json.dumps({"deployment": {"chain_id": chain.deployment.chain_id,
                                                   "contracts": chain.deployment.contracts,
                                                   "deploy_block": chain.deployment.deploy_block},
                                    "logs": logs, "headers": headers}))
    print(f"{len(logs):,} logs in {len(numbers)} blocks written to {path}")


def replay(path: Path) -> dict[str, float]:
    """CPU seconds to decode the logs and to write them (handlers, inserts, commits), and the events."""
    from registry.chain.events import decode_log
    from registry.config import Deployment
    from registry.db.session import create_schema, make_engine
    from registry.indexer.scanner import _header
    from registry.indexer.writer import Writer

    data = json.loads(path.read_text())
    deployment = Deployment(**data["deployment"])
    headers = {h.number: h for h in map(_header, data["headers"])}
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/index.db")
        create_schema(engine)
        writer = Writer(engine, deployment, lambda cid: None, reorg_window=128)
        started = time.process_time()
        events = [e for e in map(decode_log, data["logs"]) if e is not None]
        decoded = time.process_time()
        position, first, head = 0, deployment.deploy_block, max(headers)
        while position < len(events):
            end = min(position + RANGE_LOGS, len(events))
            last = events[end - 1].block_number
            while end < len(events) and events[end].block_number == last:
                end += 1
            part = {n: h for n, h in headers.items() if first <= n <= last}
            writer.write(events[position:end], part, min(part), last, head)
            position, first = end, last + 1
        written = time.process_time()
        engine.dispose()
    return {"decode": decoded - started, "write": written - decoded, "events": len(events)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dump", type=Path, help="seed W2 on a new anvil and save its logs and headers here")
    parser.add_argument("--logs", type=Path, help="a --dump file to replay")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--base", type=Path, metavar="CHECKOUT", help="also replay with that checkout's code")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dump:
        dump(args.dump)
        return
    if args.child:  # the checkout to measure is first on the path (see below): no benchlib, no other registry
        print(json.dumps(replay(args.logs)))
        return
    from benchlib import load_average

    print(f"$ {' '.join(sys.argv)}")
    print(f"before: {load_average()}")
    print(f"{'code':<8}{'events':>8}{'decode CPU s':>14}{'write CPU s':>13}{'events per CPU s':>18}")
    for run in range(args.repeat):
        sides = [("ours", ROOT)] + ([("base", args.base.resolve())] if args.base else [])
        for name, code in (sides if run % 2 == 0 else sides[::-1]):
            # Each side in a child whose path starts with its checkout (`-c`: the working directory first).
            child = (f"import sys; sys.argv = ['bench_writer', '--child', '--logs', {str(args.logs)!r}]; "
                     f"import runpy; runpy.run_path({str(ROOT / 'scripts' / 'bench_writer.py')!r}, "
                     "run_name='__main__')")
            env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
            out = subprocess.run([sys.executable, "-c", child], cwd=code, env=env, capture_output=True, text=True,
                                 check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            total = r["decode"] + r["write"]
            print(f"{name:<8}{r['events']:>8,}{r['decode']:>14.2f}{r['write']:>13.2f}{r['events'] / total:>18,.0f}")
    print(f"after: {load_average()}")


if __name__ == "__main__":
    main()
