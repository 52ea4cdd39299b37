"""CPU and wall time of the `datareg` commands people run most, beside `cast` and `sha256sum` in the same run.

Starts anvil, the registry, the indexer and the API as processes (benchlib.Stack), registers one asset whose
content is a 1 MiB file, then runs each command --repeat times as a user runs it (a new `datareg` process
each time) and prints the median CPU time (user + system, from the child's rusage) and wall time:
- `datareg --help`, `datareg status`, `datareg show ID`, `datareg verify FILE` (target ≤ 0.25 s CPU each:
  the CLI imports a command's module only when it runs, issue 18);
- beside them `cast block-number` and `cast call ... isRightValid(ID, 1)` (comparable reads from the node),
  and `sha256sum FILE`;
- `datareg fingerprint` of a --size MiB file (default 200) beside `sha256sum` of it: throughput in MB/s
  (target ≥ 80% of sha256sum's; the whole-file SHA-256 and the CID's chunk digests are hashed on two cores).

Run: .venv/bin/python scripts/bench_cli.py [--repeat 7] [--size 200] [--out bench/cli.txt]
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import Report, Stack, code_version, command_line, dev_accounts, load_average, run

from registry.chain.types import Registration, RightHolder, RightKind
from registry.content import fingerprint_file
from registry.devchain import tool


def measured(argv: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """(CPU seconds of the child process, wall seconds) of one run of `argv`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode not in ok:
        raise SystemExit(f"{' '.join(argv)} exited {result.returncode}: {result.stderr.decode()[:400]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def medians(argv: list[str], env: dict[str, str], repeat: int, ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    runs = [measured(argv, env, ok) for _ in range(repeat)]
    return statistics.median(c for c, _ in runs), statistics.median(w for _, w in runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--size", type=int, default=200, help="MiB of the file fingerprinted")
    parser.add_argument("--out", default="-", help="also write the report to this file")
    args = parser.parse_args()
    report = Report(args.out)
    report(command_line())
    report(f"{code_version()}; {load_average()}")

    datareg = [sys.executable, "-m", "registry.cli.main"]
    cast = tool("cast")
    with tempfile.TemporaryDirectory() as tmp, Stack(Path(tmp)) as stack:
        small, big = Path(tmp) / "data.bin", Path(tmp) / "big.bin"
        small.write_bytes(os.urandom(1 << 20))
        with open(big, "wb") as f:
            for _ in range(args.size):
                f.write(os.urandom(1 << 20))
        (owner,) = dev_accounts(1)
        fp = fingerprint_file(small)
        registered = Registration(fp.sha256, fp.cid_digest, os.urandom(32),
                                  holders=(RightHolder(owner.address, frozenset(RightKind)),))
        result = stack.client.register(registered, owner)
        asset_id = result.asset_ids[0]
        stack.seeded(result.block_number)
        env = stack.env

        report(f"\n{f'median of {args.repeat} runs, each a new process':<68}{'CPU s':>8}{'wall s':>8}")
        rows = [
            ("datareg --help", [*datareg, "--help"], (0,)),
            ("datareg status", [*datareg, "status"], (0,)),
            ("datareg show ID", [*datareg, "show", asset_id], (0,)),
            ("datareg verify FILE (1 MiB, registered)", [*datareg, "verify", str(small)], (0,)),
            ("cast block-number", [cast, "block-number", "--rpc-url", stack.rpc_url], (0,)),
            ("cast call isRightValid(ID, 1)", [cast, "call", "--rpc-url", stack.rpc_url, stack.deployment.registry,
                                               "isRightValid(bytes32,uint256)(bool)", asset_id, "1"], (0,)),
            ("sha256sum FILE (1 MiB)", ["sha256sum", str(small)], (0,)),
        ]
        for label, argv, ok in rows:
            cpu, wall = medians(argv, env, args.repeat, ok)
            target = "  (target <= 0.25 s CPU)" if label.startswith("datareg") else ""
            report(f"{label:<68}{cpu:>8.3f}{wall:>8.3f}{target}")

        heading = f"fingerprint of a {args.size} MiB file (page cache warm), median of {args.repeat}"
        report(f"\n{heading:<68}{'CPU s':>8}{'wall s':>8}{'MB/s':>8}")
        size_mb = args.size * (1 << 20) / 1e6
        subprocess.run(["cat", str(big)], stdout=subprocess.DEVNULL, check=True)  # into the page cache
        throughput = {}
        for label, argv in (("sha256sum", ["sha256sum", str(big)]),
                            ("datareg fingerprint", [*datareg, "fingerprint", str(big)])):
            cpu, wall = medians(argv, env, args.repeat)
            throughput[label] = size_mb / wall
            report(f"{label:<68}{cpu:>8.2f}{wall:>8.2f}{throughput[label]:>8.0f}")
        ratio = throughput["datareg fingerprint"] / throughput["sha256sum"]
        report(f"datareg fingerprint at {ratio:.0%} of sha256sum's throughput (target >= 80%)")
    report.close()
    return 0


if __name__ == "__main__":
    run(main)
