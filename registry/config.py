"""Settings from the environment, with defaults that run on one machine with nothing to configure.

DATAREG_RPC_URL       EVM JSON-RPC endpoint, or several separated by commas (read from the first healthy
                      one; default: the local anvil started by `make run`).
DATAREG_RPC_MAX_LAG   blocks a listed node may be behind the best one and still be read from (default 16).
DATAREG_DATABASE_URL  SQLAlchemy URL of the index (default: SQLite file under the data directory);
                      PostgreSQL works as well: postgresql+psycopg://user@host/db.
DATAREG_IPFS_API      Kubo RPC URL such as http://127.0.0.1:5001 (unset: a local content-addressed store).
DATAREG_DATA_DIR      Where the SQLite index, the local content store and the deployment file live.
DATAREG_API_URL       Where the CLI finds the HTTP API.
DATAREG_DEPLOYMENT    JSON file naming the chain id and contract addresses (default: DATA_DIR/deployment.json).
DATAREG_CONFIRMATIONS Blocks to stay behind the head when indexing (default 0: anvil and QBFT finalise at once).
DATAREG_INDEX_MAX_RANGE  Most blocks per eth_getLogs call (default 5000; shrinks by itself when a node refuses).
DATAREG_CONTENT_KEY   The AES-256 key private documents are encrypted with at rest (64 hex digits or base64 of 32
                      bytes; default: generated once in DATA_DIR/content.key).
DATAREG_PUBLIC_URL    The public address of the explorer, as printed in a certificate's QR code and verification
                      link (e.g. https://registry.example.cn); default: the address the API was reached at.
DATAREG_CJK_FONT      A TrueType font with Chinese glyphs (.ttf/.ttc) for PDF certificates; default: the first
                      found of Debian's fonts-wqy-microhei, fonts-wqy-zenhei, fonts-arphic-uming, fonts-droid-fallback.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import overload

from registry.errors import ConfigurationError

# The local development chain (anvil): its chain id and the mnemonic of its funded accounts. These keys are public
# knowledge: they are used on this chain id only (registry.devchain refuses them anywhere else).
ANVIL_CHAIN_ID = 31337
ANVIL_MNEMONIC = "test test test test test test test test test test test junk"
# Roles of the development accounts, by their index in anvil's mnemonic.
USER_ACCOUNT = 0  # the funded key `make run` gives the README's `datareg register` example
RELAYER_ACCOUNT = 8  # the API's relayer, which pays gas for EIP-712 registrations
DEPLOYER_ACCOUNT = 9


def dev_key(index: int) -> str:
    """The private key of development account `index` (hex)."""
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    key: str = Account.from_mnemonic(ANVIL_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}").key.hex()
    return key


@overload
def _env(name: str, default: str) -> str: ...
@overload
def _env(name: str, default: None = None) -> str | None: ...
def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _whole_number(name: str, default: str) -> int:
    value = _env(name, default)
    if not value.isdigit():
        raise ConfigurationError(f"{name} must be a whole number of blocks, got '{value}'.")
    return int(value)


def _public_url(value: str | None) -> str | None:
    if value is None:
        return None
    if not value.startswith(("http://", "https://")) or any(c.isspace() for c in value):
        raise ConfigurationError(f"DATAREG_PUBLIC_URL must be an http:// or https:// address, got '{value}'.")
    return value.rstrip("/")


@dataclass(frozen=True)
class Settings:
    rpc_url: str
    database_url: str
    data_dir: Path
    api_url: str
    ipfs_api: str | None
    deployment_file: Path
    confirmations: int = 0
    index_max_range: int = 5_000
    # How far below the head a reorg can reach and still be undone from the batches' journals (fast); a deeper
    # one is undone by replaying the touched assets' events. Ethereum mainnet reorgs stay within a few blocks;
    # QBFT and IBFT consortium chains never reorganise.
    reorg_window: int = 128
    # The API's own key for relaying EIP-712 signatures (it pays gas; it never signs for users).
    relayer_key: str | None = field(default=None, repr=False)
    # The key that encrypts private documents at rest (64 hex digits, or base64 of 32 bytes); unset: a random key
    # generated once in DATA_DIR/content.key (registry/content/private.py).
    content_key: str | None = field(default=None, repr=False)
    # Where the public reaches the explorer (DATAREG_PUBLIC_URL): the base of the verification URL a certificate's
    # QR code encodes. None: the address the request reached the API at.
    public_url: str | None = None
    # The node's WebSocket for pushed new heads (DATAREG_WS_URL); None: the RPC address as ws:// (anvil serves
    # both on one port); "off": the indexer only polls.
    ws_url: str | None = None

    def relayer_key_for(self, chain_id: int) -> str | None:
        """DATAREG_RELAYER_KEY; unset, the development relayer account on the local development chain, and no
        relayer on any other chain."""
        if self.relayer_key:
            return self.relayer_key
        return dev_key(RELAYER_ACCOUNT) if chain_id == ANVIL_CHAIN_ID else None

    @classmethod
    def from_env(cls) -> "Settings":
        data_dir = Path(_env("DATAREG_DATA_DIR", str(Path.cwd() / ".datareg"))).resolve()
        database_url = _env("DATAREG_DATABASE_URL", f"sqlite:///{data_dir / 'index.db'}")
        confirmations = _whole_number("DATAREG_CONFIRMATIONS", "0")
        index_max_range = _whole_number("DATAREG_INDEX_MAX_RANGE", "5000")
        reorg_window = _whole_number("DATAREG_REORG_WINDOW", "128")
        return cls(
            rpc_url=_env("DATAREG_RPC_URL", "http://127.0.0.1:8545"),
            database_url=database_url,
            data_dir=data_dir,
            api_url=_env("DATAREG_API_URL", "http://127.0.0.1:8000").rstrip("/"),
            ipfs_api=_env("DATAREG_IPFS_API"),
            deployment_file=Path(_env("DATAREG_DEPLOYMENT", str(data_dir / "deployment.json"))),
            confirmations=confirmations,
            index_max_range=max(1, index_max_range),
            reorg_window=reorg_window,
            relayer_key=_env("DATAREG_RELAYER_KEY"),
            content_key=_env("DATAREG_CONTENT_KEY"),
            public_url=_public_url(_env("DATAREG_PUBLIC_URL")),
            ws_url=_env("DATAREG_WS_URL"),
        )


@dataclass(frozen=True)
class Deployment:
    """Where the contracts live: written by the deploy step, read by the indexer, the API and the CLI."""

    chain_id: int
    contracts: dict[str, str]  # contract name -> address: DataRegistry, ParticipantRegistry, ListingRegistry
    deploy_block: int
    deploy_tx: str | None = None

    @property
    def registry(self) -> str:
        return self.contracts["DataRegistry"]

    @classmethod
    def load(cls, path: Path) -> "Deployment":
        if not path.exists():
            raise ConfigurationError(
                f"No deployment file at '{path}'. Deploy the contracts first (`make run` does it) "
                "or point DATAREG_DEPLOYMENT at the deployment JSON."
            )
        raw = json.loads(path.read_text())
        return cls(
            chain_id=int(raw["chain_id"]),
            contracts=dict(raw["contracts"]),
            deploy_block=int(raw["deploy_block"]),
            deploy_tx=raw.get("deploy_tx"),
        )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps(
                {
                    "chain_id": self.chain_id,
                    "contracts": self.contracts,
                    "deploy_block": self.deploy_block,
                    "deploy_tx": self.deploy_tx,
                },
                indent=2,
            )
            + "\n"
        )
