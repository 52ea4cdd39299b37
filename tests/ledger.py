"""A chain written by hand, for the fast tests: events as the contracts emit them, in blocks with times, indexed
through the real indexer into a real SQLite file, with no node and no processes.

Each event is encoded into a JSON-RPC log from the contracts' ABI (arguments not given are zero) and decoded
again by the indexer's own decoder, so the handlers see exactly what they see from a node, and an event or
argument the ABI no longer has fails here by name. `index()` writes the blocks mined so far the way the
indexer writes a range it fetched (events, handlers, blocks, listings' validity and feed, checkpoint), in one
transaction. The API can then be asked in-process (`api()`: FastAPI's TestClient over the same files).
"""
from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_abi import encode
from eth_account import Account
from eth_utils import event_abi_to_log_topic, keccak

from registry.chain.abi import all_abis
from registry.chain.client import asset_id_of
from registry.chain.events import DecodedEvent, decode_log
from registry.config import Deployment, Settings
from registry.content.cid import cid_to_digest
from registry.devchain import ANVIL_CHAIN_ID, dev_key
from registry.indexer.scanner import Header, Indexer
from registry.indexer.service import build_indexer

EVENTS = {abi["name"]: abi for abi in all_abis() if abi["type"] == "event"}
# Addresses the contracts would have: the handlers do not look at them, the checkpoint records the registry's.
CONTRACTS = {"DataRegistry": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
             "ParticipantRegistry": "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
             "ListingRegistry": "0x9fE46736679d2D9a65F0afB1c4E9D7D5b9A3C7A0"}
# A day ahead of the wall clock: the index judges validity at the later of the wall clock and the last block's
# time, so with the chain ahead every answer depends on the blocks alone.
GENESIS_TIME = int(time.time()) // 3600 * 3600 + 86_400
BLOCK_SECONDS = 12
ALL_RIGHTS = 0b111  # holding, usage and operating


def account(n: int) -> str:
    """The address of anvil's development account n."""
    return Account.from_key(dev_key(n)).address


def cid_of(text: str) -> str:
    """A CIDv0 for some text's digest: stands for a document the test does not need to store."""
    from registry.content.cid import digest_to_cid

    return digest_to_cid(hashlib.sha256(text.encode()).digest())


def _abi_type(param: dict) -> str:
    if param["type"].startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in param["components"]) + ")" + param["type"][5:]
    return param["type"]


def _value(param: dict, given: Any) -> Any:
    """`given` (or zero when None) in the form eth_abi encodes for the parameter's type."""
    kind = param["type"]
    if kind.startswith("tuple"):
        given = given or {}
        unknown = set(given) - {c["name"] for c in param["components"]}
        assert not unknown, f"{param['name']} has no fields {sorted(unknown)} in the ABI"
        return tuple(_value(c, given.get(c["name"])) for c in param["components"])
    if kind == "address":
        return given or "0x" + "00" * 20
    if kind == "bool":
        return bool(given)
    if kind in ("string",):
        return given or ""
    if kind.startswith("bytes"):
        if given is None:
            return b"\0" * int(kind[5:] or 0)
        if isinstance(given, str) and given.startswith("0x"):
            given = bytes.fromhex(given[2:])
        elif isinstance(given, str):
            given = given.encode()
        return given.ljust(int(kind[5:]), b"\0") if kind != "bytes" else given
    return int(given or 0)


_migrated: list[Path] = []


def _migrated_sqlite() -> Path:
    """An empty SQLite index at the newest schema, made once per session."""
    if not _migrated:
        from registry.db.session import create_schema, make_engine

        path = Path(tempfile.mkdtemp(prefix="datareg-schema-")) / "index.db"
        engine = make_engine(f"sqlite:///{path}")
        create_schema(engine)
        engine.dispose()
        _migrated.append(path)
    return _migrated[0]


@dataclass
class Ledger:
    data_dir: Path
    database_url: str | None = None
    reorg_window: int = 128  # blocks below the head whose batches keep undo journals (Settings.reorg_window)
    blocks: list[Header] = field(default_factory=list)
    pending: list[DecodedEvent] = field(default_factory=list)  # logs of the block being built
    mined: list[DecodedEvent] = field(default_factory=list)  # logs of blocks mined but not indexed yet
    indexed_block: int = 0
    # Names the branch blocks are mined on from now: blocks and transactions of another branch get other hashes
    # (a reorg's new chain); "" for the first.
    branch: str = ""

    def __post_init__(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.settings = Settings(
            rpc_url="http://127.0.0.1:9",  # nothing here asks the node; a request would be refused at once
            database_url=self.database_url or f"sqlite:///{self.data_dir / 'index.db'}",
            data_dir=self.data_dir,
            api_url="http://testserver",
            ipfs_api=None,
            deployment_file=self.data_dir / "deployment.json",
            reorg_window=self.reorg_window,
        )
        Deployment(chain_id=ANVIL_CHAIN_ID, contracts=CONTRACTS, deploy_block=1).save(self.settings.deployment_file)
        if self.database_url is None:  # a copy of a migrated file: migrating each test's database takes 0.5 s
            shutil.copy(_migrated_sqlite(), self.data_dir / "index.db")
        self.indexer: Indexer = build_indexer(self.settings)
        self.engine = self.indexer.engine
        self._mine_header(GENESIS_TIME)  # block 0, before the deployment

    # ───────────────────────────── the chain ─────────────────────────────

    @property
    def head(self) -> Header:
        return self.blocks[-1]

    @property
    def now(self) -> int:
        """The time of the block being built."""
        return self.head.timestamp + BLOCK_SECONDS

    def emit(self, event: str, /, **args: Any) -> DecodedEvent:
        """An event in the block being built; returns it as the indexer decodes it."""
        abi = EVENTS[event]
        unknown = set(args) - {i["name"] for i in abi["inputs"]}
        assert not unknown, f"{event} has no arguments {sorted(unknown)} in the ABI"
        topics = ["0x" + event_abi_to_log_topic(abi).hex()]
        types, values = [], []
        for param in abi["inputs"]:
            value = _value(param, args.get(param["name"]))
            if param["indexed"]:
                topics.append("0x" + encode([_abi_type(param)], [value]).hex())
            else:
                types.append(_abi_type(param))
                values.append(value)
        number = self.head.number + 1
        tx_hash = "0x" + keccak(text=f"{number}:{len(self.pending)}{self.branch}").hex()  # a transaction per event
        log = {"topics": topics, "data": "0x" + encode(types, values).hex(), "blockNumber": hex(number),
               "blockHash": self._hash(number), "transactionHash": tx_hash, "logIndex": hex(len(self.pending)),
               "address": CONTRACTS["DataRegistry"]}
        event = decode_log(log)
        assert event is not None
        self.pending.append(event)
        return event

    def mine(self, seconds: int = BLOCK_SECONDS) -> Header:
        """Closes the block being built, `seconds` after the one before it."""
        header = self._mine_header(self.head.timestamp + seconds)
        self.mined += self.pending
        self.pending = []
        return header

    def index(self) -> int:
        """Writes every block mined since the last call (closing the one being built, if it has events) as
        the indexer writes a range it fetched; returns the last block written."""
        if self.pending:
            self.mine()
        return self.index_through(self.head.number)

    def index_through(self, last: int) -> int:
        """Writes the blocks after the last one written, up to `last`, as one range."""
        first = self.indexed_block + 1
        headers = {h.number: h for h in self.blocks[first:last + 1]}
        events = [e for e in self.mined if e.block_number <= last]
        self.indexer._head = self.head.number
        self.indexer.writer.write(events, headers, first, last, self.head.number)
        self.mined = [e for e in self.mined if e.block_number > last]
        self.indexed_block = last
        return last

    def _hash(self, number: int) -> str:
        return "0x" + keccak(text=f"block {number}{self.branch}").hex()

    def _mine_header(self, timestamp: int) -> Header:
        number = len(self.blocks)
        parent = self.blocks[-1].hash if self.blocks else "0x" + "00" * 32
        header = Header(number=number, hash=self._hash(number), parent_hash=parent, timestamp=timestamp)
        self.blocks.append(header)
        return header

    # ───────────────────────────── what the contracts emit for an operation ─────────────────────────────

    def register(self, registrant: str, holders: dict[str, int] | None = None, *, content: str | None = None,
                 metadata: dict | None = None, classification: int = 0, attributes: int = 0,
                 sources: tuple[tuple[str, int], ...] = ()) -> str:
        """AssetRegistered, AssetDerived for each (source asset, right index) and RightAssigned for each kind
        of each holder ({address: kinds mask}; default: the registrant holds all three), as register() emits
        them; `metadata` is stored in the content store first. Returns the asset id."""
        content_hash = hashlib.sha256((content or f"content {len(self.mined) + len(self.pending)} "
                                       f"{self.head.number}").encode()).digest()
        asset_id = asset_id_of(registrant, content_hash)
        metadata_cid = self.store_document(metadata) if metadata is not None else cid_of(f"metadata of {asset_id}")
        self.emit("AssetRegistered", assetId=asset_id, registrant=registrant, submitter=registrant,
                  contentHash=content_hash, contentCid=hashlib.sha256(content_hash).digest(),
                  metadataCid=cid_to_digest(metadata_cid), classification=classification,
                  attributes=attributes | (0x08 if sources else 0))
        for source, right_index in sources:
            self.emit("AssetDerived", assetId=asset_id, sourceAssetId=source, rightIndex=right_index)
        for holder, kinds in (holders or {registrant: ALL_RIGHTS}).items():
            for kind in range(3):
                if kinds & (1 << kind):
                    self.emit("RightAssigned", assetId=asset_id, rightIndex=kind + 1, holder=holder, kind=kind)
        return asset_id

    def grant(self, asset_id: str, parent_index: int, right_index: int, grantor: str, grantee: str, *,
              kind: int = 1, valid_from: int = 0, valid_until: int = 0, transferable: bool = False,
              sub_grantable: bool = False, purpose: str = "", territory: str = "") -> int:
        self.emit("RightGranted", assetId=asset_id, grantee=grantee, grantor=grantor, rightIndex=right_index,
                  parentIndex=parent_index, kind=kind,
                  terms={"grantee": grantee, "validFrom": valid_from, "validUntil": valid_until,
                         "subGrantable": sub_grantable, "transferable": transferable, "purpose": purpose,
                         "territory": territory})
        return right_index

    def add_participant(self, address: str, role: int, name: str, endpoint: str = "") -> None:
        self.emit("ParticipantAdded", account=address, role=role, name=name,
                  creditCodeHash=keccak(text=name), endpoint=endpoint)

    def qualify(self, address: str, serial: int = 1, **qualification: Any) -> None:
        """The council records a service provider's qualification (issue 21): without one it may not act."""
        self.emit("QualificationRecorded", account=address, serial=serial,
                  qualification={"issuer": "福建省财政厅", "number": f"PG-{serial}", **qualification})

    def store_document(self, document: dict) -> str:
        """Stores a metadata document in the content store as the API's /v1/metadata does; returns its CID."""
        from registry.content.store import open_store

        return open_store(self.settings).put(json.dumps(document, ensure_ascii=False, sort_keys=True).encode())

    # ───────────────────────────── reading ─────────────────────────────

    def api(self):
        """The API app over this ledger's index and content store, in-process (FastAPI's TestClient)."""
        from fastapi.testclient import TestClient

        from registry.cli.serve import create_app

        return TestClient(create_app(self.settings))


def table(engine, model, leave_out: tuple[str, ...] = ()) -> list[dict]:
    """Every row of a table, as dicts in primary key order, without the columns in `leave_out`."""
    from sqlalchemy import select

    t = model.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(t).order_by(*t.primary_key.columns)).mappings().all()
    return [{k: v for k, v in row.items() if k not in leave_out} for row in rows]
