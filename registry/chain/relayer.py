"""The API's relayer: sends the transactions that carry operations their parties signed, paying the gas with
its own key, forwards transactions their senders signed, and follows each one until it is mined for good.

Nonces: one lock serialises choosing a nonce and sending, and the nonce is always the node's count of the
relayer's pending transactions, never a number remembered here: a transaction that was dropped, or orphaned by
a reorg, leaves no gap that wedges every later one. On a PostgreSQL index the lock is also a PostgreSQL
advisory lock on the relayer's account, so any number of API instances share one relayer key without racing
for a nonce; on SQLite (one machine) the process's own lock serves, and a nonce taken meanwhile by another
process is counted again.

Following: every relay is a row of the index database's `relays` table (registry/db/relays.py), so any API
instance answers GET /v1/relay/{id} for any relay, and a relay outlives the process that accepted it. Each
instance collects the receipts of the relays it accepted, so that its request can answer as soon as one is
mined. One instance, whichever holds the follower's lock (a PostgreSQL advisory lock held by its session, or an
flock beside the SQLite file; either dies with its holder), follows every relay not settled for good: it
collects receipts, notices a mined transaction that a reorg removed, and sends again (with higher fees, on
the first free nonce; a forwarded transaction as it was signed) an operation that waited too long or was
orphaned, as long as the chain would still carry it out. So a relay is `failed` only when the chain executed
and refused it, and `dropped` only when it can no longer be mined.
"""
from __future__ import annotations

import fcntl
import json
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_typing import HexStr
from eth_utils import keccak
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from registry import errors as registry_errors
from registry.chain.client import RegistryClient, TxResult, _decode_raw, _rpc_message, _unreachable, fee_fields
from registry.chain.events import DecodedEvent
from registry.db import relays as store
from registry.errors import ChainError, ChainUnavailable, ContractRevert, RegistryError, ValidationError

log = logging.getLogger("datareg.relayer")

PENDING, MINED, DROPPED, FAILED = "pending", "mined", "dropped", "failed"
#: A relayed operation (sent with the relayer's key), or a transaction its sender signed and the API forwarded.
RELAY, RAW = "relay", "raw"
#: How long a relay may wait without a receipt before it is sent again.
RESEND_AFTER = 12.0
#: A mined relay is watched this many blocks deep for a reorg that removes it.
WATCH_BLOCKS = 64
#: Relays remembered in memory, the oldest settled ones forgotten first (the database remembers them all).
MAX_REMEMBERED = 100_000
#: Seconds between two reads of the relays table by the follower (and by an instance for the relays it waits on).
SYNC_EVERY = 0.5
#: Messages from the node that mean the nonce just chosen is taken: choose again.
_NONCE_TAKEN = ("nonce too low", "already known", "replacement transaction underpriced", "nonce has already been used",
                "known transaction")
_ALREADY_SENT = ("already known", "known transaction", "already imported")
# PostgreSQL advisory lock keys (bigint): the follower's, one per database, and the nonce lock, one per relayer
# account ("dr-n" and the account's first 4 bytes). The indexer's writer lock is "datareg", migrations "dr-mig".
PG_FOLLOWER_LOCK = int.from_bytes(b"dr-relay", "big")


def nonce_lock_key(address: str) -> int:
    return int.from_bytes(b"dr-n" + bytes.fromhex(address[2:10]), "big")


@dataclass
class Relay:
    """One relayed or forwarded transaction and every transaction sent for it (more than one if it was sent
    again)."""

    id: str
    operation: str
    signer: str
    to: str
    data: str
    gas: int
    kind: str = RELAY
    sender: str = ""
    status: str = PENDING
    tx_hashes: list[str] = field(default_factory=list)
    nonce: int | None = None
    sent_at: float = 0.0  # unix time of the last send: compared across instances
    attempts: int = 0
    result: TxResult | None = None
    error: RegistryError | None = None
    final: bool = False  # settled for good: mined deeper than WATCH_BLOCKS, or refused, or dropped
    created_at: float = field(default_factory=time.time)
    updated_at: float = 0.0
    local: bool = False  # accepted by this process: it collects the receipts itself
    settled: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def tx_hash(self) -> str | None:
        return self.result.tx_hash if self.result else (self.tx_hashes[-1] if self.tx_hashes else None)

    def touch(self) -> None:
        self.updated_at = max(time.time(), self.updated_at + 1e-6)

    def row(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "operation": self.operation, "signer": self.signer,
            "sender": self.sender, "to": self.to, "data": self.data, "gas": self.gas, "status": self.status,
            "final": self.final, "tx_hashes": json.dumps(self.tx_hashes), "nonce": self.nonce,
            "attempts": self.attempts, "sent_at": self.sent_at,
            "result_json": json.dumps(_result_json(self.result)) if self.result else None,
            "error_json": json.dumps(_error_json(self.error)) if self.error else None,
            "created_at": self.created_at, "updated_at": self.updated_at,
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Relay":
        relay = cls(id=row["id"], operation=row["operation"], signer=row["signer"], to=row["to"], data=row["data"],
                    gas=row["gas"], kind=row["kind"], sender=row["sender"], created_at=row["created_at"])
        relay.apply(row)
        return relay

    def apply(self, row: dict[str, Any]) -> None:
        """Takes what another instance (or an earlier life of this one) wrote, if newer than what is here."""
        if row["updated_at"] <= self.updated_at:
            return
        self.status, self.final, self.nonce = row["status"], bool(row["final"]), row["nonce"]
        self.tx_hashes = json.loads(row["tx_hashes"])
        self.attempts, self.sent_at, self.updated_at = row["attempts"], row["sent_at"], row["updated_at"]
        self.result = _result_of_json(json.loads(row["result_json"])) if row["result_json"] else None
        self.error = _error_of_json(json.loads(row["error_json"])) if row["error_json"] else None
        if self.status == PENDING:
            self.settled.clear()
        else:
            self.settled.set()


def _mined(relay: Relay) -> TxResult:
    """A mined relay's result: a relay is MINED only with one."""
    assert relay.result is not None, f"relay {relay.id} is mined without a result"
    return relay.result


def _result_json(result: TxResult) -> dict[str, Any]:
    return {"tx_hash": result.tx_hash, "block_number": result.block_number, "block_hash": result.block_hash,
            "gas_used": result.gas_used,
            "events": [{"name": e.name, "args": e.args, "block_number": e.block_number, "block_hash": e.block_hash,
                        "tx_hash": e.tx_hash, "log_index": e.log_index, "address": e.address} for e in result.events]}


def _result_of_json(value: dict[str, Any]) -> TxResult:
    return TxResult(tx_hash=value["tx_hash"], block_number=value["block_number"], block_hash=value["block_hash"],
                    gas_used=value["gas_used"], events=[DecodedEvent(**e) for e in value["events"]])


def _error_json(error: RegistryError) -> dict[str, Any]:
    value: dict[str, Any] = {"class": type(error).__name__, "message": str(error)}
    if isinstance(error, ValidationError):
        value["errors"] = error.errors
    if isinstance(error, ContractRevert):
        value["error_name"], value["error_args"] = error.error_name, error.error_args
    return value


def _error_of_json(value: dict[str, Any]) -> RegistryError:
    """The error as it was raised where the relay settled (in whichever instance), for the API to answer with."""
    kind = getattr(registry_errors, value.get("class", ""), None)
    if not (isinstance(kind, type) and issubclass(kind, RegistryError)):
        kind = ChainError
    if issubclass(kind, ContractRevert):
        return kind(value["message"], value.get("error_name", ""), value.get("error_args"))
    if issubclass(kind, ValidationError):
        return kind(value["message"], value.get("errors"))
    return kind(value["message"])


class _FollowerRole:
    """Whether this process is the one that follows every open relay: holds the follower's lock (PostgreSQL:
    an advisory lock of a session kept for it; SQLite: an flock beside the database file), asked for again
    while not held, and given up when its session turns out to be gone."""

    def __init__(self, engine: Engine | None, key: int = PG_FOLLOWER_LOCK, suffix: str = "relayer-lock",
                 name: str = "relayer") -> None:
        # Other background work elects its one instance the same way, with its own key and lock file (webhooks).
        self.engine = engine
        self.key, self.suffix, self.name = key, suffix, name
        self._connection: Connection | None = None
        self._file: Any = None
        self._checked = 0.0

    def held(self) -> bool:
        engine = self.engine
        if engine is None:
            return True
        if engine.dialect.name == "postgresql":
            return self._postgres(engine)
        if self._file is not None:
            return True
        database = engine.url.database
        if not database or database == ":memory:":
            return True
        try:
            handle = open(Path(f"{database}.{self.suffix}"), "a+")  # noqa: SIM115 - held while the process lives
        except OSError:
            # No file can be made beside the database (a read-only directory): nothing is stored either, and
            # this process follows what it sent itself.
            self._file = "unlockable"
            return True
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        log.info("%s: this instance holds the follower's lock", self.name)
        return True

    def _postgres(self, engine: Engine) -> bool:
        now = time.monotonic()
        if self._connection is not None:
            if now - self._checked < 1.0:
                return True
            self._checked = now
            try:
                self._connection.execute(text("SELECT 1")).scalar()
                self._connection.rollback()
                return True
            except SQLAlchemyError as exc:
                log.warning("%s: lost the follower's lock (its session ended: %s)", self.name,
                            str(exc).splitlines()[0])
                self._drop()
        if now - self._checked < 1.0 and self._checked:
            return False
        self._checked = now
        try:
            connection = engine.connect()
        except SQLAlchemyError:
            return False
        try:
            taken = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
            connection.rollback()
        except SQLAlchemyError:
            connection.close()
            return False
        if not taken:
            connection.close()
            return False
        self._connection = connection
        log.info("%s: this instance holds the follower's lock", self.name)
        return True

    @property
    def holding(self) -> bool:
        """Whether this process held the lock when it last looked (no database call)."""
        if self.engine is None:
            return True
        if self.engine.dialect.name == "postgresql":
            return self._connection is not None
        database = self.engine.url.database
        return self._file is not None or not database or database == ":memory:"

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.invalidate()
                self._connection.close()
            except SQLAlchemyError:
                pass
            self._connection = None

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
                self._connection.close()
            except SQLAlchemyError:
                pass
            self._connection = None
        if self._file is not None:
            if not isinstance(self._file, str):
                self._file.close()
            self._file = None


#: The election of one instance for background work, shared with the webhook deliverer (api/webhooks.py).
FollowerRole = _FollowerRole


class Relayer:
    def __init__(self, client: RegistryClient, account: LocalAccount | None, engine: Engine | None = None,
                 poll: float = 0.05) -> None:
        self.client = client
        self.w3 = client.w3
        self.account = account
        self.engine = engine
        self.poll = poll
        self._send_lock = threading.Lock()  # the one lock: a nonce is chosen and used under it
        self._relays: OrderedDict[str, Relay] = OrderedDict()
        self._relays_lock = threading.Lock()
        self._wake = threading.Event()
        self._monitor: threading.Thread | None = None
        self._closed = threading.Event()  # set when the app shuts down: the monitor stops following
        self._fees_value: dict[str, int] = {}
        self._fees_at = float("-inf")
        self._role = _FollowerRole(engine)
        self._synced_at = float("-inf")

    # ─────────────────────────────── submitting ───────────────────────────────

    def submit(self, call: Any, operation: str, signer: str) -> Relay:
        """Checks that the call would succeed (a refusal raises here, with the contract's reason, and nothing
        is sent), sends it and starts following it. Raises ChainUnavailable or ChainError only when nothing
        was sent."""
        if self.account is None:
            raise registry_errors.ConfigurationError("This API has no relayer key (DATAREG_RELAYER_KEY).")
        tx = {"from": self.account.address, "to": call.address, "data": call._encode_transaction_data()}
        gas = self.client._simulate(tx)
        relay = Relay(id=uuid.uuid4().hex, operation=operation, signer=signer, to=tx["to"], data=tx["data"],
                      gas=gas * 6 // 5 + 10_000,  # headroom: state can change between estimate and inclusion
                      sender=self.account.address, local=True)
        self._send(relay)
        self._accept(relay)
        return relay

    def forward(self, raw: bytes, sender: str, to: str) -> Relay:
        """Sends a transaction its sender signed (already checked: a call to the registry that would succeed) and
        follows it like a relay: re-broadcast as it was signed if it waits too long or a reorg removes it."""
        tx_hash = "0x" + keccak(raw).hex()
        relay = Relay(id=uuid.uuid4().hex, operation="transaction", signer=sender, to=to, data="0x" + raw.hex(),
                      gas=0, kind=RAW, sender=sender, local=True)
        try:
            self.w3.eth.send_raw_transaction(raw)
        except Exception as exc:  # noqa: BLE001
            if _unreachable(exc):  # it may have arrived: followed as sent, and broadcast again if it never did
                log.warning("relay %s: the node went away while it was sent (%s); following it as sent",
                            relay.id, exc)
            elif not any(known in _rpc_message(exc).lower() for known in _ALREADY_SENT):
                raise ChainError(f"The node refused the transaction: {_rpc_message(exc)}.") from exc
        relay.tx_hashes.append(tx_hash)
        relay.sent_at, relay.attempts = time.time(), 1
        self._accept(relay)
        return relay

    def _accept(self, relay: Relay) -> None:
        relay.touch()
        self._store([relay])
        with self._relays_lock:
            self._relays[relay.id] = relay
            self._forget_oldest()
        self._ensure_monitor()
        self._wake.set()

    def get(self, relay_id: str) -> Relay | None:
        """The relay as the database has it (written by whichever instance accepted or followed it), or as
        this process has it if newer or not stored."""
        with self._relays_lock:
            known = self._relays.get(relay_id)
        if self.engine is None:
            return known
        try:
            row = store.get(self.engine, relay_id)
        except SQLAlchemyError:
            if known is None:
                raise
            return known
        if row is None:
            return known
        if known is not None and known.updated_at >= row["updated_at"]:
            return known
        return Relay.from_row(row)

    def _store(self, relays: list[Relay]) -> None:
        if self.engine is None or not relays:
            return
        try:
            store.save(self.engine, [r.row() for r in relays])
        except SQLAlchemyError as exc:
            # Read-only or unreachable: the relay goes on in this process's memory, and is stored at its next change.
            log.warning("relayer: could not store %d relay(s): %s", len(relays), str(exc).splitlines()[0])

    @contextmanager
    def _nonce_lock(self) -> Iterator[None]:
        """The relayer account's nonce lock across API instances: a PostgreSQL advisory lock held for one
        transaction (the choice of nonce and the send). On SQLite, or when PostgreSQL cannot be reached, the
        process's own lock alone (held by the caller) serves."""
        if self.engine is None or self.engine.dialect.name != "postgresql" or self.account is None:
            yield
            return
        try:
            connection = self.engine.connect()
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": nonce_lock_key(self.account.address)})
        except SQLAlchemyError as exc:
            log.warning("relayer: no shared nonce lock (PostgreSQL: %s); the process's own lock serves",
                        str(exc).splitlines()[0])
            yield
            return
        try:
            yield
        finally:
            try:
                connection.commit()
                connection.close()
            except SQLAlchemyError:
                connection.invalidate()

    def _send(self, relay: Relay, nonce: int | None = None) -> None:
        """Signs and sends the relay's call on the node's next free nonce (or `nonce`, to replace a stuck
        transaction), with fees raised on every attempt so that a replacement is accepted."""
        account = self.account
        assert account is not None, "relays are only sent with the relayer's key (submit checks it)"
        with self._send_lock, self._nonce_lock():
            for _ in range(5):
                try:
                    chosen = nonce if nonce is not None else self._rpc_int(
                        "eth_getTransactionCount", [account.address, "pending"])
                    fees = self._fees()
                except Exception as exc:  # noqa: BLE001
                    if _unreachable(exc):
                        raise self.client._down(exc, "nothing was sent") from exc
                    raise ChainError(f"The node could not prepare the transaction: {_rpc_message(exc)}.") from exc
                bump = 2 ** relay.attempts  # a replacement must pay at least 10% more than what it replaces
                signed = account.sign_transaction({
                    "chainId": self.client.chain.chain_id, "nonce": chosen, "to": HexStr(relay.to),
                    "data": HexStr(relay.data),
                    "gas": relay.gas, "value": 0, **{name: value * bump for name, value in fees.items()}})
                try:
                    tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
                except Exception as exc:  # noqa: BLE001
                    if not _unreachable(exc):
                        message = _rpc_message(exc)
                        if any(taken in message.lower() for taken in _NONCE_TAKEN):
                            relay.attempts += 1
                            nonce = None  # taken meanwhile (another process with this key, a replaced one): recount
                            continue
                        raise ChainError(f"The node refused the transaction: {message}.") from exc
                    # The node may have taken it before its answer was lost: followed as sent, so it is neither
                    # refused (it may be mined) nor sent twice; without a receipt it is sent again later.
                    log.warning("relay %s: the node went away while it was sent (%s); following it as sent",
                                relay.id, exc)
                    tx_hash = signed.hash
                relay.tx_hashes.append("0x" + bytes(tx_hash).hex())
                relay.nonce, relay.sent_at = chosen, time.time()
                relay.attempts += 1
                relay.touch()
                return
            raise ChainError("The node refused the relayer's transaction five times as a nonce already used; "
                             "try again.")

    def _rpc_int(self, method: str, params: list[Any]) -> int:
        """A number from the node in one plain JSON-RPC call (web3's formatting of a whole block cost more
        than the node's answer, under the lock every relay waits for)."""
        return int(self.client.chain.rpc.call(method, params), 16)

    def _fees(self) -> dict[str, int]:
        """The network's fee fields (EIP-1559, legacy or zero: see fee_fields), read at most once a second:
        the fee cap is twice the base fee, so fees a second old are still accepted."""
        now = time.monotonic()
        if now - self._fees_at > 1.0:
            self._fees_value, self._fees_at = fee_fields(self.client.chain.rpc), now
        return self._fees_value

    def describe(self) -> dict[str, Any]:
        """For GET /v1/status: the relayer's account, how its nonces are shared, and whether this instance
        follows every open relay now."""
        shared = self.engine is not None and self.engine.dialect.name == "postgresql"
        return {"account": self.account.address if self.account else None,
                "nonce_lock": "postgresql" if shared else "process",
                "follower": self._role.holding and self._monitor is not None and self._monitor.is_alive()}

    # ─────────────────────────────── following ───────────────────────────────

    def start(self) -> None:
        """Starts following at once (the app starting): relays left open by an earlier life of any instance are
        followed on by whichever instance holds the follower's lock."""
        self._ensure_monitor()

    def close(self) -> None:
        """Stops following the relays (the app is shutting down); what was sent may still be mined, and the
        instance that takes the follower's lock follows it on."""
        self._closed.set()
        self._wake.set()
        if self._monitor is not None:
            self._monitor.join(timeout=5)
        self._role.release()

    def _ensure_monitor(self) -> None:
        if self._closed.is_set():
            return
        if self._monitor is None or not self._monitor.is_alive():
            self._monitor = threading.Thread(target=self._follow, name="relayer-monitor", daemon=True)
            self._monitor.start()

    def _follow(self) -> None:
        interval = self.poll
        while not self._closed.is_set():
            self._wake.wait(interval)
            self._wake.clear()
            if self._closed.is_set():
                return
            try:
                # Quickly while some are pending; once a second while mined ones are only watched for reorgs.
                interval = self.poll if self._check() else 1.0
            except Exception as exc:  # noqa: BLE001 - the node may be down: look again a little later
                log.warning("relayer: could not check the relays: %s", exc)
                interval = 1.0

    def _sync(self, role: bool) -> None:
        """Reads the relays table: the rows of the relays this process waits on (another instance, the follower,
        may have sent one again or settled it), and, for the follower, every open relay."""
        if self.engine is None:
            return
        now = time.monotonic()
        if now - self._synced_at < SYNC_EVERY:
            return
        self._synced_at = now
        with self._relays_lock:
            waiting = [r.id for r in self._relays.values() if r.local and r.status == PENDING]
        try:
            rows = store.open_rows(self.engine) if role else []
            seen = {row["id"] for row in rows}
            rows += store.load(self.engine, [i for i in waiting if i not in seen])
        except SQLAlchemyError as exc:
            log.warning("relayer: could not read the relays table: %s", str(exc).splitlines()[0])
            return
        with self._relays_lock:
            for row in rows:
                known = self._relays.get(row["id"])
                if known is None:
                    self._relays[row["id"]] = Relay.from_row(row)
                else:
                    known.apply(row)
            self._forget_oldest()

    def _check(self) -> bool:
        """One look at every relay this process follows; whether some are pending."""
        role = self._role.held()
        self._sync(role)
        with self._relays_lock:
            followed = [r for r in self._relays.values() if not r.final and (r.local or role)]
        pending = [r for r in followed if r.status == PENDING]
        mined = [r for r in followed if r.status == MINED] if role else []
        if not pending and not mined:
            return False
        changed: list[Relay] = []
        head = self.w3.eth.block_number
        for relay in mined:
            if head - _mined(relay).block_number >= WATCH_BLOCKS:
                relay.final = True  # deep enough: no longer watched
                relay.touch()
                changed.append(relay)
        watched = [r for r in mined if not r.final]
        hashes = [h for r in pending for h in r.tx_hashes] + [_mined(r).tx_hash for r in watched]
        receipts = self._receipts(hashes)
        for relay in watched:
            result = _mined(relay)
            receipt = receipts.get(result.tx_hash)
            if receipt is None or receipt["blockHash"] != result.block_hash:
                # Orphaned by a reorg: pending again, and sent again at once if the chain has not carried it.
                log.warning("relay %s: transaction %s was removed by a reorg", relay.id, result.tx_hash)
                relay.status, relay.result, relay.sent_at = PENDING, None, 0.0
                relay.settled.clear()
                relay.touch()
                changed.append(relay)
                pending.append(relay)
        now = time.time()
        for relay in pending:
            found = next((receipts[h] for h in reversed(relay.tx_hashes) if receipts.get(h)), None)
            if found is not None:
                self._settle(relay, found)
                changed.append(relay)
            elif role and now - relay.sent_at > RESEND_AFTER:
                self._resend(relay)
                changed.append(relay)
        self._store(changed)
        return bool(pending)

    def _settle(self, relay: Relay, receipt: dict[str, Any]) -> None:
        try:
            relay.result = self.client.result_of(receipt)
            relay.status, relay.error = MINED, None
        except RegistryError as exc:  # mined, and refused by the contract: final
            relay.status, relay.error, relay.final = FAILED, exc, True
        relay.touch()
        relay.settled.set()

    def _drop(self, relay: Relay, error: RegistryError) -> None:
        relay.status, relay.error, relay.final = DROPPED, error, True
        relay.touch()
        relay.settled.set()

    def _resend(self, relay: Relay) -> None:
        """Sends a relay again that has waited too long, or was orphaned: if the chain would still carry out
        the operation, on the first nonce the chain has not used (replacing whatever waits there), else it is
        dropped with the reason. A forwarded transaction is broadcast again as it was signed."""
        raw = bytes.fromhex(relay.data[2:]) if relay.kind == RAW else None
        if raw is not None:
            decoded = _decode_raw(raw)
            call = {"from": relay.sender, "to": relay.to, "data": decoded["data"], "value": decoded["value"]}
        else:
            sender = relay.sender
            if not sender:
                assert self.account is not None, "a relay without a sender is one this process's key sent"
                sender = self.account.address
            call = {"from": sender, "to": relay.to, "data": relay.data}
        try:
            self.client._simulate(call)
        except ChainUnavailable:
            return  # try again when the node is back
        except RegistryError as exc:
            # No longer possible: either one of its own transactions was mined just now (its signature is used)
            # or it never will be (expired, the state changed). A transaction of it left in the pool would
            # fail, so it is not followed further.
            if not self._settle_if_mined(relay):
                self._drop(relay, exc)
            return
        if raw is not None:
            self._rebroadcast(relay, raw)
            return
        if self.account is None:
            return  # relayed by an instance with a key; this one has none to send it with
        first_free = self.w3.eth.get_transaction_count(self.account.address, "latest")
        log.warning("relay %s: no receipt after %.0f s, sending again on nonce %d", relay.id, RESEND_AFTER,
                    first_free)
        try:
            self._send(relay, nonce=first_free)
        except RegistryError as exc:
            log.warning("relay %s: could not send again: %s", relay.id, exc)
            relay.sent_at = time.time()  # and try again later
            relay.touch()

    def _settle_if_mined(self, relay: Relay) -> bool:
        receipts = self._receipts(relay.tx_hashes)
        found = next((receipts[h] for h in reversed(relay.tx_hashes) if receipts.get(h)), None)
        if found is not None:
            self._settle(relay, found)
        return found is not None

    def _rebroadcast(self, relay: Relay, raw: bytes) -> None:
        """A forwarded transaction that waited too long or was orphaned, sent again as its sender signed it (the
        API cannot sign another). If its nonce was used by another of the sender's transactions, it is dropped."""
        relay.sent_at = time.time()
        relay.touch()
        try:
            self.w3.eth.send_raw_transaction(raw)
        except Exception as exc:  # noqa: BLE001
            if _unreachable(exc):
                return
            message = _rpc_message(exc)
            if any(known in message.lower() for known in _ALREADY_SENT):
                return
            if "nonce too low" in message.lower() and not self._settle_if_mined(relay):
                self._drop(relay, ChainError(
                    f"The sender {relay.sender} used this transaction's nonce for another transaction, so it can no "
                    "longer be mined."))
                return
            log.warning("relay %s: could not broadcast the transaction again: %s", relay.id, message)
            return
        relay.attempts += 1
        log.warning("relay %s: no receipt after %.0f s, broadcast the transaction again", relay.id, RESEND_AFTER)

    def _receipts(self, hashes: list[str]) -> dict[str, dict[str, Any] | None]:
        """The receipts of many transactions in one JSON-RPC batch request."""
        if not hashes:
            return {}
        receipts = self.client.chain.rpc.batch([("eth_getTransactionReceipt", [h]) for h in hashes],
                                               allow_errors=True)
        return dict(zip(hashes, receipts))

    def _forget_oldest(self) -> None:
        while len(self._relays) > MAX_REMEMBERED:
            oldest = next((k for k, r in self._relays.items() if r.status != PENDING), None)
            if oldest is None:
                return
            del self._relays[oldest]


__all__ = ["DROPPED", "FAILED", "MINED", "PENDING", "RAW", "RELAY", "Relay", "Relayer"]
