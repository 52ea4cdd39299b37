"""`make run-scaled`: the registry scaled out on one machine, as it runs on several: anvil, one PostgreSQL index,
two indexers (one active, one standby waiting on the index's advisory lock) and two API instances on two ports
(no load balancer: put one in front of both in production). The two APIs share the relayer's nonces, the relays
(GET /v1/relay/{id} answers on either) and the rate limits through PostgreSQL.

    make run-scaled                         # PostgreSQL at 127.0.0.1:5432 as user postgres
    DATAREG_POSTGRES_URL=postgresql://me@db:5432/postgres make run-scaled

The index is a database named `datareg_scaled` on that server, dropped and made anew at every start (anvil starts
empty, so an index of an earlier run describes a chain that no longer exists). Ports: anvil 8545, the APIs 8000
and 8001. Kill the active indexer (its pid is printed) and the standby takes over within about a second; kill an
API and the other goes on answering for every relay. Ctrl-C stops everything.
"""
from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
from samples import admit_participants, register_samples  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from registry.chain.client import Chain, RegistryClient  # noqa: E402
from registry.config import Settings  # noqa: E402
from registry.content.store import open_store  # noqa: E402
from registry.devchain import LocalStack, require_free_port  # noqa: E402
from registry.errors import ConfigurationError  # noqa: E402

ANVIL_PORT, API_PORTS = 8545, (8000, 8001)
DATABASE = "datareg_scaled"
IDLE_BLOCK_SECONDS = 5  # as `make run`: an empty block after this many idle seconds keeps the chain's time moving


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


def fresh_database(server: str) -> str:
    """Drops and creates DATABASE on the server of `server` (a URL of any database there); its URL."""
    url = make_url(server.replace("postgresql://", "postgresql+psycopg://", 1))
    if url.get_backend_name() != "postgresql":
        raise ConfigurationError(f"DATAREG_POSTGRES_URL must be a postgresql:// URL, got '{server}'.")
    admin = create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    except Exception as exc:  # noqa: BLE001 - whatever it is, nothing can run without the database
        raise ConfigurationError(f"PostgreSQL at {url.render_as_string(hide_password=True)} cannot be used "
                                 f"({str(exc).splitlines()[0]}); start it, or set DATAREG_POSTGRES_URL.") from None
    finally:
        admin.dispose()
    return url.set(database=DATABASE).render_as_string(hide_password=False)


def wait_for_api(url: str, processes, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/v1/status", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if any(p.poll() is not None for p in processes):
            break
        time.sleep(0.1)
    raise ConfigurationError(f"The API did not start on {url}.")


def main() -> None:
    signal.signal(signal.SIGTERM, _interrupt)
    settings = Settings.from_env()
    database = fresh_database(os.environ.get("DATAREG_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    require_free_port(API_PORTS[1], "the second API")
    print(f"Starting anvil on 127.0.0.1:{ANVIL_PORT}, two indexers and two APIs on one PostgreSQL index ...",
          flush=True)
    extra = {"DATAREG_DATABASE_URL": database}
    with LocalStack(settings.data_dir, ANVIL_PORT, API_PORTS[0], extra_env=extra, publicity_seconds=60) as stack:
        active = stack.processes[1]
        standby = stack._spawn(["registry.indexer"], "indexer-standby.log")
        second_api = stack._spawn(["registry.cli.main", "api", "--port", str(API_PORTS[1])], "api-2.log")
        stack.processes += [standby, second_api]
        second_url = f"http://127.0.0.1:{API_PORTS[1]}"
        wait_for_api(second_url, stack.processes)
        client = RegistryClient(Chain(stack.rpc_url, stack.deployment))
        admit_participants(client, settings.data_dir / "keys")
        samples = register_samples(client, open_store(settings), settings.data_dir)
        print(f"""
The data asset registry is running, scaled out.

  API 1          {stack.api_url}   (OpenAPI: {stack.api_url}/docs)
  API 2          {second_url}
  chain          {stack.rpc_url}   chain id {stack.deployment.chain_id}
  index          {database.rsplit('@', 1)[-1]}
  indexers       pid {active.pid} (started first: active), pid {standby.pid} (standby, waiting for the lock)
  logs           {settings.data_dir}/{{anvil,indexer,indexer-standby,api,api-2}}.log
  samples        {len(samples)} assets, e.g. {samples[0][0]}

Try: kill {active.pid} (the active indexer): the standby takes over; relay through one API and ask the other
for GET /v1/relay/{{id}}. Press Ctrl-C to stop everything.""", flush=True)
        try:
            last_mined = time.monotonic()
            # Goes on while anvil and at least one indexer and one API live: losing one of a pair is the point.
            indexers, apis = [active, standby], [stack.processes[2], second_api]
            while (stack.processes[0].poll() is None and any(p.poll() is None for p in indexers)
                   and any(p.poll() is None for p in apis)):
                time.sleep(0.5)
                if time.monotonic() - last_mined >= IDLE_BLOCK_SECONDS:
                    last_mined = time.monotonic()
                    latest = client.chain.rpc.call("eth_getBlockByNumber", ["latest", False])
                    if time.time() - int(latest["timestamp"], 16) >= IDLE_BLOCK_SECONDS:
                        client.chain.rpc.call("evm_mine", [])
            raise SystemExit(f"anvil, both indexers or both APIs stopped; see the logs in {settings.data_dir}.")
        except KeyboardInterrupt:
            print("\nStopping ...")


if __name__ == "__main__":
    main()
