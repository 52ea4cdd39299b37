"""What every scripts/bench_*.py shares, written once: the repository on sys.path, ports, the local chain and
the indexer and API processes started over it, transactions signed here and mined in bulk, databases made
and dropped, nearest-rank percentiles, the report header (command, code version, machine and its load) and
the report file. Importing it first puts the repository on sys.path, so a script can then import registry."""
from __future__ import annotations

import contextlib
import functools
import math
import os
import random
import secrets
import shlex
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from eth_account import Account  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from web3 import Web3  # noqa: E402

from registry.chain.client import Chain, RegistryClient  # noqa: E402
from registry.chain.deploy import deploy  # noqa: E402
from registry.chain.types import Registration, RightHolder, RightKind  # noqa: E402
from registry.config import Deployment  # noqa: E402
from registry.devchain import DEPLOYER_ACCOUNT, DevRpc, LocalStack, dev_key, free_port, start_anvil, stop  # noqa: E402

POSTGRES = os.environ.get("DATAREG_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
RESERVED_PORTS = {8545, 8000}  # the running dev stack's anvil and API
LOG_TIME = "%Y-%m-%d %H:%M:%S,%f"  # logging's asctime (the indexer's log lines), local time, ms


# ───────────────────────────── running a benchmark ─────────────────────────────

def port(taken: set[int] | None = None) -> int:
    """A free port that is not the dev stack's nor one already in `taken` (which it joins)."""
    taken = taken if taken is not None else set()
    for _ in range(20):
        candidate = free_port()
        if candidate not in RESERVED_PORTS | taken:
            taken.add(candidate)
            return candidate
    raise SystemExit("no free port")


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def run(main: Callable[[], int | None], stopped: str = "every process this script started has been stopped") -> None:
    """Runs `main` and exits with its status. SIGTERM and SIGINT (even when started in the background, where
    SIGINT is ignored) unwind through the scripts' `finally` blocks, which stop what they started."""
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        sys.exit(main() or 0)
    except KeyboardInterrupt:
        print(f"Interrupted; {stopped}.", file=sys.stderr)
        sys.exit(130)


# ───────────────────────────── the chain and the processes over it ─────────────────────────────

@dataclass
class LocalChain:
    anvil: subprocess.Popen
    rpc_url: str
    deployment: Deployment
    client: RegistryClient
    rpc: DevRpc


@contextlib.contextmanager
def anvil_node(log: Path | None = None, block_time: float | None = None,
               steps_tracing: bool = False) -> Iterator[tuple[str, subprocess.Popen]]:
    """anvil on a free port: (its RPC URL, its process); stopped on exit."""
    anvil_port = port()
    anvil = start_anvil(anvil_port, block_time=block_time, log_path=log, steps_tracing=steps_tracing)
    try:
        yield f"http://127.0.0.1:{anvil_port}", anvil
    finally:
        stop(anvil)


@contextlib.contextmanager
def local_chain(log: Path | None = None, block_time: float | None = None,
                timeout: float = 30.0, steps_tracing: bool = False) -> Iterator[LocalChain]:
    """anvil on a free port with the registry deployed; stopped on exit."""
    with anvil_node(log, block_time, steps_tracing) as (rpc_url, anvil):
        deployment = deploy(rpc_url, dev_key(DEPLOYER_ACCOUNT))
        yield LocalChain(anvil, rpc_url, deployment, RegistryClient(Chain(rpc_url, deployment, timeout=timeout)),
                         DevRpc(rpc_url))


def service_env(data_dir: Path, rpc_url: str, database_url: str, **settings: str) -> dict[str, str]:
    """The environment of an indexer or API process: only our settings, since an inherited DATAREG_* variable
    would point it at someone else's stack."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATAREG_")}
    env.update(DATAREG_DATA_DIR=str(data_dir), DATAREG_RPC_URL=rpc_url, DATAREG_DATABASE_URL=database_url,
               DATAREG_DEPLOYMENT=str(data_dir / "deployment.json"), PYTHONUNBUFFERED="1", **settings)
    return env


def spawn(args: list[str], env: dict[str, str], log: Path | None, code: Path = ROOT) -> subprocess.Popen:
    """`python -m registry.cli.main ARGS` (as `make run` starts the indexer and the API), in its own session
    so that stopping it stops only what this script started; output appended to `log`. `code`: the checkout
    whose code runs (`python -m` puts the working directory first on the path, before PYTHONPATH)."""
    # The child keeps its own descriptor of the log, open as long as it runs.
    output: int | IO[bytes] = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
    return subprocess.Popen([sys.executable, "-m", "registry.cli.main", *args], cwd=code, env=env,
                            start_new_session=True, stdout=output, stderr=subprocess.STDOUT)


def wait_for_api(url: str, process: subprocess.Popen, log: Path | None = None, path: str = "/v1/status",
                 timeout: float = 60.0) -> None:
    """Until GET `path` answers 200; the log's end if the process dies or the time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url + path, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    stop(process)
    raise SystemExit(f"The API did not start on {url}; its log:\n{tail(log) if log else '(none)'}")


def tail(log: Path, lines: int = 25) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else "(no log)"


def print_tails(processes, *names: str) -> None:
    """After a failure: the end of each named process's log (`processes.tail(name)`), on stderr."""
    for name in names:
        print(f"--- {name} log (tail) ---\n{processes.tail(name)}", file=sys.stderr)


class Stack(LocalStack):
    """registry.devchain's LocalStack (anvil, indexer and API as processes, as `make run` starts them) with a
    SQLite index of its own and what a benchmark checks while it runs."""

    NAMES = ("anvil", "indexer", "api")

    def __init__(self, data_dir: Path, block_time: float | None = None) -> None:
        self.database_url = f"sqlite:///{data_dir / 'index.db'}"
        super().__init__(data_dir, anvil_port=port(), api_port=port(), block_time=block_time,
                         extra_env={"DATAREG_DATABASE_URL": self.database_url, "PYTHONUNBUFFERED": "1"})

    @functools.cached_property
    def client(self) -> RegistryClient:
        return RegistryClient(Chain(self.rpc_url, self.deployment))

    def seeded(self, head: int | None = None, timeout: float = 1800.0) -> httpx.Client:
        """After seeding: an HTTP client of the API once the index has reached `head` (default: the chain's)."""
        http = httpx.Client(base_url=self.api_url, timeout=120)
        self.wait_until_indexed(http, self.client.w3.eth.block_number if head is None else head, timeout)
        return http

    def check_alive(self) -> None:
        for name, process in zip(self.NAMES, self.processes):
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with code {process.returncode}:\n{self.tail(name)}")

    def tail(self, name: str) -> str:
        return tail(self.data_dir / f"{name}.log")

    def wait_until_indexed(self, http: httpx.Client, head: int, timeout: float = 120.0) -> None:
        """The API answers and the index has reached block `head`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                if (http.get("/v1/status").json().get("indexed_block") or -1) >= head:
                    return
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.05)
        raise RuntimeError(f"the index did not reach block {head} within {timeout:.0f} s")


# ───────────────────────────── seeding: transactions signed here, mined in bulk ─────────────────────────────

def registration(holder: str, rng: random.Random | None = None) -> Registration:
    """Random content (from `rng` when given, for a repeatable workload), the holder holding all three rights."""
    draw = rng.randbytes if rng else secrets.token_bytes
    return Registration(draw(32), draw(32), draw(32), holders=(RightHolder(holder, frozenset(RightKind)),))


def dev_accounts(*indices: int) -> list:
    """The funded development accounts of these indices (registry.devchain.dev_key)."""
    return [Account.from_key(dev_key(i)) for i in indices]


def fresh_address() -> str:
    return Web3.to_checksum_address("0x" + secrets.token_hex(20))


FEES = {"type": 2, "value": 0, "maxFeePerGas": 10**11, "maxPriorityFeePerGas": 10**9}


class Signer:
    """Transactions signed here with locally counted nonces, as raw 0x hex: no gas estimate and no wait, so a
    workload of thousands is sent in JSON-RPC batches."""

    def __init__(self, rpc: DevRpc, chain_id: int) -> None:
        self.rpc, self.chain_id = rpc, chain_id
        self.nonces: dict[str, int] = {}

    def load(self, *accounts) -> None:
        """Reads the accounts' nonces from the chain (before a snapshot of `nonces` is taken)."""
        for account in accounts:
            if account.address not in self.nonces:
                self.nonces[account.address] = int(self.rpc.call("eth_getTransactionCount",
                                                                 [account.address, "latest"]), 16)

    def sign(self, account, fn, gas: int) -> str:
        """`fn`: a web3 contract function with its arguments."""
        return self.sign_call(account, fn.address, fn._encode_transaction_data(), gas)

    def sign_call(self, account, to: str, data: str, gas: int) -> str:
        """A call with its call data already encoded (0x hex)."""
        self.load(account)
        tx = {"to": to, "data": data, "gas": gas, "chainId": self.chain_id, "nonce": self.nonces[account.address],
              **FEES}
        self.nonces[account.address] += 1
        return "0x" + bytes(account.sign_transaction(tx).raw_transaction).hex()


def mine_each(rpc: DevRpc, raws: list[str]) -> None:
    """Each transaction in a block of its own, with automine off: send, then `evm_mine`. (With automine on,
    transactions sent in JSON-RPC batches share blocks, and when sending outpaces mining, anvil 1.7.1 leaves
    a backlog pending that it mines only as further transactions arrive.)"""
    for raw in raws:
        rpc.call("eth_sendRawTransaction", [raw])
        rpc.call("evm_mine", [])


def mine_in_blocks(rpc: DevRpc, raws: list[str], per_block: int) -> None:
    """`per_block` transactions a block, sent in one JSON-RPC batch each, automine off meanwhile."""
    rpc.call("evm_setAutomine", [False])
    try:
        for start in range(0, len(raws), per_block):
            rpc.batch([("eth_sendRawTransaction", [raw]) for raw in raws[start:start + per_block]])
            rpc.call("evm_mine", [])
    finally:
        rpc.call("evm_setAutomine", [True])


def receipts_ok(rpc: DevRpc, raws: list[str], timeout: float = 60.0) -> list[dict]:
    """The receipts of these transactions, in order; fails if any is missing or reverted."""
    hashes = ["0x" + Web3.keccak(hexstr=raw).hex().removeprefix("0x") for raw in raws]
    deadline = time.monotonic() + timeout
    receipts: list[dict | None] = [None] * len(hashes)
    while True:
        missing = [i for i, r in enumerate(receipts) if r is None]
        for start in range(0, len(missing), 200):
            chunk = missing[start:start + 200]
            for i, r in zip(chunk, rpc.batch([("eth_getTransactionReceipt", [hashes[i]]) for i in chunk])):
                receipts[i] = r
        if all(receipts):
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"{sum(r is None for r in receipts)} transactions have no receipt")
        time.sleep(0.05)
    failed = [r["transactionHash"] for r in receipts if r and int(r["status"], 16) != 1]
    if failed:
        raise RuntimeError(f"{len(failed)} transactions reverted, e.g. {failed[0]}")
    return receipts  # type: ignore[return-value]


# ───────────────────────────── databases ─────────────────────────────

@dataclass
class Database:
    url: str  # SQLAlchemy URL
    name: str  # the PostgreSQL database's name, or the SQLite file's stem
    drop: Callable[[], None]

    @property
    def conninfo(self) -> str:
        """The libpq form of the URL, for psycopg."""
        return self.url.replace("postgresql+psycopg://", "postgresql://", 1)


def postgres_url(name: str) -> str:
    return POSTGRES.rsplit("/", 1)[0] + "/" + name


def database(kind: str, name: str, directory: Path | None = None) -> Database:
    """A fresh, empty database: a SQLite file NAME.db in `directory`, or a PostgreSQL database
    bench_NAME_<random> made with CREATE DATABASE; `drop()` removes the latter."""
    if kind == "sqlite":
        assert directory is not None, "a SQLite database needs a directory"
        return Database(f"sqlite:///{directory / (name + '.db')}", name, lambda: None)
    db = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    with create_engine(POSTGRES, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db}"'))
    return Database(postgres_url(db), db, lambda: drop_database(db))


def drop_database(name: str) -> None:
    engine = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


# ───────────────────────────── measuring ─────────────────────────────

def percentiles(values: list[float]) -> dict | None:
    """count, median, p90, p99, max and min, nearest-rank; None without values."""
    if not values:
        return None
    v = sorted(values)

    def rank(p: float) -> float:
        return v[max(0, math.ceil(p * len(v)) - 1)]

    return {"count": len(v), "median": rank(0.5), "p90": rank(0.9), "p99": rank(0.99), "max": v[-1], "min": v[0]}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a live process has used so far (all its threads), from /proc; 10 ms resolution."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def log_lines(path: Path, offset: int = 0) -> list[tuple[float, str]]:
    """(unix time, message) of the indexer's log lines written after byte `offset`."""
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read().decode(errors="replace")
    out = []
    for line in data.splitlines():
        try:
            out.append((datetime.strptime(line[:23], LOG_TIME).timestamp(), line[24:]))
        except ValueError:
            continue
    return out


# ───────────────────────────── the report ─────────────────────────────

def command_line() -> str:
    return "$ " + shlex.join(sys.orig_argv)


def code_version(*paths: str, code: Path = ROOT) -> str:
    """Which code ran (the checkout `code`): the commit, and which files under `paths` (default registry/ and api/)
    differed from it."""
    git = ["git", "-C", str(code)]
    try:
        commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run([*git, "status", "--porcelain", "--", *(paths or ("registry", "api"))],
                               capture_output=True, text=True, check=True).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        return f"code in {code} (not a git checkout)"
    changed = [line[3:] for line in dirty if line.strip()]
    return f"commit {commit}" + (f", with uncommitted changes to {', '.join(changed)}" if changed else "")


def compile_bytecode(code: Path = ROOT) -> None:
    """Writes the bytecode of checkout `code`'s registry/ and api/ (their __pycache__), as an installed package
    has it. With PYTHONDONTWRITEBYTECODE set (as in these sessions) no process writes it, and a process of a
    checkout whose modules changed since it was last written compiles them at every start: tens of ms of the
    indexer's start (models.py and handlers.py alone ~25 ms), on whichever side of a comparison changed more."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", "registry", "api"], cwd=code, check=True,
                   stdout=subprocess.DEVNULL)


def load_average() -> str:
    """The load averages over 1, 5 and 15 minutes, and the CPUs: the machine may be shared."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


class Report:
    """Prints each line and, with a file, writes it there as it goes."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.lines: list[str] = []
        self.file: IO[str] | None = None
        if path and str(path) != "-":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.file = open(path, "w")  # noqa: SIM115 - written line by line until close()

    def __call__(self, line: str = "") -> None:
        print(line, flush=True)
        self.lines.append(line)
        if self.file is not None:
            self.file.write(line + "\n")
            self.file.flush()

    def close(self, last: str | None = None) -> None:
        """Ends the file with `last` (e.g. the exit status), not printed."""
        if self.file is not None:
            if last:
                self.file.write(last + "\n")
            self.file.close()
            self.file = None
