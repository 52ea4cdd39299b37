"""The local development chain: starting anvil from npm and the well-known development accounts.

Used by `make run` (scripts/run_local.py) and by the tests, so both start the chain the same way.
These keys are public knowledge (anvil's default mnemonic): they are for the local chain only and are
refused on any other chain id.
"""
from __future__ import annotations

import os
import platform
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

# The development accounts are configuration (the API's default relayer on the local chain is one of them).
from registry.chain.rpc import Rpc
from registry.config import (  # noqa: F401 - re-exported for the scripts and tests
    ANVIL_CHAIN_ID,
    ANVIL_MNEMONIC,
    DEPLOYER_ACCOUNT,
    RELAYER_ACCOUNT,
    USER_ACCOUNT,
    Deployment,
    dev_key,
)
from registry.errors import ChainError, ConfigurationError

REPO_ROOT = Path(__file__).resolve().parents[1]


def require_dev_chain(chain_id: int, what: str) -> None:
    if chain_id != ANVIL_CHAIN_ID:
        raise ConfigurationError(
            f"{what} uses a public development key, which is only allowed on the local chain "
            f"(chain id {ANVIL_CHAIN_ID}); this chain is {chain_id}. Provide a key of your own."
        )


def tool(name: str) -> str:
    """Path of a Foundry binary installed from npm, or on PATH. The platform package's binary is preferred
    to the node wrapper in node_modules/.bin: the wrapper exits on SIGTERM without waiting for the binary,
    which then lingers as an orphan."""
    machine = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine(), platform.machine())
    native = REPO_ROOT / "node_modules" / "@foundry-rs" / f"{name}-{sys.platform}-{machine}" / "bin" / name
    if native.exists():
        return str(native)
    local = REPO_ROOT / "node_modules" / ".bin" / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if found:
        return found
    raise ConfigurationError(f"'{name}' is not installed. Run `make install` (it installs Foundry from npm).")


def require_free_port(port: int, what: str) -> None:
    with socket.socket() as s:
        # As servers do: a port whose old connections are still closing (TIME_WAIT) is free to listen on.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            raise ConfigurationError(
                f"Port {port} for {what} is already in use on 127.0.0.1: is an earlier `make run` still running? "
                f"Stop it (Ctrl-C in its terminal, or `pkill -f anvil`) and try again."
            ) from None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_anvil(port: int, block_time: float | None = None, log_path: Path | None = None,
                zero_fees: bool = False, chain_id: int = ANVIL_CHAIN_ID,
                steps_tracing: bool = False) -> subprocess.Popen[bytes]:
    """Starts anvil on 127.0.0.1:`port` and waits until it answers. With `zero_fees`, blocks have a base fee
    of 0 and the suggested gas price is 0, as on the consortium chains that run without gas fees. With
    `steps_tracing`, `debug_traceTransaction` returns every opcode (scripts/bench_gas.py --breakdown)."""
    require_free_port(port, "anvil")
    args = [tool("anvil"), "--host", "127.0.0.1", "--port", str(port), "--chain-id", str(chain_id)]
    if block_time:
        args += ["--block-time", str(block_time)]
    if zero_fees:
        args += ["--block-base-fee-per-gas", "0", "--disable-min-priority-fee"]
    if steps_tracing:
        args += ["--steps-tracing"]
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - anvil writes to it
    process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    rpc = Rpc(f"http://127.0.0.1:{port}", timeout=2, retries=0)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ConfigurationError(f"anvil exited with code {process.returncode}; is port {port} taken?")
        try:
            rpc.call("eth_chainId")
            rpc.close()
            return process
        except ChainError:  # not up yet
            time.sleep(0.05)
    process.kill()
    raise ConfigurationError(f"anvil did not answer on port {port} within 20 s.")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()




class LocalStack:
    """anvil, the deployed registry, the indexer and the API, each its own process, in one data directory:
    what `make run` starts, and what the benchmarks measure. Use as a context manager; everything it
    started is stopped on exit."""

    def __init__(self, data_dir: Path, anvil_port: int | None = None, api_port: int | None = None,
                 block_time: float | None = None, extra_env: dict[str, str] | None = None,
                 chain_of: "LocalStack | None" = None, publicity_seconds: int | None = None,
                 chain_id: int = ANVIL_CHAIN_ID) -> None:
        """With `chain_of`, runs only an indexer and an API of its own (own data directory and database)
        over the chain and contracts of that other stack: a second exchange's view of the same chain. With
        `chain_id`, its anvil has that chain id: a second registry on a chain of its own (mutual recognition)."""
        self.data_dir = data_dir
        self.chain_of = chain_of
        self.anvil_port: int = chain_of.anvil_port if chain_of else (anvil_port or free_port())
        self.api_port = api_port or free_port()
        self.block_time = block_time
        self.rpc_url = f"http://127.0.0.1:{self.anvil_port}"
        self.api_url = f"http://127.0.0.1:{self.api_port}"
        self.extra_env = extra_env or {}
        self.processes: list[subprocess.Popen[bytes]] = []
        self.deployment: Deployment | None = chain_of.deployment if chain_of else None
        self.publicity_seconds = publicity_seconds
        self.chain_id = chain_id

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "DATAREG_RPC_URL": self.rpc_url, "DATAREG_API_URL": self.api_url,
                "DATAREG_DATA_DIR": str(self.data_dir),
                "DATAREG_DEPLOYMENT": str(self.data_dir / "deployment.json"),
                # A local stack's webhook receivers are on this machine (api/webhooks.py: url_refusal).
                "DATAREG_WEBHOOK_ALLOW_PRIVATE": "1", **self.extra_env}

    def __enter__(self) -> "LocalStack":
        from registry.chain.deploy import DEFAULT_PUBLICITY_SECONDS, deploy

        self.data_dir.mkdir(parents=True, exist_ok=True)
        require_free_port(self.api_port, "the API")
        try:
            if self.chain_of is None:
                self.processes.append(start_anvil(self.anvil_port, self.block_time, self.data_dir / "anvil.log",
                                                  chain_id=self.chain_id))
                self.deployment = deploy(self.rpc_url, dev_key(DEPLOYER_ACCOUNT),
                                         publicity_seconds=self.publicity_seconds or DEFAULT_PUBLICITY_SECONDS)
            assert self.deployment is not None  # deployed above, or the other stack's
            self.deployment.save(self.data_dir / "deployment.json")
            self.start_indexer()
            self.processes.append(self._spawn(["registry.cli.main", "api", "--port", str(self.api_port)], "api.log"))
            self._wait_for_api()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def start_indexer(self) -> subprocess.Popen[bytes]:
        process = self._spawn(["registry.indexer"], "indexer.log")
        self.processes.append(process)
        return process

    def _spawn(self, module_and_args: list[str], log_name: str) -> subprocess.Popen[bytes]:
        log = open(self.data_dir / log_name, "ab")  # noqa: SIM115 - the process writes to it
        return subprocess.Popen([sys.executable, "-m", *module_and_args], env=self.env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def _wait_for_api(self, timeout: float = 30.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.api_url}/v1/status", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if any(p.poll() is not None for p in self.processes):
                break
            time.sleep(0.05)
        raise ConfigurationError(f"The API did not start on {self.api_url}; see {self.data_dir}/api.log.")

    def __exit__(self, *exc: object) -> None:
        for process in reversed(self.processes):
            stop(process)
        self.processes.clear()


class DevRpc(Rpc):
    """The transport, with the long timeout and the helpers of the scripts that drive anvil block by block
    (evm_mine, evm_setAutomine, anvil_reorg). A refusal raises RpcError (a ChainError) with the node's error."""

    def __init__(self, url: str, timeout: float = 120) -> None:
        super().__init__(url, timeout=timeout)

    def head(self) -> tuple[int, str]:
        block = self.call("eth_getBlockByNumber", ["latest", False])
        return int(block["number"], 16), block["hash"]
