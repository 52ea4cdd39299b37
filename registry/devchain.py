"""The local development chain: starting anvil from npm and the well-known development accounts.

Used by `make run` (scripts/run_local.py) and by the tests, so both start the chain the same way.
These keys are public knowledge (anvil's default mnemonic): they are for the local chain only and are
refused on any other chain id.
"""
from __future__ import annotations

import platform
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from eth_account import Account
from web3 import Web3

from registry.errors import ConfigurationError

REPO_ROOT = Path(__file__).resolve().parents[1]
ANVIL_CHAIN_ID = 31337
ANVIL_MNEMONIC = "test test test test test test test test test test test junk"

# Roles of the development accounts, by their index in anvil's mnemonic.
USER_ACCOUNT = 0  # the funded key `make run` gives the README's `datareg register` example
RELAYER_ACCOUNT = 8  # the API's relayer, which pays gas for EIP-712 registrations
DEPLOYER_ACCOUNT = 9


def dev_key(index: int) -> str:
    Account.enable_unaudited_hdwallet_features()
    return Account.from_mnemonic(ANVIL_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}").key.hex()


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_anvil(port: int, block_time: float | None = None, log_path: Path | None = None) -> subprocess.Popen:
    """Starts anvil on 127.0.0.1:`port` and waits until it answers."""
    args = [tool("anvil"), "--host", "127.0.0.1", "--port", str(port), "--chain-id", str(ANVIL_CHAIN_ID)]
    if block_time:
        args += ["--block-time", str(block_time)]
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL
    process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}", request_kwargs={"timeout": 2}))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ConfigurationError(f"anvil exited with code {process.returncode}; is port {port} taken?")
        try:
            w3.eth.chain_id
            return process
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.05)
    process.kill()
    raise ConfigurationError(f"anvil did not answer on port {port} within 20 s.")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()


