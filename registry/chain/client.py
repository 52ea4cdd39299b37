"""Chain client: builds, signs (locally, with the user's own key) and sends registry transactions, waits for
receipts, and turns the contract's refusals into readable errors before anything is sent.
"""
from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, cast

from eth_abi import encode
from eth_abi.exceptions import EncodingError
from eth_account._utils.signing import sign_transaction_dict
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress, HexStr
from eth_utils import function_signature_to_4byte_selector, keccak
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import (
    ContractCustomError,
    ContractLogicError,
    TransactionNotFound,
    Web3ValidationError,
)
from web3.middleware import ExtraDataToPOAMiddleware
from web3.providers.base import JSONBaseProvider
from web3.types import RPCEndpoint, RPCResponse, TxParams

from registry.chain.abi import canonical_type, load_abi
from registry.chain.encoding import encoder
from registry.chain.errors import decode_revert, primary_term_ended
from registry.chain.events import DecodedEvent, decode_log
from registry.chain.operations import Forward, Operation, Register
from registry.chain.rpc import Rpc, RpcError, public_url
from registry.chain.types import Registration, asset_id_hex, checksum
from registry.config import Deployment, Settings
from registry.errors import ChainError, ChainUnavailable, ConfigurationError, ContractRevert, ValidationError


@cache
def _register_batch_abi() -> tuple[bytes, Callable[[Any], bytes]]:
    """registerBatch's selector and its argument's encoder, from the argument's type read from the ABI: written
    out by hand it fell behind when issue 21 added a field to Registration, and register_many failed to encode
    any batch."""
    function = next(f for f in load_abi("DataRegistry") if f.get("type") == "function" and f["name"] == "registerBatch")
    (argument,) = [canonical_type(p) for p in function["inputs"]]
    return function_signature_to_4byte_selector(f"registerBatch({argument})"), encoder(argument)


def asset_id_of(registrant: str, content_hash: bytes) -> str:
    """The asset id the contract derives: keccak256(abi.encode(registrant, contentHash))."""
    return "0x" + keccak(encode(["address", "bytes32"], [registrant, content_hash])).hex()


class TransportProvider(JSONBaseProvider):
    """web3's provider over the package's one JSON-RPC transport (registry.chain.rpc): web3 builds and
    encodes contract calls, the transport carries them, with the same keep-alive, retries and errors as
    every other call to the node."""

    def __init__(self, rpc: Rpc) -> None:
        super().__init__()
        self.rpc = rpc

    # web3's provider interface; its RPCResponse is a TypedDict of the JSON-RPC answer the transport returns.
    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        return cast(RPCResponse, self.rpc.request(method, list(params or [])))

    def make_batch_request(self, requests: list[tuple[RPCEndpoint, Any]]) -> list[RPCResponse] | RPCResponse:
        return cast(list[RPCResponse],
                    self.rpc.batch_request([(method, list(params or [])) for method, params in requests]))


def connect(rpc: Rpc) -> Web3:
    """web3 over `rpc`, accepting proof-of-authority blocks: QBFT, IBFT and Clique put 97 bytes or more of
    extraData in every header, which web3's block formatter refuses without this middleware."""
    w3 = Web3(TransportProvider(rpc))
    w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
    return w3


GWEI = 10**9


def fee_fields(rpc: Rpc) -> dict[str, int]:
    """The fee fields of a transaction for the node's network (prices only: eth_account infers the type from
    them, and a replacement multiplies them all), read from it in one batch: EIP-1559 fees when
    blocks carry a base fee (a tip of what the node suggests above it, at most 1 gwei, and room for the base
    fee to double), a legacy gas price otherwise; both are 0 on the zero-gas-price networks consortium chains
    often run, where accounts may hold no ether at all."""
    block, gas_price = rpc.batch([("eth_getBlockByNumber", ["latest", False]), ("eth_gasPrice", [])])
    gas_price = int(gas_price, 16)
    if block.get("baseFeePerGas") is None:
        return {"gasPrice": gas_price}  # eth_account signs a legacy transaction
    base_fee = int(block["baseFeePerGas"], 16)
    tip = min(max(gas_price - base_fee, 0), GWEI) if gas_price else 0
    return {"maxPriorityFeePerGas": tip, "maxFeePerGas": 2 * base_fee + tip}  # an EIP-1559 (type 2) one


def poll_receipt(rpc: Rpc, tx_hash: str, timeout: float, through_outages: bool = False) -> dict[str, Any]:
    """The receipt of a sent transaction (see poll_receipts)."""
    return next(poll_receipts(rpc, [tx_hash], timeout, through_outages))


# Receipts asked for in one JSON-RPC batch: those of the next transactions still without one. More would mostly
# ask for receipts not yet there (a node mines a sender's transactions in nonce order).
RECEIPTS_PER_POLL = 20


def poll_receipts(rpc: Rpc, tx_hashes: Sequence[str], timeout: float,
                  through_outages: bool = False) -> Iterator[dict[str, Any]]:
    """The receipts of sent transactions, in their order, each as soon as it and those before it are in (the
    caller decodes one while the node mines the next): asked for every 10 ms, up to RECEIPTS_PER_POLL in a
    batch, each until `timeout` after the one before it. A node that cannot be reached raises
    ChainUnavailable, or with `through_outages` is asked again until the timeout (the transactions were sent;
    only their receipts are late)."""
    found: dict[int, dict[str, Any]] = {}
    for i, tx_hash in enumerate(tx_hashes):
        deadline = time.monotonic() + timeout
        while i not in found:
            asked = [j for j in range(i, min(i + RECEIPTS_PER_POLL, len(tx_hashes))) if j not in found]
            try:
                receipts: list[dict[str, Any] | None] = (
                    [rpc.call("eth_getTransactionReceipt", [tx_hash])] if len(asked) == 1 else
                    rpc.batch([("eth_getTransactionReceipt", [tx_hashes[j]]) for j in asked]))
            except ChainUnavailable:
                if not through_outages or time.monotonic() > deadline:
                    raise
                receipts = []
            except ChainError as exc:
                raise ChainError(f"No receipt for transaction {tx_hash}: {exc}") from exc
            found.update((j, receipt) for j, receipt in zip(asked, receipts) if receipt)
            if i in found:
                break
            if time.monotonic() > deadline:
                raise ChainError(f"No receipt for transaction {tx_hash} after {timeout:.0f} s; it may still be "
                                 "pending: look it up by its hash later.")
            time.sleep(0.01)
        yield found.pop(i)


@dataclass(frozen=True)
class TxResult:
    tx_hash: str
    block_number: int
    block_hash: str
    gas_used: int
    events: list[DecodedEvent] = field(default_factory=list)

    @property
    def asset_ids(self) -> list[str]:
        return [e.args["assetId"] for e in self.events if e.name == "AssetRegistered"]


@dataclass(frozen=True)
class SignedOperation:
    """An operation signed offline by the party it acts for, ready for anyone to relay."""

    operation: Operation
    signer: str
    deadline: int
    nonce: int
    signature: bytes
    typed_data: dict[str, Any]


class Chain:
    """A connection to an EVM JSON-RPC node and the deployed registry contract."""

    def __init__(self, rpc_url: str, deployment: Deployment, timeout: float = 30.0) -> None:
        self.rpc_url = rpc_url
        self.timeout = timeout
        self.deployment = deployment
        self.rpc = Rpc(rpc_url, timeout=timeout, chain_id=deployment.chain_id)
        self.w3 = connect(self.rpc)
        self.contracts = {
            name: self.w3.eth.contract(address=Web3.to_checksum_address(address), abi=load_abi(name))
            for name, address in deployment.contracts.items()
        }
        self.registry = self.contracts["DataRegistry"]

    @classmethod
    def from_settings(cls, settings: Settings) -> "Chain":
        return cls(settings.rpc_url, Deployment.load(settings.deployment_file))

    @property
    def chain_id(self) -> int:
        return self.deployment.chain_id

    def latest_block(self) -> dict[str, Any]:
        """The head block's header as the node sends it (hex quantities; any extraData length)."""
        block: dict[str, Any] = self.rpc.call("eth_getBlockByNumber", ["latest", False])
        return block

    def check(self) -> None:
        """Fail early, and clearly, when the node is unreachable or is not the chain we deployed on."""
        try:
            actual = int(self.rpc.call("eth_chainId"), 16)
        except ChainUnavailable as exc:
            raise ChainUnavailable(
                f"Cannot reach the chain node at '{self.rpc_url}': {exc.__cause__ or exc}. Start it (`make run` "
                "starts anvil) or set DATAREG_RPC_URL."
            ) from exc
        if actual != self.chain_id:
            raise ChainError(
                f"The node at '{self.rpc_url}' is chain {actual}, but the registry was deployed on chain "
                f"{self.chain_id}. Point DATAREG_RPC_URL at the right node or redeploy."
            )


class RegistryClient:
    """Reads and writes the DataRegistry contract. Keys stay with the caller: transactions are signed here,
    in the caller's process, and only signed bytes leave it."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        self.w3 = chain.w3
        self.contract = chain.registry
        self._nonces: dict[str, int] = {}

    # ─────────────────────────────── views ───────────────────────────────

    def get_asset(self, asset_id: str) -> dict[str, Any]:
        view = self._call(self.contract.functions.getAsset(bytes.fromhex(asset_id_hex(asset_id)[2:])))
        (registrant, status, classification, attributes, version, right_count, frozen, pledges, freezes,
         changed_content) = view
        return {
            "registrant": registrant,
            "status": status,
            "classification": classification,
            "attributes": attributes,
            "version": version,
            "right_count": right_count,
            "frozen": frozen,
            "active_pledges": pledges,
            "active_freezes": freezes,
            # The current data after a change registration replaced it; None while it is the registered data.
            "changed_content_hash": "0x" + bytes(changed_content).hex() if any(changed_content) else None,
        }

    def get_right(self, asset_id: str, right_index: int) -> dict[str, Any]:
        view = self._call(self.contract.functions.getRight(bytes.fromhex(asset_id_hex(asset_id)[2:]), right_index))
        holder, kind, parent, valid_from, valid_until, revoked, sub_grantable, transferable, pending = view
        return {
            "holder": holder,
            "kind": kind,
            "parent_index": parent,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "revoked": revoked,
            "sub_grantable": sub_grantable,
            "transferable": transferable,
            "pending": pending,
        }

    def right_validity(self, asset_id: str, right_index: int) -> tuple[int, int]:
        return tuple(
            self._call(self.contract.functions.rightValidity(bytes.fromhex(asset_id_hex(asset_id)[2:]), right_index))
        )

    def nonce_of(self, signer: str) -> int:
        nonce: int = self._call(self.contract.functions.nonces(checksum(signer)))
        return nonce

    # ─────────────────────────────── writes ───────────────────────────────

    def _contract_of(self, operation: Operation) -> Contract:
        try:
            return self.chain.contracts[operation.contract]
        except KeyError:
            raise ConfigurationError(
                f"The deployment has no {operation.contract}; redeploy with the current contracts."
            ) from None

    def execute(self, operation: Operation, account: LocalAccount) -> TxResult:
        """Runs an operation as the account's own transaction, signed here."""
        fn = getattr(self._contract_of(operation).functions, _function_name(operation, operation.function))
        return self._transact(fn(*operation.args()), account)

    def register(self, registration: Registration, account: LocalAccount) -> TxResult:
        return self.execute(Register(registration), account)

    def register_batch(self, registrations: Sequence[Registration], account: LocalAccount) -> TxResult:
        return self._transact(
            self.contract.functions.registerBatch([r.as_abi() for r in registrations]), account
        )

    def register_many(
        self, registrations: Sequence[Registration], account: LocalAccount, per_transaction: int = 100
    ) -> list[TxResult]:
        """The bulk write path: registrations in batches of `per_transaction`, every transaction signed here
        with locally counted nonces and sent as soon as it is signed (the node mines one while the next is
        signed), then their receipts collected, up to RECEIPTS_PER_POLL in a JSON-RPC batch. One gas estimate
        per batch size (the shape, not the content, decides the cost) and no other round trips.
        Every batch is encoded before anything is sent: a registration that cannot be encoded sends nothing."""
        batches = [registrations[i:i + per_transaction] for i in range(0, len(registrations), per_transaction)]
        if not batches:
            return []
        # A compiled encoder (registry/chain/encoding.py): web3's argument normalisation, then eth_abi's
        # validation, cost more per asset than the chain's work.
        selector, encode = _register_batch_abi()

        def call_data(batch: Sequence[Registration]) -> bytes:
            return selector + encode([r.as_abi() for r in batch])

        to = self.contract.address
        first = call_data(batches[0])
        gas = self._simulate({"from": account.address, "to": to, "data": HexStr("0x" + first.hex())})
        fees = fee_fields(self.chain.rpc)
        data = [first, *(call_data(batch) for batch in batches[1:])]
        hashes = []
        for batch, call in zip(batches, data):
            nonce = self._next_nonce(account.address)
            self._nonces[account.address] = nonce + 1
            tx: dict[str, Any] = {"chainId": self.chain.chain_id, "nonce": nonce, "to": to, "value": 0, **fees,
                  "data": call, "gas": gas * len(batch) // len(batches[0]) * 6 // 5 + 50_000}
            # One at a time and in nonce order: a JSON-RPC batch may be processed out of order by the node.
            try:
                hashes.append(_hex(self.w3.eth.send_raw_transaction(_signed(account, tx))))
            except Exception as exc:  # noqa: BLE001
                self._nonces.pop(account.address, None)
                raise ChainError(f"The node refused a batch of registrations: {_rpc_message(exc)}.") from exc
        return self.wait_all(hashes)

    def sign(
        self, operation: Operation, account: LocalAccount, deadline: int | None = None, ttl: int = 3600,
        nonce: int | None = None,
    ) -> SignedOperation:
        """Signs an operation as EIP-712 typed data with the acting party's key, for someone else to relay.
        `nonce` is for an operation with an unordered nonce (a listing consent's id): picked at random when not
        given, so consents signed in parallel, anywhere, do not collide."""
        if deadline is None:
            # Judged by block time, which on a test chain can run ahead of the wall clock.
            deadline = max(int(time.time()), int(self.chain.latest_block()["timestamp"], 16)) + ttl
        contract = self._contract_of(operation)
        if operation.unordered_nonce:
            nonce = secrets.randbits(64) if nonce is None else nonce
        else:
            nonce = contract.functions.nonces(account.address).call() if operation.nonced else 0
        typed = operation.typed_data(account.address, nonce, deadline, self.chain.chain_id, contract.address)
        signature = account.sign_message(encode_typed_data(full_message=typed)).signature
        return SignedOperation(operation, account.address, deadline, nonce, bytes(signature), typed)

    def sign_forwarded(
        self, operation: Operation, account: LocalAccount, deadline: int | None = None, ttl: int = 3600
    ) -> SignedOperation:
        """Signs any operation as an ERC-2771 ForwardRequest, after checking (by running it as the signer)
        that it would succeed: a refusal comes back now, with the contract's reason, not at relay time."""
        contract = self._contract_of(operation)
        function = getattr(contract.functions, _function_name(operation, operation.function))
        data = function(*operation.args())._encode_transaction_data()
        gas = self._simulate({"from": account.address, "to": contract.address, "data": data})
        return self.sign(Forward(contract.address, bytes.fromhex(data[2:]), gas * 6 // 5 + 20_000), account,
                         deadline, ttl)

    def relay(
        self, operation: Operation, signer: str, deadline: int, signature: bytes, relayer: LocalAccount
    ) -> TxResult:
        """Submits an operation its party signed and waits for it; `relayer` pays the gas and gains nothing
        else. (The API sends through registry/chain/relayer.py, which follows many at once.)"""
        return self._transact(self.relay_call(operation, signer, deadline, signature), relayer)

    def relay_call(self, operation: Operation, signer: str, deadline: int, signature: bytes) -> Any:
        """The contract call that carries out an operation its party signed, for a relayer to send (see
        registry/chain/relayer.py); a forwarded call to anything but the registry's contracts, or values that
        do not fit their types, are refused here."""
        if isinstance(operation, Forward):
            # The relayer pays only for calls to the registry's own contracts, never for the forwarder itself
            # or anything else the signer names.
            targets = {c.address for name, c in self.chain.contracts.items() if name != "Forwarder"}
            if operation.target not in targets:
                raise ValidationError(
                    f"The forwarded call is addressed to '{operation.target}', not to one of the registry's "
                    f"contracts ({', '.join(sorted(targets))}); only calls to the registry are relayed."
                )
            # The forwarder hides the target's reason for a failure; running the call as the signer shows it.
            self._simulate({"from": checksum(signer, "signer"), "to": operation.target, "data": operation.data})
        fn = getattr(self._contract_of(operation).functions, _function_name(operation, operation.by_sig_function))
        try:
            call = fn(*operation.by_sig_args(checksum(signer, "signer"), deadline, signature))
            call._encode_transaction_data()
        except (Web3ValidationError, EncodingError, TypeError, OverflowError) as exc:
            # A value out of its Solidity type's range that the operation's own checks let through.
            raise ValidationError(
                f"The {operation.name} operation cannot be encoded for the contract: {str(exc).splitlines()[0]}. "
                "Check that each number fits its type (see the API docs) and the deadline is a Unix time."
            ) from None
        return call

    def send_raw_transaction(self, raw: bytes) -> TxResult:
        """Sends a transaction signed elsewhere, after checking it is a call to this registry that would
        succeed: a transaction that would revert is refused with the contract's reason and never sent."""
        self.check_raw_transaction(raw)
        try:
            tx_hash = self.w3.eth.send_raw_transaction(raw)
        except Exception as exc:  # noqa: BLE001
            if _unreachable(exc):
                raise self._down(exc, "the transaction may or may not have been sent") from exc
            raise ChainError(f"The node refused the transaction: {_rpc_message(exc)}.") from exc
        return self.wait(tx_hash)

    def check_raw_transaction(self, raw: bytes) -> tuple[str, str]:
        """(sender, contract) of a transaction signed elsewhere, after checking it is a call to one of this
        registry's contracts on this chain that would succeed; otherwise a ValidationError or the contract's
        reason, and nothing is sent."""
        from eth_account import Account

        try:
            sender = Account.recover_transaction(raw)
            decoded = _decode_raw(raw)
        except Exception as exc:  # noqa: BLE001
            raise ValidationError(
                f"The transaction could not be decoded: {exc}. Send the signed raw transaction as 0x-prefixed hex."
            ) from exc
        ours = {c.address for c in self.chain.contracts.values()}
        target = Web3.to_checksum_address(decoded["to"]) if decoded["to"] else None
        if target not in ours:
            raise ValidationError(
                f"The transaction is addressed to '{decoded['to']}', not to one of the registry's contracts "
                f"({', '.join(sorted(ours))}); only calls to the registry are accepted."
            )
        if decoded["chain_id"] not in (None, self.chain.chain_id):
            raise ValidationError(
                f"The transaction was signed for chain {decoded['chain_id']}, but this registry is on chain "
                f"{self.chain.chain_id}. Sign it again for chain {self.chain.chain_id}."
            )
        self._simulate({"from": sender, "to": target, "data": decoded["data"], "value": decoded["value"]})
        return sender, target

    def wait(self, tx_hash: bytes | str, timeout: float = 60.0) -> TxResult:
        """Polls for the receipt every 10 ms and decodes it with the registry's own decoder (web3's receipt
        formatting cost more than the chain's work for a batch of registrations)."""
        return self.wait_all([_hex(tx_hash)], timeout)[0]

    def wait_all(self, tx_hashes: Sequence[str], timeout: float = 60.0) -> list[TxResult]:
        """`wait` for each of these transactions in turn (poll_receipts), the first failed one raising."""
        results: list[TxResult] = []
        try:
            for receipt in poll_receipts(self.chain.rpc, tx_hashes, timeout):
                results.append(self.result_of(receipt))
        except ChainUnavailable as exc:
            raise self._down(exc, f"transaction {tx_hashes[len(results)]} was sent and may still be included in "
                                  "a block: look it up by its hash when the node is back") from exc
        return results

    def result_of(self, receipt: dict[str, Any]) -> TxResult:
        """A receipt as JSON-RPC gives it, decoded with the registry's own decoder; a failed transaction raises
        the contract's reason."""
        tx_hash = receipt["transactionHash"]
        summary = {"transactionHash": tx_hash, "blockNumber": int(receipt["blockNumber"], 16),
                   "gasUsed": int(receipt["gasUsed"], 16)}
        if int(receipt["status"], 16) != 1:
            raise self._revert_reason(summary)
        events = [e for e in (decode_log(log) for log in receipt["logs"]) if e is not None]
        return TxResult(
            tx_hash=tx_hash,
            block_number=summary["blockNumber"],
            block_hash=receipt["blockHash"],
            gas_used=summary["gasUsed"],
            events=events,
        )

    # ─────────────────────────────── internals ───────────────────────────────

    def _down(self, exc: Exception, what: str) -> ChainUnavailable:
        cause = exc.__cause__ if isinstance(exc, ChainUnavailable) and exc.__cause__ else exc
        reason = str(cause).split("Caused by ")[-1][:200] or type(cause).__name__
        return ChainUnavailable(
            f"The chain node at '{public_url(self.chain.rpc_url)}' cannot be reached ({reason}); {what}. Try again "
            "when it is back: GET /v1/status shows whether it is reachable."
        )

    def _call(self, fn: Any) -> Any:
        try:
            return fn.call()
        except (ContractCustomError, ContractLogicError) as exc:
            raise decode_revert(_revert_data(exc)) from None
        except Exception as exc:  # noqa: BLE001
            if _unreachable(exc):
                raise self._down(exc, "nothing could be read from the registry") from exc
            raise ChainError(f"Cannot read from the registry at '{self.chain.rpc_url}': {exc}.") from exc

    def next_block_time(self) -> int:
        """When the transaction sent now will be mined, at the earliest: the node's pending block or the wall
        clock, whichever is later (an idle development chain's latest block can be minutes old)."""
        pending = self.chain.rpc.call("eth_getBlockByNumber", ["pending", False])
        return max(int(pending["timestamp"], 16), int(time.time()))

    def _simulate(self, tx: dict[str, Any]) -> int:
        try:
            return self._estimate(tx)
        except ContractRevert as exc:
            raise self._explained(exc) from None

    def _explained(self, error: ContractRevert) -> ContractRevert:
        """The contract's error, told more exactly where its arguments alone cannot: RightExpired names the
        failing right, which is a grant (renewed by its grantor) or a primary right past the term of the
        rights configuration (which has no grantor); the right's own record says which."""
        if error.error_name != "RightExpired":
            return error
        try:
            right = self.get_right(error.error_args["assetId"], error.error_args["rightIndex"])
        except ChainError:
            return error  # the refusal stands as decoded
        return primary_term_ended(error, right["kind"]) if right["parent_index"] == 0 else error

    def _estimate(self, tx: dict[str, Any]) -> int:
        """Estimates gas, which runs the call: a refusal surfaces here, with its custom error, before sending.
        It runs at the time the transaction will be mined (a block-time override), so a step gated on time
        (the end of publicity, a deadline, a term) is judged as the chain will judge it: nothing that will
        revert is sent, and nothing that will pass is refused because the last block is old."""
        try:
            call = {"from": tx["from"], "to": tx["to"], "data": tx["data"]}
            return int(self.chain.rpc.call("eth_estimateGas",
                                           [call, "latest", None, {"time": hex(self.next_block_time())}]), 16)
        except RpcError:
            pass  # a node without block overrides: judged at its latest block below
        except ContractRevert:
            raise
        except Exception as exc:  # noqa: BLE001
            if _unreachable(exc):
                raise self._down(exc, "nothing was sent") from exc
        try:
            return self.w3.eth.estimate_gas(cast(TxParams, tx))
        except (ContractCustomError, ContractLogicError) as exc:
            raise decode_revert(_revert_data(exc)) from None
        except Exception as exc:  # noqa: BLE001
            if _unreachable(exc):
                raise self._down(exc, "nothing was sent") from exc
            raise ChainError(f"The node could not run the transaction: {_rpc_message(exc)}.") from exc

    def _transact(self, fn: Any, account: LocalAccount) -> TxResult:
        sender = account.address
        tx: dict[str, Any] = {"from": sender, "to": fn.address, "data": fn._encode_transaction_data()}
        gas = self._simulate(tx)
        try:
            fees = fee_fields(self.chain.rpc)
            nonce = self._next_nonce(sender)
        except Exception as exc:  # noqa: BLE001
            if _unreachable(exc):
                raise self._down(exc, "nothing was sent") from exc
            raise ChainError(f"The node could not prepare the transaction: {_rpc_message(exc)}.") from exc
        tx.update(
            {
                "chainId": self.chain.chain_id,
                "nonce": nonce,
                # 20% headroom: estimates can be short when state changes between estimate and inclusion.
                "gas": gas * 6 // 5 + 10_000,
                "value": 0,
                **fees,
            }
        )
        tx.pop("from")
        for attempt in (1, 2):
            signed = account.sign_transaction(tx)
            try:
                tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
                break
            except Exception as exc:  # noqa: BLE001
                self._nonces.pop(sender, None)  # resynchronise from the node next time
                if _unreachable(exc):
                    raise self._down(exc, "the transaction may or may not have been sent") from exc
                if attempt == 1 and "nonce too low" in _rpc_message(exc).lower():
                    # The same key sent a transaction from elsewhere (another `datareg`, a wallet) since the
                    # nonce was cached: this one was refused, so it is signed again with the node's count.
                    tx["nonce"] = self._next_nonce(sender)
                    continue
                raise ChainError(f"The node refused the transaction: {_rpc_message(exc)}.") from exc
        self._nonces[sender] = tx["nonce"] + 1
        return self.wait(tx_hash)

    def _next_nonce(self, sender: ChecksumAddress) -> int:
        """Local nonce tracking: no round trip per transaction, and back-to-back sends do not collide."""
        if sender not in self._nonces:
            self._nonces[sender] = self.w3.eth.get_transaction_count(sender, "pending")
        return self._nonces[sender]

    def _revert_reason(self, receipt: dict[str, Any]) -> ChainError:
        """A mined transaction that failed: replay it at its block to recover the contract's error."""
        try:
            tx = self.w3.eth.get_transaction(receipt["transactionHash"])
            self.w3.eth.call(
                {"from": tx["from"], "to": tx["to"], "data": tx["input"], "value": tx["value"]},
                receipt["blockNumber"] - 1,
            )
        except (ContractCustomError, ContractLogicError) as exc:
            return decode_revert(_revert_data(exc))
        except TransactionNotFound:
            pass
        except Exception:  # noqa: BLE001 - the failure itself is what matters; the reason is a bonus
            pass
        return ChainError(
            f"Transaction {_hex(receipt['transactionHash'])} failed in block {receipt['blockNumber']} "
            f"(gas used {receipt['gasUsed']})."
        )


def _signed(account: LocalAccount, tx: dict[str, Any]) -> bytes:
    """The raw signed transaction, as account.sign_transaction makes it, with the account's own key object:
    eth_account's public call rebuilds the key from its bytes for every transaction, deriving the public key
    again, a second elliptic-curve multiplication as costly as the signature's (without coincurve)."""
    return sign_transaction_dict(account._key_obj, tx)[3]


def _function_name(operation: Operation, name: str | None) -> str:
    """The contract function an operation is sent with (`function` or `by_sig_function`). An operation without
    one could not be sent this way: getattr refused None with a TypeError before, as it does here."""
    if name is None:
        raise TypeError(f"The {operation.name} operation has no contract function to be sent this way.")
    return name


def _revert_data(exc: ContractLogicError) -> str | None:
    """A refusal's revert data. web3 types it `str | dict` for OffchainLookup (EIP-3668 CCIP read), which the
    registry's contracts never raise."""
    return cast("str | None", exc.data)


def _decode_raw(raw: bytes) -> dict[str, Any]:
    import rlp
    from eth_account.typed_transactions import TypedTransaction
    from hexbytes import HexBytes

    if raw[0] < 0x7F:  # typed transaction (EIP-2718)
        tx = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
        return {
            "to": _hex(tx["to"]) if tx.get("to") else None,
            "data": _hex(tx.get("data", b"")),
            "value": tx.get("value", 0),
            "chain_id": tx.get("chainId"),
        }
    nonce, gas_price, gas, to, value, data, v, r, s = rlp.decode(raw)
    v = int.from_bytes(v, "big")
    return {
        "to": _hex(to) if to else None,
        "data": _hex(data),
        "value": int.from_bytes(value, "big"),
        "chain_id": (v - 35) // 2 if v >= 35 else None,
    }


def _hex(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    return str(value) if str(value).startswith("0x") else "0x" + str(value)


def _unreachable(exc: BaseException) -> bool:
    """Whether an error means the node cannot be reached (refused, reset, timed out), as opposed to an
    answer from it."""
    return isinstance(exc, (ChainUnavailable, ConnectionError, TimeoutError))


def _rpc_message(exc: Exception) -> str:
    if exc.args and isinstance(exc.args[0], dict) and "message" in exc.args[0]:
        message: str = exc.args[0]["message"]
        return message
    return str(exc)
