"""`make run`: the whole registry on one machine with nothing to configure.

Starts anvil on 127.0.0.1:8545, deploys the contracts, starts the indexer and the API
(http://127.0.0.1:8000) over SQLite, creates the funded development key the README's examples use,
registers sample assets, prints where everything is, and stops it all on Ctrl-C.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from samples import register_samples  # noqa: E402

from registry.chain.client import Chain, RegistryClient  # noqa: E402
from registry.chain.deploy import deploy  # noqa: E402
from registry.chain.keys import create_keystore  # noqa: E402
from registry.config import Settings  # noqa: E402
from registry.content.store import open_store  # noqa: E402
from registry.devchain import DEPLOYER_ACCOUNT, USER_ACCOUNT, dev_key, start_anvil, stop  # noqa: E402

ANVIL_PORT = 8545
API_PORT = 8000


def wait_for_api(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/v1/status", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"The API did not start on {url} within {timeout:.0f} s; see .datareg/api.log.")


def main() -> None:
    os.environ.setdefault("DATAREG_RPC_URL", f"http://127.0.0.1:{ANVIL_PORT}")
    os.environ.setdefault("DATAREG_API_URL", f"http://127.0.0.1:{API_PORT}")
    settings = Settings.from_env()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # anvil starts empty every time, so an index of an earlier run describes a chain that no longer exists.
    if settings.database_url == f"sqlite:///{settings.data_dir / 'index.db'}":
        for suffix in ("", "-wal", "-shm"):
            (settings.data_dir / f"index.db{suffix}").unlink(missing_ok=True)

    processes: list[subprocess.Popen] = []
    try:
        print(f"Starting anvil on 127.0.0.1:{ANVIL_PORT} ...", flush=True)
        processes.append(start_anvil(ANVIL_PORT, log_path=settings.data_dir / "anvil.log"))
        deployment = deploy(settings.rpc_url, dev_key(DEPLOYER_ACCOUNT))
        deployment.save(settings.deployment_file)

        key_path = settings.data_dir / "keys" / "default.json"
        key_path.unlink(missing_ok=True)
        user = create_keystore(key_path, "", dev_key(USER_ACCOUNT), development=True)

        env = dict(os.environ)
        log_dir = settings.data_dir
        datareg = [sys.executable, "-m", "registry.cli.main"]
        processes.append(subprocess.Popen(datareg + ["index", "run"], env=env, start_new_session=True,
                                          stdout=open(log_dir / "indexer.log", "ab"), stderr=subprocess.STDOUT))
        processes.append(subprocess.Popen(datareg + ["api", "--port", str(API_PORT)], env=env,
                                          start_new_session=True, stdout=open(log_dir / "api.log", "ab"),
                                          stderr=subprocess.STDOUT))
        wait_for_api(settings.api_url)

        client = RegistryClient(Chain(settings.rpc_url, deployment))
        samples = register_samples(client, open_store(settings), settings.data_dir)

        print(f"""
The data asset registry is running.

  API            {settings.api_url}   (OpenAPI: {settings.api_url}/docs)
  chain          {settings.rpc_url}   chain id {deployment.chain_id}
  DataRegistry   {deployment.registry}   (deployed in block {deployment.deploy_block})
  index          {settings.database_url}
  your dev key   {user}   ({key_path}, funded, local chain only)
  logs           {log_dir}/{{anvil,indexer,api}}.log

Sample assets:""")
        for asset_id, name in samples:
            print(f"  {asset_id}  {name}")
        print(f"""
Try, in another terminal (after `source .venv/bin/activate`):
  datareg register examples/traffic-flow.csv --metadata examples/traffic-flow.json
  datareg show {samples[0][0]}
  curl {settings.api_url}/v1/assets

Press Ctrl-C to stop everything.""", flush=True)
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
        failed = next(p for p in processes if p.poll() is not None)
        raise SystemExit(f"A process stopped unexpectedly ({failed.args}); see the logs in {log_dir}.")
    except KeyboardInterrupt:
        print("\nStopping ...")
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            stop(process)


if __name__ == "__main__":
    main()
