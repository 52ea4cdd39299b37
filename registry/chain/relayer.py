"""The API's relayer: sends the transactions that carry operations their parties signed, paying the gas with
its own key, and follows each one until it is mined for good.

One lock serialises choosing a nonce and sending, and the nonce is always the node's count of the relayer's
pending transactions, never a number remembered here: a transaction that was dropped, or orphaned by a reorg,
leaves no gap that wedges every later one. A monitor thread follows every relay: it collects receipts, notices
a mined transaction that a reorg removed, and sends again (with higher fees, on the first free nonce) an
operation that waited too long or was orphaned, as long as the chain would still carry it out. So a relay is
`failed` only when the chain executed and refused it, and `dropped` only when it can no longer be mined.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from eth_account.signers.local import LocalAccount

from registry.chain.client import RegistryClient, TxResult, _rpc_message, _unreachable, fee_fields
from registry.errors import ChainError, ChainUnavailable, RegistryError

log = logging.getLogger("datareg.relayer")

PENDING, MINED, DROPPED, FAILED = "pending", "mined", "dropped", "failed"
#: How long a relay may wait without a receipt before it is sent again.
RESEND_AFTER = 12.0
#: A mined relay is watched this many blocks deep for a reorg that removes it.
WATCH_BLOCKS = 64
#: Relays remembered for GET /v1/relay/{id}, the oldest settled ones forgotten first.
MAX_REMEMBERED = 100_000
#: Messages from the node that mean the nonce just chosen is taken: choose again.
_NONCE_TAKEN = ("nonce too low", "already known", "replacement transaction underpriced", "nonce has already been used",
                "known transaction")


@dataclass
class Relay:
    """One relayed operation and every transaction sent for it (more than one if it was sent again)."""

    id: str
    operation: str
    signer: str
    to: str
    data: str
    gas: int
    status: str = PENDING
    tx_hashes: list[str] = field(default_factory=list)
    nonce: int | None = None
    sent_at: float = 0.0
    attempts: int = 0
    result: TxResult | None = None
    error: RegistryError | None = None
    final: bool = False  # mined and deeper than WATCH_BLOCKS: no reorg is looked for any more
    settled: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def tx_hash(self) -> str | None:
        return self.result.tx_hash if self.result else (self.tx_hashes[-1] if self.tx_hashes else None)


class Relayer:
    def __init__(self, client: RegistryClient, account: LocalAccount, poll: float = 0.05) -> None:
        self.client = client
        self.w3 = client.w3
        self.account = account
        self.poll = poll
        self._send_lock = threading.Lock()  # the one lock: a nonce is chosen and used under it
        self._relays: OrderedDict[str, Relay] = OrderedDict()
        self._relays_lock = threading.Lock()
        self._wake = threading.Event()
        self._monitor: threading.Thread | None = None
        self._closed = threading.Event()  # set when the app shuts down: the monitor stops following
        self._fees_value: dict[str, int] = {}
        self._fees_at = float("-inf")

    # ─────────────────────────────── submitting ───────────────────────────────

    def submit(self, call, operation: str, signer: str) -> Relay:
        """Checks that the call would succeed (a refusal raises here, with the contract's reason, and nothing
        is sent), sends it and starts following it. Raises ChainUnavailable or ChainError only when nothing
        was sent."""
        tx = {"from": self.account.address, "to": call.address, "data": call._encode_transaction_data()}
        gas = self.client._simulate(tx)
        relay = Relay(id=uuid.uuid4().hex, operation=operation, signer=signer, to=tx["to"], data=tx["data"],
                      gas=gas * 6 // 5 + 10_000)  # headroom: state can change between estimate and inclusion
        self._send(relay)
        with self._relays_lock:
            self._relays[relay.id] = relay
            self._forget_oldest()
        self._ensure_monitor()
        self._wake.set()
        return relay

    def get(self, relay_id: str) -> Relay | None:
        with self._relays_lock:
            return self._relays.get(relay_id)

    def _send(self, relay: Relay, nonce: int | None = None) -> None:
        """Signs and sends the relay's call on the node's next free nonce (or `nonce`, to replace a stuck
        transaction), with fees raised on every attempt so that a replacement is accepted."""
        with self._send_lock:
            for _ in range(5):
                try:
                    chosen = nonce if nonce is not None else self._rpc_int(
                        "eth_getTransactionCount", [self.account.address, "pending"])
                    fees = self._fees()
                except Exception as exc:  # noqa: BLE001
                    if _unreachable(exc):
                        raise self.client._down(exc, "nothing was sent") from exc
                    raise ChainError(f"The node could not prepare the transaction: {_rpc_message(exc)}.") from exc
                bump = 2 ** relay.attempts  # a replacement must pay at least 10% more than what it replaces
                signed = self.account.sign_transaction({
                    "chainId": self.client.chain.chain_id, "nonce": chosen, "to": relay.to, "data": relay.data,
                    "gas": relay.gas, "value": 0, **{name: value * bump for name, value in fees.items()}})
                try:
                    tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
                except Exception as exc:  # noqa: BLE001
                    if _unreachable(exc):
                        raise self.client._down(exc, "the transaction may or may not have been sent") from exc
                    message = _rpc_message(exc)
                    if any(taken in message.lower() for taken in _NONCE_TAKEN):
                        relay.attempts += 1
                        nonce = None  # taken meanwhile (another process with this key, a replaced one): recount
                        continue
                    raise ChainError(f"The node refused the transaction: {message}.") from exc
                relay.tx_hashes.append("0x" + bytes(tx_hash).hex())
                relay.nonce, relay.sent_at = chosen, time.monotonic()
                relay.attempts += 1
                return
            raise ChainError("The node refused the relayer's transaction five times as a nonce already used; "
                             "try again.")

    def _rpc_int(self, method: str, params: list) -> int:
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

    # ─────────────────────────────── following ───────────────────────────────

    def close(self) -> None:
        """Stops following the relays (the app is shutting down); what was sent may still be mined."""
        self._closed.set()
        self._wake.set()
        if self._monitor is not None:
            self._monitor.join(timeout=5)

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

    def _check(self) -> bool:
        """One look at every relay not yet final; whether some are pending."""
        with self._relays_lock:
            pending = [r for r in self._relays.values() if r.status == PENDING]
            mined = [r for r in self._relays.values() if r.status == MINED and not r.final]
        if not pending and not mined:
            return False
        head = self.w3.eth.block_number
        for relay in mined:
            if head - relay.result.block_number >= WATCH_BLOCKS:
                relay.final = True  # deep enough: no longer watched
        watched = [r for r in mined if not r.final]
        hashes = [h for r in pending for h in r.tx_hashes] + [r.result.tx_hash for r in watched]
        receipts = self._receipts(hashes)
        for relay in watched:
            receipt = receipts.get(relay.result.tx_hash)
            if receipt is None or receipt["blockHash"] != relay.result.block_hash:
                # Orphaned by a reorg: pending again, and sent again at once if the chain has not carried it.
                log.warning("relay %s: transaction %s was removed by a reorg", relay.id, relay.result.tx_hash)
                relay.status, relay.result, relay.sent_at = PENDING, None, 0.0
                relay.settled.clear()
                pending.append(relay)
        for relay in pending:
            found = next((receipts[h] for h in reversed(relay.tx_hashes) if receipts.get(h)), None)
            if found is not None:
                self._settle(relay, found)
            elif time.monotonic() - relay.sent_at > RESEND_AFTER:
                self._resend(relay)
        return bool(pending)

    def _settle(self, relay: Relay, receipt: dict[str, Any]) -> None:
        try:
            relay.result = self.client.result_of(receipt)
            relay.status, relay.error = MINED, None
        except RegistryError as exc:  # mined, and refused by the contract: final
            relay.status, relay.error = FAILED, exc
        relay.settled.set()

    def _resend(self, relay: Relay) -> None:
        """Sends a relay again that has waited too long, or was orphaned: if the chain would still carry out
        the operation, on the first nonce the chain has not used (replacing whatever waits there), else it is
        dropped with the reason."""
        try:
            self.client._simulate({"from": self.account.address, "to": relay.to, "data": relay.data})
        except ChainUnavailable:
            return  # try again when the node is back
        except RegistryError as exc:
            # No longer possible: either one of its own transactions was mined just now (its signature is used)
            # or it never will be (expired, the state changed). A transaction of it left in the pool would
            # fail, so it is not followed further.
            receipts = self._receipts(relay.tx_hashes)
            found = next((receipts[h] for h in reversed(relay.tx_hashes) if receipts.get(h)), None)
            if found is not None:
                self._settle(relay, found)
                return
            relay.status, relay.error = DROPPED, exc
            relay.settled.set()
            return
        first_free = self.w3.eth.get_transaction_count(self.account.address, "latest")
        log.warning("relay %s: no receipt after %.0f s, sending again on nonce %d", relay.id, RESEND_AFTER,
                    first_free)
        try:
            self._send(relay, nonce=first_free)
        except RegistryError as exc:
            log.warning("relay %s: could not send again: %s", relay.id, exc)
            relay.sent_at = time.monotonic()  # and try again later

    def _receipts(self, hashes: list[str]) -> dict[str, dict | None]:
        """The receipts of many transactions in one JSON-RPC batch request."""
        receipts = self.client.chain.rpc.batch([("eth_getTransactionReceipt", [h]) for h in hashes],
                                               allow_errors=True)
        return dict(zip(hashes, receipts))

    def _forget_oldest(self) -> None:
        while len(self._relays) > MAX_REMEMBERED:
            oldest = next((k for k, r in self._relays.items() if r.status != PENDING), None)
            if oldest is None:
                return
            del self._relays[oldest]
