"""Gas of every write the DataRegistry contract has today, as whole transactions, beside the peers' figures.

What it measures: the receipt's `gasUsed` of real transactions on a fresh anvil (the 21,000 base cost, the
calldata and the execution, with the storage cold at the start of each transaction as on a real chain),
which is how /work/shared/PEERS.md measured OpenZeppelin, Ocean and EAS on these machines. Every transaction
goes through the project's own client (registry.chain.client.RegistryClient: execute, register_batch, and
sign + relay for the ...BySig functions), exactly as the CLI and the API send them. Each measured
transaction is its own transaction: whatever it needs (an asset, a grant) is set up by earlier ones.

The Forge gas snapshot (snapshots/DataRegistryGasTest.json, `forge snapshot --isolate`) also runs each call
as a transaction of its own, so its figures are whole-transaction gas too and should agree with these to
within the calldata: the Forge test uses fixed values, this script random ones.

Operations, each repeated --repeat times (default 3) with fresh random 32-byte values (fingerprints, content
ids, evidence) and fresh holder addresses, so calldata has realistic non-zero bytes; the range is shown:

  register        registrant holds all three rights | three holders, one right each (registrant holds
                  holding, as in the Forge gas test) | three holders, none the registrant | with a co-holder of
                  all three rights | derived data with one source
  registerBySig   first signature of a signer (nonce 0 -> 1) | a later one (nonce already non-zero)
  registerBatch   of 10 and of 100 assets, registrant holds all three rights in each (per asset shown)
  grant           a usage right with terms (purpose, territory, quantity, one-year term, terms document)
                  from the registrant's primary right | a sub-grant from a grant | grantBySig
  transfer        the registrant's primary right (its first change of hands) | a transferable grant |
                  transferBySig
  revoke          a grant, with reason code and evidence | revokeBySig
  renew           a grant, one year more | renewBySig

Every non-view function in the contract's ABI must be covered: one that is not is reported as a warning.

Run:
  .venv/bin/python scripts/bench_gas.py            # table
  .venv/bin/python scripts/bench_gas.py --json     # machine-readable
  .venv/bin/python scripts/bench_gas.py --repeat 5
  .venv/bin/python scripts/bench_gas.py --breakdown   # and where each row's gas goes, from an opcode trace

--breakdown starts anvil with --steps-tracing and traces each row's last transaction (debug_traceTransaction):
the intrinsic 21,000 and calldata, storage reads (and how many were cold) and writes, logs, KECCAK256, calls,
and the rest of the execution (dispatch, ABI decoding and encoding, checks, memory).

It starts its own anvil on a free port (never 8545, which `make run` uses), deploys the contract with
registry.chain.deploy (bytecode from out/, so run `make build` first if the contract changed) and stops anvil
when done. Exit status 1 when an operation misses its target (figures are printed either way), 2 on an error.
"""
from __future__ import annotations

import argparse
import json
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchlib import ROOT, local_chain, run  # first: it puts the repository on sys.path
from eth_account import Account

from registry.chain.abi import FORGE_OUT, load_abi
from registry.chain.client import RegistryClient, TxResult
from registry.chain.operations import Grant, GrantTerms, Operation, Register, Renew, Revoke, Transfer
from registry.chain.types import Registration, RightKind, Source
from registry.devchain import RELAYER_ACCOUNT, dev_key
from registry.errors import RegistryError

ARTIFACT = FORGE_OUT / "DataRegistry.sol" / "DataRegistry.json"
PEERS_MD = Path("/work/shared/PEERS.md")

ALL = tuple(RightKind)
HOLDING, USAGE, OPERATING = (RightKind.HOLDING,), (RightKind.USAGE,), (RightKind.OPERATING,)
USAGE_PRIMARY, OPERATING_PRIMARY = RightKind.USAGE + 1, RightKind.OPERATING + 1  # primary index = kind + 1
YEAR = 365 * 24 * 3600

# Peer figures and targets, copied from /work/shared/PEERS.md (measured 2026-11-21 on anvil 1.7.1 on these
# machines). check_peers() warns when the file no longer contains them.
PEER_OZ_URI = ("OZ ERC721URIStorage mint + URI", 126_088, 160_288)
PEER_OZ_MINT = ("OZ ERC721 mint (no URI)", 56_605, 90_805)
PEER_OCEAN = ("Ocean createNftWithErc20", 1_059_518, 1_059_518)
PEER_EAS = ("EAS attest", 339_716, 339_716)
PEER_EAS_DELEGATED = ("EAS attestByDelegation", 355_921, 373_009)
PEER_OCEAN_ROLE = ("Ocean addManager (grant a role)", 85_810, 85_810)
PEER_OZ_TRANSFER = ("OZ ERC721 transfer", 40_782, 59_866)
PEER_OCEAN_TRANSFER = ("Ocean NFT transfer", 155_602, 189_348)
PEER_EAS_REVOKE = ("EAS revoke", 77_172, 77_172)
PEER_EAS_REVOKE_DELEGATED = ("EAS revokeByDelegation", 92_352, 92_352)
PEERS = [PEER_OZ_URI, PEER_OZ_MINT, PEER_OCEAN, PEER_EAS, PEER_EAS_DELEGATED, PEER_OCEAN_ROLE, PEER_OZ_TRANSFER,
         PEER_OCEAN_TRANSFER, PEER_EAS_REVOKE, PEER_EAS_REVOKE_DELEGATED]
# The targets raised on 2026-12-06 (the first ones, 120,000 / 140,000 / 60,000 / 80,000 / 45,000, were met).
TARGETS = {"register": 60_000, "relayed_register": 90_000, "batched_per_asset": 40_000, "grant": 65_000,
           "transfer": 40_000, "revoke": 35_000}


class BenchError(RuntimeError):
    pass


def fmt_range(lo: int, hi: int) -> str:
    return f"{lo:,}" if lo == hi else f"{lo:,}–{hi:,}"


def rand32() -> bytes:
    return secrets.token_bytes(32)


def someone() -> str:
    """A fresh address: a party that never sends a transaction itself."""
    return Account.create().address


@dataclass
class Row:
    operation: str
    function: str  # decoded from the measured transaction's input
    samples: list[int]  # gasUsed per transaction
    assets_per_tx: int
    calldata_bytes: int  # of the last sample
    calldata_gas: int  # 4 per zero byte, 16 per non-zero byte, of the last sample
    peer: str | None
    peer_gas: tuple[int, int] | None
    target: int | None  # None: PEERS.md sets no target for this operation
    reference_target: int | None = None  # a target shown for context only
    note: str = ""
    per_asset: list[int] = field(default_factory=list)
    breakdown: dict[str, int] | None = None  # --breakdown: the last sample's gas by where it goes

    def __post_init__(self) -> None:
        self.per_asset = [-(-g // self.assets_per_tx) for g in self.samples]

    @property
    def worst(self) -> int:
        return max(self.per_asset)

    @property
    def meets(self) -> bool | None:
        return None if self.target is None else self.worst <= self.target

    def as_json(self) -> dict:
        d = asdict(self)
        d.update(
            gas_used_min=min(self.samples), gas_used_max=max(self.samples),
            per_asset_min=min(self.per_asset), per_asset_max=self.worst, meets_target=self.meets,
            peer_gas={"min": self.peer_gas[0], "max": self.peer_gas[1]} if self.peer_gas else None,
            ratio_to_peer_min=round(self.worst / self.peer_gas[0], 3) if self.peer_gas else None,
        )
        return d


class Bench:
    def __init__(self, client: RegistryClient, repeat: int, breakdown: bool = False) -> None:
        self.c = client
        self.repeat = repeat
        self.breakdown = breakdown
        # Funded development accounts: registrants 0-3, grantees who act later 4-7, relayer 8 (deployer 9).
        # Passive parties (other holders, recipients, signers of relayed requests) are fresh accounts.
        self.registrants = [Account.from_key(dev_key(i)) for i in range(4)]
        self.actors = [Account.from_key(dev_key(i)) for i in range(4, 8)]
        self.relayer = Account.from_key(dev_key(RELAYER_ACCOUNT))
        self._turn = 0
        self.rows: list[Row] = []

    def pick(self, accounts: list):
        self._turn += 1
        return accounts[self._turn % len(accounts)]

    # ── building blocks, all through the client ──

    @staticmethod
    def registration(holders: list[tuple[str, tuple[RightKind, ...]]], sources: tuple[Source, ...] = ()):
        """Random fingerprint and content ids; holders merged and sorted by the project's own rule."""
        pairs = [(account, kind) for account, kinds in holders for kind in kinds]
        return Registration(rand32(), rand32(), rand32(), classification=1, attributes=0x01, sources=sources,
                            holders=Registration.merge_holders(pairs))

    def now(self) -> int:
        return self.c.w3.eth.get_block("latest")["timestamp"]

    def terms(self, grantee: str, until: int | None = None) -> GrantTerms:
        """Terms as an exchange would write them: one-year term, sub-grantable, transferable."""
        return GrantTerms(grantee, valid_until=until or self.now() + YEAR, sub_grantable=True, transferable=True,
                          purpose="交通规划研究", territory="3502,3501", quantity=1_000_000, terms_cid=rand32())

    def register(self, account, sources: tuple[Source, ...] = ()) -> TxResult:
        """The account registers fresh content, holding all three rights itself."""
        return self.c.register(self.registration([(account.address, ALL)], sources), account)

    def relayed(self, operation: Operation, signer, nonce: int) -> TxResult:
        """The signer signs (its nonce must be `nonce`), the relayer submits and pays."""
        signed = self.c.sign(operation, signer)
        if signed.nonce != nonce:
            raise BenchError(f"{operation.by_sig_function}: the signer's nonce is {signed.nonce}, not {nonce}")
        return self.c.relay(operation, signed.signer, signed.deadline, signed.signature, self.relayer)

    def register_relayed(self, signer, nonce: int) -> str:
        return self.relayed(Register(self.registration([(signer.address, ALL)])), signer, nonce).asset_ids[0]

    @staticmethod
    def granted_index(result: TxResult) -> int:
        (index,) = [e.args["rightIndex"] for e in result.events if e.name == "RightGranted"]
        return index

    def grant(self, grantor, asset: str, grantee: str) -> int:
        """A usage grant from the primary usage right; returns its index."""
        return self.granted_index(self.c.execute(Grant(asset, USAGE_PRIMARY, self.terms(grantee)), grantor))

    def granted_to_actor(self):
        a, g = self.pick(self.registrants), self.pick(self.actors)
        asset = self.register(a).asset_ids[0]
        return a, g, asset, self.grant(a, asset, g.address)

    def relayed_grant(self):
        """An owner who acts only through the relayer, registered and granted by signature (nonce now 2)."""
        owner = Account.create()
        asset = self.register_relayed(owner, 0)
        index = self.granted_index(self.relayed(Grant(asset, USAGE_PRIMARY, self.terms(someone())), owner, 1))
        return owner, asset, index

    # ── measuring ──

    def measure(self, operation: str, send: Callable[[], TxResult], peer, target, *, assets: int = 0,
                reference=None, note: str = "") -> None:
        results = [send() for _ in range(self.repeat)]
        if assets and any(len(r.asset_ids) != assets for r in results):
            raise BenchError(f"{operation}: expected {assets} AssetRegistered events")
        data = bytes(self.c.w3.eth.get_transaction(results[-1].tx_hash)["input"])
        function = self.c.contract.decode_function_input(data)[0].fn_name
        zeros = data.count(0)
        calldata_gas = 4 * zeros + 16 * (len(data) - zeros)
        self.rows.append(Row(operation, function, [r.gas_used for r in results], max(assets, 1), len(data),
                             calldata_gas, peer[0] if peer else None,
                             tuple(peer[1:]) if peer else None, target, reference, note))
        if self.breakdown:
            trace = self.c.w3.provider.make_request(
                "debug_traceTransaction", [results[-1].tx_hash, {"disableStack": True, "disableMemory": True,
                                                                 "disableStorage": True}])
            if "result" not in trace:
                raise BenchError(f"{operation}: the node cannot trace transactions: {trace.get('error')}")
            self.rows[-1].breakdown = gas_breakdown(trace["result"]["structLogs"], results[-1].gas_used,
                                                    calldata_gas)

    def run(self) -> list[Row]:
        c, reg = self.c, self.registration

        def register(holders_of: Callable):
            def send():
                a = self.pick(self.registrants)
                return c.register(reg(holders_of(a)), a)
            return send

        def co_holder():
            a, other = self.pick(self.registrants), someone()
            result = c.register(reg([(a.address, ALL), (other, ALL)]), a)
            if c.get_right(result.asset_ids[0], 4)["holder"] != other:
                raise BenchError("register: the co-holder's rights are not 4-6")
            return result

        def derived():
            a = self.pick(self.registrants)
            source = Source(self.register(a).asset_ids[0], USAGE_PRIMARY)
            return self.register(a, sources=(source,))

        def by_sig_first():
            signer = Account.create()
            return self.relayed(Register(reg([(signer.address, ALL)])), signer, 0)

        def by_sig_later():
            signer = Account.create()
            self.register_relayed(signer, 0)
            return self.relayed(Register(reg([(signer.address, ALL)])), signer, 1)

        def batch(n: int):
            def send():
                a = self.pick(self.registrants)
                return c.register_batch([reg([(a.address, ALL)]) for _ in range(n)], a)
            return send

        register_target = TARGETS["register"]
        self.measure("register: registrant holds all three rights", register(lambda a: [(a.address, ALL)]),
                     PEER_OZ_URI, register_target, assets=1)
        self.measure("register: three holders, one right each",
                     register(lambda a: [(a.address, HOLDING), (someone(), USAGE), (someone(), OPERATING)]),
                     PEER_OZ_URI, None, assets=1, reference=register_target,
                     note="registrant holds holding; two other parties usage and operating (as the Forge test); "
                          "each other party's right is a stored, pending record")
        self.measure("register: three holders, none the registrant",
                     register(lambda a: [(someone(), HOLDING), (someone(), USAGE), (someone(), OPERATING)]),
                     PEER_OZ_URI, None, assets=1, reference=register_target,
                     note="an agent registers for three other parties: all three primary rights stored")
        self.measure("register: with a co-holder of all three rights", co_holder, PEER_OZ_URI, None, assets=1,
                     reference=register_target,
                     note="registrant and a second party (random address, either order) each hold all three: "
                          "the registrant's rights are 1-3 (implicit), the co-holder's 4-6 (stored)")
        self.measure("register: derived data, one source", derived, PEER_OZ_URI, None, assets=1,
                     reference=register_target, note="one source, whose usage right the registrant holds")
        self.measure("registerBySig: first signature of a signer", by_sig_first, PEER_EAS_DELEGATED,
                     TARGETS["relayed_register"], assets=1, note="nonce 0 -> 1 (a new storage slot)")
        self.measure("registerBySig: later signature (nonce > 0)", by_sig_later, PEER_EAS_DELEGATED,
                     TARGETS["relayed_register"], assets=1, note="nonce 1 -> 2")
        for n in (10, 100):
            self.measure(f"registerBatch: {n} assets", batch(n), PEER_OZ_URI, TARGETS["batched_per_asset"],
                         assets=n, note="per asset; peer is one mint per transaction")

        # ── rights lifecycle ──

        def grant_primary():
            a = self.pick(self.registrants)
            asset = self.register(a).asset_ids[0]
            return c.execute(Grant(asset, USAGE_PRIMARY, self.terms(someone())), a)

        def sub_grant():
            _, g, asset, index = self.granted_to_actor()
            until = c.get_right(asset, index)["valid_until"]  # a sub-grant may not outlast its parent
            return c.execute(Grant(asset, index, self.terms(someone(), until)), g)

        def grant_by_sig():
            owner = Account.create()
            asset = self.register_relayed(owner, 0)
            return self.relayed(Grant(asset, USAGE_PRIMARY, self.terms(someone())), owner, 1)

        def transfer_primary():
            a = self.pick(self.registrants)
            return c.execute(Transfer(self.register(a).asset_ids[0], OPERATING_PRIMARY, someone()), a)

        def transfer_grant():
            _, g, asset, index = self.granted_to_actor()
            return c.execute(Transfer(asset, index, someone()), g)

        def transfer_by_sig():
            a, holder = self.pick(self.registrants), Account.create()
            asset = self.register(a).asset_ids[0]
            return self.relayed(Transfer(asset, self.grant(a, asset, holder.address), someone()), holder, 0)

        def revoke():
            a, _, asset, index = self.granted_to_actor()
            return c.execute(Revoke(asset, index, 1, rand32()), a)

        def revoke_by_sig():
            owner, asset, index = self.relayed_grant()
            return self.relayed(Revoke(asset, index, 1, rand32()), owner, 2)

        def renew():
            a, _, asset, index = self.granted_to_actor()
            return c.execute(Renew(asset, index, self.now() + 2 * YEAR), a)

        def renew_by_sig():
            owner, asset, index = self.relayed_grant()
            return self.relayed(Renew(asset, index, self.now() + 2 * YEAR), owner, 2)

        self.measure("grant: usage right with terms, from a primary right", grant_primary, PEER_OCEAN_ROLE,
                     TARGETS["grant"], note="terms: purpose 交通规划研究, territory 3502,3501, quantity, one-year "
                                            "term, sub-grantable, transferable, terms document digest")
        self.measure("grant: sub-grant from a grant", sub_grant, PEER_OCEAN_ROLE, TARGETS["grant"],
                     note="the grantee of a primary right's grant grants onwards (validity checked up two levels)")
        self.measure("grantBySig: later signature (nonce > 0)", grant_by_sig, PEER_EAS_DELEGATED, None,
                     note="an owner who registered by signature grants by signature (nonce 1 -> 2)")
        self.measure("transfer: the registrant's primary right", transfer_primary, PEER_OZ_TRANSFER,
                     TARGETS["transfer"], note="first change of hands: the implicit right becomes a stored record")
        self.measure("transfer: a transferable grant", transfer_grant, PEER_OZ_TRANSFER, TARGETS["transfer"],
                     note="the grantee transfers it on; its slot is rewritten")
        self.measure("transferBySig: a grant, first signature", transfer_by_sig, PEER_OZ_TRANSFER, None,
                     note="the grant's holder signs (nonce 0 -> 1); a relayer submits")
        self.measure("revoke: a grant, with reason and evidence", revoke, PEER_EAS_REVOKE, TARGETS["revoke"],
                     note="reason code 1 and a random evidence digest")
        self.measure("revokeBySig: later signature (nonce > 0)", revoke_by_sig, PEER_EAS_REVOKE_DELEGATED, None,
                     note="owner's nonce 2 -> 3")
        self.measure("renew: a grant, one year more", renew, None, None)
        self.measure("renewBySig: later signature (nonce > 0)", renew_by_sig, None, None,
                     note="owner's nonce 2 -> 3")
        return self.rows


# ─────────────────────────────────────── where the gas goes ───────────────────────────────────────

CALLS = {"CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"}


def gas_breakdown(logs: list[dict], gas_used: int, calldata_gas: int) -> dict[str, int]:
    """A transaction's gas by where it goes, from its opcode trace: the intrinsic 21,000 and calldata; storage
    reads (cold 2,100 / warm 100 each) and writes (SSTORE's own cost: 22,100 a new slot cold, 20,000 warm,
    2,900 a changed one, 100 unchanged); logs; KECCAK256; calls to another contract or library (their own
    cost: the cold account, not what the callee spends, which is counted by kind like the rest); everything
    else the code does (stack, memory, jumps, calldata decoding, arithmetic). Refunds are subtracted from
    the total only (`refund`)."""
    out = {"intrinsic": 21_000, "calldata": calldata_gas, "sload": 0, "sload_cold": 0, "sstore": 0, "log": 0,
           "keccak": 0, "call": 0, "other": 0}
    for i, step in enumerate(logs):
        op, cost = step["op"], int(step["gasCost"])
        if op in CALLS:
            # gasCost of a call includes the gas handed to the callee: take what the caller lost from before
            # the call to the next step at its depth, less what the callee's own steps used.
            depth, j = step["depth"], i + 1
            while j < len(logs) and logs[j]["depth"] > depth:
                j += 1
            inner = logs[i + 1:j]
            used_inside = (inner[0]["gas"] - inner[-1]["gas"] + inner[-1]["gasCost"]) if inner else 0
            after = logs[j]["gas"] if j < len(logs) else step["gas"] - cost
            out["call"] += step["gas"] - after - used_inside
        elif op == "SLOAD":
            out["sload"] += cost
            out["sload_cold"] += cost == 2_100
        elif op == "SSTORE":
            out["sstore"] += cost
        elif op.startswith("LOG"):
            out["log"] += cost
        elif op == "KECCAK256" or op == "SHA3":
            out["keccak"] += cost
        else:
            out["other"] += cost
    counted = sum(v for k, v in out.items() if k != "sload_cold")
    out["refund"] = counted - gas_used  # SSTORE refunds (and any rounding of the call accounting)
    return out


# ─────────────────────────────────────── checks and output ───────────────────────────────────────


def warnings_for(rows: list[Row]) -> list[str]:
    """Peer figures no longer in PEERS.md, a stale build, and write functions no row measured."""
    found = []
    if not PEERS_MD.exists():
        found.append(f"{PEERS_MD} not found: peer figures are the copies in this script")
    else:
        text = PEERS_MD.read_text()
        missing = [f"{name} {v:,}" for name, lo, hi in PEERS for v in {lo, hi} if f"{v:,}" not in text]
        missing += [f"target {t:,}" for t in TARGETS.values() if f"{t:,}" not in text]
        found += [f"PEERS.md no longer lists {m}; update this script" for m in missing]
    artifact = json.loads(ARTIFACT.read_text())
    sources = [ROOT / s for s in artifact["metadata"]["sources"] if (ROOT / s).exists()]  # what it was built from
    newest = max(sources, key=lambda p: p.stat().st_mtime)
    if newest.stat().st_mtime > ARTIFACT.stat().st_mtime:
        found.append(f"{newest.relative_to(ROOT)} is newer than {ARTIFACT.relative_to(ROOT)}: the figures are "
                     "for the last build, not the current source (run `make build`)")
    if artifact["abi"] != load_abi():
        found.append("the packaged ABI (registry/chain/abi) differs from the build's: run `make build`")
    writes = {f["name"] for f in load_abi() if f["type"] == "function" and f["stateMutability"] not in ("view", "pure")}
    unmeasured = sorted(writes - {r.function for r in rows})
    if unmeasured:
        found.append("write functions in the ABI not measured here: " + ", ".join(unmeasured))
    return found


def print_table(rows: list[Row], meta: dict) -> None:
    headers = ["operation", "gas used (tx)", "per asset", "calldata", "peer", "peer gas", "ours/peer", "target",
               "meets"]
    lines = []
    for r in rows:
        if r.target is not None:
            target, meets = f"≤ {r.target:,}", "yes" if r.meets else "NO"
        elif r.reference_target is not None:
            target = f"(≤ {r.reference_target:,})"
            meets = "(yes)" if r.worst <= r.reference_target else "(no)"
        else:
            target, meets = "—", "—"
        lines.append([
            r.operation,
            fmt_range(min(r.samples), max(r.samples)),
            fmt_range(min(r.per_asset), r.worst) if r.assets_per_tx > 1 else "",
            f"{r.calldata_bytes:,} B / {r.calldata_gas:,}",
            r.peer or "—",
            fmt_range(*r.peer_gas) if r.peer_gas else "—",
            f"{r.worst / r.peer_gas[0]:.2f}" if r.peer_gas else "—",
            target,
            meets,
        ])
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(headers)]
    right = {1, 2, 3, 5, 6, 7}

    def show(cells):
        print("  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))))

    print(f"DataRegistry gas: receipt gasUsed (21,000 base + calldata + execution), one transaction each, sent "
          f"by RegistryClient, on {meta['anvil']};")
    print(f"{meta['repeat']} transactions per row with random 32-byte values; range over them. Contract: "
          f"{meta['artifact']} (built {meta['artifact_built']}).")
    print()
    show(headers)
    show(["-" * w for w in widths])
    for line in lines:
        show(line)
    print()
    print("calldata: bytes of the last sample's input and their intrinsic gas (4 per zero byte, 16 otherwise).")
    print("ours/peer: our worst per-asset figure over the peer's lowest. Parenthesised target: PEERS.md sets no")
    print("target of its own for this operation (its target is for an asset with its three rights, the first row);")
    print("the plain registration target is shown for reference.")
    for r in rows:
        if r.note:
            print(f"  {r.operation}: {r.note}")
    print()
    print("Other peers in PEERS.md:")
    best = min(r.worst for r in rows if r.function == "register")
    for name, lo, hi in (PEER_OCEAN, PEER_EAS, PEER_OZ_MINT):
        print(f"  {name:<32} {fmt_range(lo, hi):>17}   our cheapest register is {best / lo:.2f} of its lowest")
    worst_transfer = max(r.worst for r in rows if r.function == "transfer")
    name, lo, hi = PEER_OCEAN_TRANSFER
    print(f"  {name:<32} {fmt_range(lo, hi):>17}   our dearest transfer is {worst_transfer / lo:.2f} of its lowest")
    if any(r.breakdown for r in rows):
        print()
        print("Where the gas goes (--breakdown; the last sample of each row, from its opcode trace): intrinsic 21,000;")
        print("calldata; SLOAD (cold reads); SSTORE; LOG; KECCAK256; calls (their own cost); other execution; refund.")
        keys = ["calldata", "sload", "sstore", "log", "keccak", "call", "other", "refund"]
        width = max(len(r.operation) for r in rows)
        print(f"{'operation':<{width}}  {'total':>9}  " + "  ".join(f"{k:>8}" for k in keys))
        for r in rows:
            if r.breakdown:
                b = r.breakdown
                cells = [f"{b[k]:,}" + (f" ({b['sload_cold']})" if k == "sload" else "") for k in keys]
                print(f"{r.operation:<{width}}  {r.samples[-1]:>9,}  " + "  ".join(f"{c:>8}" for c in cells))
    missed = [f"{r.operation} ({r.worst:,} > {r.target:,})" for r in rows if r.meets is False]
    print()
    print("Targets: " + ("all met." if not missed else "NOT met by: " + "; ".join(missed)))
    for w in meta["warnings"]:
        print(f"WARNING: {w}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--repeat", type=int, default=3, help="transactions per operation (default 3)")
    parser.add_argument("--breakdown", action="store_true",
                        help="also trace each row's last transaction and show where its gas goes")
    args = parser.parse_args()
    if not 1 <= args.repeat <= 50:
        parser.error("--repeat must be between 1 and 50")
    if not ARTIFACT.exists():
        raise SystemExit(f"No build output at {ARTIFACT}; run `make build` first.")

    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-gas-") as tmp, \
                local_chain(Path(tmp) / "anvil.log", timeout=60, steps_tracing=args.breakdown) as chain:
            rows = Bench(chain.client, args.repeat, args.breakdown).run()
            anvil_version = chain.client.w3.client_version
    except (BenchError, RegistryError) as exc:
        print(f"bench_gas: {exc}", file=sys.stderr)
        return 2
    meta = {
        "anvil": anvil_version,
        "rpc_url": chain.rpc_url,
        "repeat": args.repeat,
        "artifact": str(ARTIFACT.relative_to(ROOT)),
        "artifact_built": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ARTIFACT.stat().st_mtime)),
        "seconds": round(time.monotonic() - started, 1),
        "warnings": warnings_for(rows),
        "targets": TARGETS,
    }
    if args.json:
        print(json.dumps({"meta": meta, "rows": [r.as_json() for r in rows]}, indent=2, ensure_ascii=False))
    else:
        print_table(rows, meta)
    return 0 if all(r.meets is not False for r in rows) else 1


if __name__ == "__main__":
    run(main, "the anvil this script started has been stopped")
