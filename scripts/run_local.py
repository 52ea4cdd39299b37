"""`make run`: the whole registry on one machine with nothing to configure.

Starts anvil on 127.0.0.1:8545, deploys the contracts, starts the indexer and the API
(http://127.0.0.1:8000) over SQLite, creates the funded development key the README's examples use,
registers sample assets, prints where everything is, and stops it all on Ctrl-C.
"""
from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from samples import admit_participants, register_samples  # noqa: E402

from registry.chain.client import Chain, RegistryClient  # noqa: E402
from registry.chain.keys import create_keystore  # noqa: E402
from registry.config import Settings  # noqa: E402
from registry.content.store import open_store  # noqa: E402
from registry.devchain import USER_ACCOUNT, LocalStack, dev_key  # noqa: E402

# anvil mines only when a transaction comes; on an idle chain the last block's time falls behind the clock, and
# what the index and the API judge "now" by (publicity over, a term ended) with it. An empty block after this
# many idle seconds keeps the chain's time moving, so the README's procedure works as printed.
IDLE_BLOCK_SECONDS = 5


def _local_port(url: str, variable: str) -> int:
    """The port of `url` (DATAREG_RPC_URL or DATAREG_API_URL), which must name this machine: `make run` starts the
    node and the API there, and the CLI in the same environment finds them."""
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost") or not parts.port:
        raise SystemExit(f"{variable}={url}: `make run` starts its own node and API on this machine; set it to "
                         "http://127.0.0.1:PORT, or unset it for the default.")
    return parts.port


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


def main() -> None:
    # SIGTERM (a supervisor, or `kill`) stops everything as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    settings = Settings.from_env()
    anvil_port = _local_port(settings.rpc_url, "DATAREG_RPC_URL")
    api_port = _local_port(settings.api_url, "DATAREG_API_URL")
    # anvil starts empty every time, so an index of an earlier run describes a chain that no longer exists.
    for suffix in ("", "-wal", "-shm"):
        (settings.data_dir / f"index.db{suffix}").unlink(missing_ok=True)
    key_path = settings.data_dir / "keys" / "default.json"
    key_path.unlink(missing_ok=True)
    user = create_keystore(key_path, "", dev_key(USER_ACCOUNT), development=True)

    print(f"Starting anvil on 127.0.0.1:{anvil_port}, the indexer and the API ...", flush=True)
    extra = {"DATAREG_DATABASE_URL": settings.database_url}
    # A publicity period of a minute, so the registration procedure can be walked through in one sitting.
    with LocalStack(settings.data_dir, anvil_port, api_port, extra_env=extra, publicity_seconds=60) as stack:
        deployment = stack.deployment
        client = RegistryClient(Chain(stack.rpc_url, deployment))
        participants = admit_participants(client, settings.data_dir / "keys")
        samples = register_samples(client, open_store(settings), settings.data_dir)
        print(f"""
The data asset registry is running.

  API            {stack.api_url}   (OpenAPI: {stack.api_url}/docs)
  chain          {stack.rpc_url}   chain id {deployment.chain_id}
  DataRegistry   {deployment.registry}   (deployed in block {deployment.deploy_block})
  index          {settings.database_url}
  your dev key   {user}   ({key_path}, funded, local chain only)
  logs           {settings.data_dir}/{{anvil,indexer,api}}.log

Participants, each with a development key in {settings.data_dir / 'keys'} (the council's admin: admin.json):""")
        role_width = max(len(role) for _, role, _, _ in participants)
        for address, role, name, key in participants:
            print(f"  {address}  {role:<{role_width}}  {key.name:<16} {name}")
        print("""
Sample assets:""")
        for asset_id, name in samples:
            print(f"  {asset_id}  {name}")
        print(f"""
Try, in another terminal (after `source .venv/bin/activate`):
  datareg register examples/traffic-flow.csv --metadata examples/traffic-flow.json
  datareg show {samples[0][0]}
  curl {stack.api_url}/v1/assets

Press Ctrl-C to stop everything.""", flush=True)
        try:
            last_mined = time.monotonic()
            while all(p.poll() is None for p in stack.processes):
                time.sleep(0.5)
                if time.monotonic() - last_mined >= IDLE_BLOCK_SECONDS:
                    last_mined = time.monotonic()
                    latest = client.chain.rpc.call("eth_getBlockByNumber", ["latest", False])
                    if time.time() - int(latest["timestamp"], 16) >= IDLE_BLOCK_SECONDS:
                        client.chain.rpc.call("evm_mine", [])
            failed = next(p for p in stack.processes if p.poll() is not None)
            raise SystemExit(f"A process stopped unexpectedly ({failed.args}); see the logs in {settings.data_dir}.")
        except KeyboardInterrupt:
            print("\nStopping ...")


if __name__ == "__main__":
    main()
