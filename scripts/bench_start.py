"""The indexer process's start: from launching `python -m registry.indexer` (what `make run` and
scripts/bench_indexer.py start) to its first log line ("indexing ... into ..."), which it writes once its
imports are done, the schema is found current and it holds the writer lock, before its first JSON-RPC call.
No chain is needed: the line comes before the node is asked anything (a port nothing listens on is given).

Each launch gets a fresh SQLite index, migrated before the clock starts (as scripts/bench_indexer.py does), and
each checkout's bytecode is compiled first (benchlib.compile_bytecode), as an installed package has it.
Per launch: wall seconds to the first line, and the CPU seconds the process had used by then (user + system,
from /proc; 10 ms resolution), which a loaded machine inflates far less than the wall time. With --base
CHECKOUT the indexer of another checkout (say `git worktree add /tmp/base main`) is launched too, alternating
launch by launch: on a shared, loaded machine only a comparison within one run means anything.

    .venv/bin/python scripts/bench_start.py [--launches N] [--base CHECKOUT] [--out FILE]
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

from benchlib import (
    ROOT,
    Report,
    code_version,
    command_line,
    compile_bytecode,
    cpu_seconds,
    load_average,
    port,
    service_env,
)


def launch(code: Path, directory: Path, n: int) -> tuple[float, float]:
    """Wall and CPU seconds from launching the indexer of checkout `code` to its first log line."""
    database_url = f"sqlite:///{directory / f'{code.name}-{n}.db'}"
    env = {**service_env(directory, f"http://127.0.0.1:{port()}", database_url, DATAREG_WS_URL="off"),
           "PYTHONPATH": str(code)}
    subprocess.run([sys.executable, "-c", "import sys; from registry.db.session import create_schema, make_engine; "
                    "create_schema(make_engine(sys.argv[1]))", database_url], cwd=code, env=env, check=True)
    started = time.perf_counter()
    # `python -m` puts the working directory first on the path: each checkout runs its own code.
    process = subprocess.Popen([sys.executable, "-m", "registry.indexer"], cwd=code, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        line = process.stderr.readline().decode() if process.stderr else ""
        wall, cpu = time.perf_counter() - started, cpu_seconds(process.pid)
    finally:
        process.terminate()
        process.wait()
    if "datareg.indexer indexing" not in line:
        raise SystemExit(f"the indexer of {code} did not start as expected; its first line: {line!r}")
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--launches", type=int, default=7, help="launches of each checkout")
    parser.add_argument("--base", type=Path, metavar="CHECKOUT", help="also launch another checkout's indexer")
    parser.add_argument("--out", type=Path, help="also write everything printed to this file")
    args = parser.parse_args()
    say = Report(args.out)
    say(command_line())
    codes = {"ours": ROOT}
    say(f"ours: {code_version('registry', code=ROOT)}")
    if args.base:
        codes["base"] = args.base.resolve()
        say(f"base: {args.base} ({code_version('registry', code=codes['base'])})")
    for code in codes.values():
        compile_bytecode(code)
    say("bytecode of registry/ and api/ compiled in each checkout first (benchlib.compile_bytecode)")
    say(f"before: {load_average()}")
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in codes}
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "deployment.json").write_text(json.dumps({
            "chain_id": 31337, "deploy_block": 0,
            "contracts": {name: f"0x{i:040x}" for i, name in enumerate(
                ("DataRegistry", "ParticipantRegistry", "ListingRegistry"), start=1)}}))
        for n in range(args.launches):
            order = list(codes) if n % 2 == 0 else list(codes)[::-1]  # base first on odd launches
            for name in order:
                results[name].append(launch(codes[name], directory, n))
    say(f"after: {load_average()}")
    say(f"{'indexer':<8}{'launches':>9}{'wall median':>13}{'wall min':>10}{'CPU median':>12}{'CPU min':>9}")
    for name, runs in results.items():
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        say(f"{name:<8}{len(runs):>9}{statistics.median(walls):>12.3f}s{min(walls):>9.3f}s"
            f"{statistics.median(cpus):>11.3f}s{min(cpus):>8.3f}s")
    say.close()


if __name__ == "__main__":
    main()
