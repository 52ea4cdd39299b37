"""Deploys the registry contracts and records where they are (the deployment file).

On a real network a deployment is sixteen transactions (thirteen creations, the DataRegistry's three linked
libraries among them; two bindings of the DataRegistry and one of the pause switch) that can be interrupted
anywhere (a node that goes away, a closed laptop). With a deployment record (`record`), it is resumable and
idempotent:

- before each contract's transaction is sent, the record notes it (its nonce, the signed transaction, the
  address it will create); once mined, the contract's address and block. Each write is atomic (a temporary
  file renamed over the record), so the record is always one of its complete states;
- run again, it takes every recorded contract as deployed after checking that its address holds the build's
  runtime code, finishes a noted transaction (sent again as the same signed bytes: the node mines it once,
  or has already mined it) and deploys only what is missing: never a contract twice;
- every contract's runtime code is compared with the build's deployedBytecode, immutables masked.

The record belongs to one chain: its chain id and genesis hash are kept, and a record of another chain (a
development chain started again) is set aside and a new deployment begun.
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import rlp  # a dependency of eth-account
from eth_abi import decode, encode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import function_signature_to_4byte_selector, to_checksum_address
from web3 import Web3

from registry.chain.abi import FORGE_OUT, link, link_bytecode, load_abi, load_bytecode
from registry.chain.client import fee_fields, poll_receipt
from registry.chain.rpc import Rpc, RpcError, public_url
from registry.config import Deployment
from registry.errors import ChainError, ChainUnavailable, ConfigurationError

# The council's minimum publicity (RegistrationOffice.publicityPeriod): registrars set the end, 5 working days on
# the working-day calendar (registry/calendar.py), which is never shorter than 5 calendar days (5 working days in a
# row), so this floor never refuses a calendar-correct end. A local chain passes seconds.
DEFAULT_PUBLICITY_SECONDS = 5 * 86_400

#: The DataRegistry's linked libraries (external functions run by DELEGATECALL): deployed and recorded like the
#: contracts, but not part of the `Deployment` (nothing calls them but the DataRegistry).
LIBRARIES = ("Remarks", "Lineage", "Procedures")

#: Called as hook(event, contract name) with event "sent" (the transaction is out, not yet recorded as
#: mined) or "deployed" (recorded): the tests interrupt a deployment there.
Hook = Callable[[str, str], None]


def deploy(rpc_url: str, deployer_key: str, admin: str | None = None,
           publicity_seconds: int = DEFAULT_PUBLICITY_SECONDS, record: Path | None = None,
           hook: Hook | None = None) -> Deployment:
    """Deploys the trusted forwarder, the ParticipantRegistry (administered by `admin`: in production the
    council's multisig; by default the deployer), the DataRegistry, and the RegistrationOffice,
    AttestationRegistry, ListingRegistry, TradeRegistry and FinanceRecords that read it, and the
    RecognitionRegistry of the council's recognitions of other registries. With `record`, resumes the deployment
    that record describes (see the module's docstring)."""
    rpc = Rpc(rpc_url, timeout=30)
    try:
        chain_id = int(rpc.call("eth_chainId"), 16)
        genesis = rpc.call("eth_getBlockByNumber", ["0x0", False])["hash"]
    except ChainUnavailable as exc:
        raise ChainError(f"Cannot reach the chain node at '{public_url(rpc_url)}': {exc.__cause__ or exc}.") from exc
    account = Account.from_key(deployer_key)
    admin = to_checksum_address(admin or account.address)
    deployer = _Deployer(rpc, account, chain_id, _Record.open(record, {
        "chain_id": chain_id, "genesis": genesis, "deployer": account.address, "admin": admin,
        "publicity_seconds": publicity_seconds}), hook)
    try:
        f = deployer.contract("Forwarder")
        p = deployer.contract("ParticipantRegistry", admin, f)
        # The DataRegistry's cold code runs in linked libraries (EIP-170 size limit): the remarks, the lineage
        # check of a derived registration and the rare record procedures (the last two call the remarks' refusal).
        remarks = deployer.contract("Remarks")
        lineage = deployer.contract("Lineage", libraries={"Remarks": remarks})
        procedures = deployer.contract("Procedures", libraries={"Remarks": remarks})
        d = deployer.contract("DataRegistry", p, f,
                              libraries={"Remarks": remarks, "Lineage": lineage, "Procedures": procedures})
        office = deployer.contract("RegistrationOffice", d, p, publicity_seconds, f)
        attestations = deployer.contract("AttestationRegistry", d, p, f)
        # Listing checks certificates and compliance certifications (issue 17): deployed after what it reads.
        listings = deployer.contract("ListingRegistry", d, p, office, attestations, f)
        trades = deployer.contract("TradeRegistry", d, listings, p, f)
        finance = deployer.contract("FinanceRecords", d, p, f)  # accounting commitments, contribution and trust
        # The council's recognitions of other registries: admin writes only, never paused (not bound).
        deployer.contract("RecognitionRegistry", p, f)
        # Public-data authorised operation (issue 21): authorisations, scenarios, second-level licences.
        authorisations = deployer.contract("PublicDataAuthorisation", d, p, f)
        if admin == account.address:
            # The office commits approved change registrations and follows transfers of the holding right.
            # Another admin (the council's multisig) sends `setRegistrationOffice` itself.
            deployer.bind_office(d, office)
            # The registry asks the authorisation contract about public-data assets, and takes their binding from
            # it alone; another admin sends `setPublicDataAuthorisation` itself.
            deployer.bind_once(d, "publicDataAuthorisation()", "setPublicDataAuthorisation(address)", authorisations)
            # Each contract keeps a copy of the pause switch, which the participant registry sets (a write then
            # reads one slot of its own instead of calling the participant registry). Another admin sends
            # `bindContracts` itself; until then the contracts ask the participant registry.
            deployer.bind_pause(p, [d, listings, office, attestations, trades, finance, authorisations])
    finally:
        rpc.close()
    contracts = {name: c for name, c in deployer.record.data["contracts"].items() if name not in LIBRARIES}
    return Deployment(chain_id=chain_id, contracts={name: c["address"] for name, c in contracts.items()},
                      deploy_block=contracts["Forwarder"]["block"], deploy_tx=contracts["Forwarder"]["tx"])


class _Record:
    """The deployment record: a JSON file rewritten atomically after each step, or kept in memory only."""

    def __init__(self, path: Path | None, data: dict[str, Any]) -> None:
        self.path, self.data = path, data

    @classmethod
    def open(cls, path: Path | None, identity: dict[str, Any]) -> "_Record":
        fresh = {**identity, "contracts": {}, "pending": None}
        if path is None or not path.exists():
            return cls(path, fresh)
        try:
            data = json.loads(path.read_text())
        except ValueError as exc:
            raise ConfigurationError(f"The deployment record '{path}' is not JSON ({exc}): move it away to "
                                     "start a new deployment.") from None
        if (data.get("chain_id"), data.get("genesis")) != (identity["chain_id"], identity["genesis"]):
            # Another chain, or a development chain started again: nothing of it exists here.
            path.replace(path.with_name(path.name + ".other-chain"))
            return cls(path, fresh)
        for key in ("deployer", "admin", "publicity_seconds"):
            if data.get(key) != identity[key]:
                raise ConfigurationError(
                    f"The deployment record '{path}' was begun with {key} {data.get(key)!r}, not {identity[key]!r}: "
                    "finish it with the same settings, or move the record away to start a new deployment.")
        return cls(path, data)

    def save(self) -> None:
        if self.path is None:
            return
        temporary = self.path.with_name(self.path.name + ".tmp")
        with open(temporary, "w") as handle:
            json.dump(self.data, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(self.path)  # atomic: a reader sees the old record or the new one, never half


class _Deployer:
    """Sends the constructor transactions of one deployment from one account, with nonces counted from the
    node's and fees set for the network (EIP-1559, legacy or zero gas price: see fee_fields)."""

    def __init__(self, rpc: Rpc, account: LocalAccount, chain_id: int, record: _Record, hook: Hook | None) -> None:
        self.rpc, self.account, self.chain_id, self.record = rpc, account, chain_id, record
        self.hook = hook or (lambda event, name: None)

    def contract(self, name: str, *args: object, libraries: dict[str, str] | None = None) -> str:
        """The address of contract `name` of this deployment: recorded, finished, or deployed now."""
        contracts = self.record.data["contracts"]
        if name not in contracts:
            pending = self.record.data.get("pending")
            receipt = self._finish(pending) if pending and pending["name"] == name else None
            if receipt is None:
                receipt = self._send(name, args, libraries)
            contracts[name] = {"address": to_checksum_address(receipt["contractAddress"]),
                               "tx": receipt["transactionHash"], "block": int(receipt["blockNumber"], 16)}
            self.record.data["pending"] = None
            self.record.save()
            self.hook("deployed", name)
        address = str(contracts[name]["address"])
        verify_code(self.rpc, name, address, libraries)
        return address

    def bind_office(self, registry: str, office: str) -> None:
        """`DataRegistry.setRegistrationOffice(office)`, unless the registry already names it (a resumed
        deployment): the registry accepts it once."""
        self.bind_once(registry, "registrationOffice()", "setRegistrationOffice(address)", office)

    def bind_once(self, registry: str, getter: str, setter: str, target: str) -> None:
        """`DataRegistry.<setter>(target)`, unless `getter` already names it (a resumed deployment): the registry
        accepts each binding once."""
        selector = "0x" + function_signature_to_4byte_selector(getter).hex()
        bound = self.rpc.call("eth_call", [{"to": registry, "data": selector}, "latest"])
        current = to_checksum_address("0x" + bound[-40:])
        if current == target:
            return
        if int(current, 16):
            raise ChainError(f"The DataRegistry at {registry} is bound by {setter.split('(')[0]} to {current}, not "
                             f"{target}: this deployment cannot be finished. Move the deployment record away.")
        data = "0x" + (function_signature_to_4byte_selector(setter) + encode(["address"], [target])).hex()
        _, raw, tx_hash = self._signed(data, to=registry)
        self._broadcast(raw)
        receipt = poll_receipt(self.rpc, tx_hash, timeout=120, through_outages=True)
        if int(receipt["status"], 16) != 1:
            raise ChainError(f"DataRegistry.{setter.split('(')[0]} failed in transaction {tx_hash}.")

    def bind_pause(self, participants: str, targets: list[str]) -> None:
        """`ParticipantRegistry.bindContracts(...)` for the targets not bound yet (a resumed deployment may have
        bound them): each keeps a copy of the pause switch. Binding one twice is refused by the contract."""
        selector = "0x" + function_signature_to_4byte_selector("boundContracts()").hex()
        (bound,) = decode(["address[]"], bytes.fromhex(
            self.rpc.call("eth_call", [{"to": participants, "data": selector}, "latest"]).removeprefix("0x")))
        missing = [t for t in targets if t.lower() not in {b.lower() for b in bound}]
        if not missing:
            return
        data = "0x" + (function_signature_to_4byte_selector("bindContracts(address[])")
                       + encode(["address[]"], [missing])).hex()
        _, raw, tx_hash = self._signed(data, to=participants)
        self._broadcast(raw)
        receipt = poll_receipt(self.rpc, tx_hash, timeout=120, through_outages=True)
        if int(receipt["status"], 16) != 1:
            raise ChainError(f"ParticipantRegistry.bindContracts failed in transaction {tx_hash}.")

    def _send(self, name: str, args: tuple[object, ...], libraries: dict[str, str] | None) -> dict[str, Any]:
        # A library has no constructor and no ABI of its own in the package (its events and errors are the
        # registry's); a contract or library that uses one gets its address linked into its bytecode.
        abi = [] if name in LIBRARIES else load_abi(name)
        constructor: dict[str, Any] = next((e for e in abi if e["type"] == "constructor"), {"inputs": []})
        bytecode = link_bytecode(name, libraries) if libraries else load_bytecode(name)
        data = (bytecode if bytecode.startswith("0x") else "0x" + bytecode) \
            + encode([i["type"] for i in constructor["inputs"]], list(args)).hex()
        nonce, raw, tx_hash = self._signed(data)
        pending: dict[str, Any] = {
            "name": name, "nonce": nonce, "raw": raw, "tx": tx_hash,
            "address": to_checksum_address(Web3.keccak(_rlp_sender_nonce(self.account.address, nonce))[12:].hex())}
        self.record.data["pending"] = pending
        self.record.save()  # noted before it leaves: a crash after sending is finished on the next run
        self._broadcast(raw)
        self.hook("sent", name)
        return self._receipt(name, pending["tx"])

    def _signed(self, data: str, to: str | None = None) -> tuple[int, str, str]:
        """The nonce, signed bytes and hash of a transaction of `data` (a contract creation without `to`), with
        the gas estimated and fees for the network."""
        # The latest state's nonce, not the pending pool's: a transaction of ours stuck in a pool would
        # otherwise be jumped over, and this one would wait behind it forever.
        nonce = int(self.rpc.call("eth_getTransactionCount", [self.account.address, "latest"]), 16)
        destination = {"to": to} if to else {}
        gas = int(self.rpc.call("eth_estimateGas", [{"from": self.account.address, "data": data, **destination}]), 16)
        tx: dict[str, Any] = {"chainId": self.chain_id, "nonce": nonce, "data": data, "value": 0, **destination,
                              "gas": gas * 6 // 5 + 20_000, **fee_fields(self.rpc)}  # estimates can be short
        raw = "0x" + bytes(self.account.sign_transaction(tx).raw_transaction).hex()
        tx_hash = Web3.keccak(hexstr=raw).hex()
        return nonce, raw, tx_hash if tx_hash.startswith("0x") else "0x" + tx_hash

    def _finish(self, pending: dict[str, Any]) -> dict[str, Any] | None:
        """The receipt of a transaction noted before an interruption: sent again as the same signed bytes if
        the node does not know it (its nonce still free), or None if its nonce went to another transaction
        (it can never be mined: deploy anew)."""
        receipt = self.rpc.call("eth_getTransactionReceipt", [pending["tx"]])
        if receipt is not None:
            return self._checked(pending["name"], pending["tx"], receipt)
        nonce = int(self.rpc.call("eth_getTransactionCount", [self.account.address, "latest"]), 16)
        if nonce > pending["nonce"]:
            return None
        self._broadcast(pending["raw"])
        return self._receipt(pending["name"], pending["tx"])

    def _broadcast(self, raw: str) -> None:
        try:
            self.rpc.call("eth_sendRawTransaction", [raw])
        except RpcError as exc:
            # Sent before, by this run or the interrupted one: the node has it, its receipt will tell.
            if "already known" not in exc.rpc_message.lower() and "already imported" not in exc.rpc_message.lower():
                raise

    def _receipt(self, name: str, tx_hash: str) -> dict[str, Any]:
        return self._checked(name, tx_hash, poll_receipt(self.rpc, tx_hash, timeout=120, through_outages=True))

    def _checked(self, name: str, tx_hash: str, receipt: dict[str, Any]) -> dict[str, Any]:
        if int(receipt["status"], 16) != 1:
            raise ChainError(f"Deploying {name} failed in transaction {tx_hash}.")
        return receipt


def _rlp_sender_nonce(sender: str, nonce: int) -> bytes:
    """RLP of [sender, nonce]: its hash's last 20 bytes are the address a contract creation gets."""
    return bytes(rlp.encode([bytes.fromhex(sender[2:]), nonce]))


def verify_code(rpc: Rpc, name: str, address: str, libraries: dict[str, str] | None = None) -> None:
    """Refuses an address whose runtime code is not the build's deployedBytecode of `name`, immutables (set
    by the constructor, so different in every deployment) masked on both sides, linked libraries filled in."""
    artifact = json.loads((FORGE_OUT / f"{name}.sol" / f"{name}.json").read_text())["deployedBytecode"]
    expected = bytearray.fromhex(link(name, artifact, libraries or {}).removeprefix("0x"))
    actual = bytearray.fromhex(rpc.call("eth_getCode", [address, "latest"]).removeprefix("0x"))
    if not actual:
        raise ChainError(f"The deployment lists {name} at {address}, but there is no contract there on this chain: "
                         "the record is not this chain's, or the node is not synchronised. Move the deployment "
                         "record away to deploy anew.")
    for ranges in artifact.get("immutableReferences", {}).values():
        for r in ranges:
            if r["start"] + r["length"] <= len(actual):
                actual[r["start"]:r["start"] + r["length"]] = bytes(r["length"])
            expected[r["start"]:r["start"] + r["length"]] = bytes(r["length"])
    if expected[:21] == b"\x73" + bytes(20) and len(actual) >= 21:
        actual[1:21] = bytes(20)  # a library's code starts with PUSH20 of its own address (call protection)
    if actual != expected:
        raise ChainError(f"The code at {address} is not the build's {name} (its runtime bytecode differs from "
                         f"out/{name}.sol/{name}.json): a different build or another contract. Deploy anew.")
