"""Gas of every write the DataRegistry contract has today, as whole transactions, beside the peers' figures.

What it measures: the receipt's `gasUsed` of real transactions on a fresh anvil (the 21,000 base cost, the
calldata and the execution), which is how /work/shared/PEERS.md measured OpenZeppelin, Ocean and EAS on these
machines. The Forge gas snapshot (snapshots/DataRegistryGasTest.json) counts only the execution of the call;
the figures here are what a registrant actually pays.

Operations (each repeated --repeat times with fresh random fingerprints, content ids and holder addresses, so
calldata has realistic non-zero bytes; the range over the repeats is shown):

  register, registrant holds all three rights      holders = [registrant: holding|usage|operating]
  register, three holders, one right each          registrant holds the holding right, two others usage and
                                                   operating (as the Forge gas test)
  register, three holders, none the registrant     an agent registers for three other parties (3 stored rights)
  register, with a co-holder (two rows)            registrant and a second party each hold all three rights;
                                                   one row per address order (see the notes it prints)
  register derived data, one source                registrant holds all three; one source whose usage right
                                                   the registrant holds
  registerBySig, first signature of a signer       relayed by another account; the signer's nonce goes 0 -> 1
  registerBySig, later signature                   the same signer again (nonce already non-zero)
  registerBatch of 10 / of 100                     registrant holds all three rights in each; per asset shown

Each row is compared with the most comparable peer figure and with our target from PEERS.md.

Run:
  .venv/bin/python scripts/bench_gas.py            # table
  .venv/bin/python scripts/bench_gas.py --json     # machine-readable
  .venv/bin/python scripts/bench_gas.py --repeat 5

Exit status 1 when an operation misses its target (figures are printed either way).

It starts its own anvil on a free port (never 8545, which `make run` uses), deploys the registry from the
build output in out/ (run `make build` first if the contract changed) and stops anvil when done.
"""
from __future__ import annotations

import argparse
import json
import secrets
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from eth_account import Account

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from registry.chain.abi import FORGE_OUT  # noqa: E402
from registry.chain.client import Chain, RegistryClient  # noqa: E402
from registry.chain.deploy import deploy  # noqa: E402
from registry.chain.types import Registration, RightHolder, RightKind, Source  # noqa: E402
from registry.devchain import DEPLOYER_ACCOUNT, RELAYER_ACCOUNT, dev_key, free_port, start_anvil, stop  # noqa: E402

PEERS_MD = Path("/work/shared/PEERS.md")
RESERVED_PORTS = {8545, 8000}  # the running dev stack's anvil and API

ALL = frozenset(RightKind)

# Peer figures and targets, copied from /work/shared/PEERS.md (measured 2026-11-21 on anvil 1.7.1, these
# machines). check_peers() warns when the file no longer contains them.
PEER_OZ_URI = ("OZ ERC721URIStorage mint + URI", 126_088, 160_288)
PEER_OZ_MINT = ("OZ ERC721 mint (no URI)", 56_605, 90_805)
PEER_OCEAN = ("Ocean createNftWithErc20", 1_059_518, 1_059_518)
PEER_EAS = ("EAS attest", 339_716, 339_716)
PEER_EAS_DELEGATED = ("EAS attestByDelegation", 355_921, 373_009)
TARGET_REGISTER = 120_000
TARGET_RELAYED = 140_000
TARGET_BATCH = 60_000


def fmt_range(lo: int, hi: int) -> str:
    return f"{lo:,}" if lo == hi else f"{lo:,}–{hi:,}"


@dataclass
class Row:
    operation: str
    samples: list[int]  # gasUsed per transaction
    assets_per_tx: int
    calldata_bytes: int  # of the last sample
    calldata_gas: int  # 4 per zero byte, 16 per non-zero byte, of the last sample
    peer: str
    peer_gas: tuple[int, int]
    target: int | None  # None: PEERS.md sets no target for this operation
    reference_target: int | None = None  # a target shown for context only
    note: str = ""
    per_asset: list[int] = field(default_factory=list)

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
            peer_gas={"min": self.peer_gas[0], "max": self.peer_gas[1]},
            ratio_to_peer_min=round(self.worst / self.peer_gas[0], 3),
        )
        return d


def calldata_cost(data: bytes) -> tuple[int, int]:
    zeros = data.count(0)
    return len(data), 4 * zeros + 16 * (len(data) - zeros)


class Bench:
    def __init__(self, rpc_url: str, deployment) -> None:
        self.client = RegistryClient(Chain(rpc_url, deployment))
        self.w3 = self.client.w3
        # Funded development accounts: registrants 0-7 (round robin), relayer 8. Other parties (holders,
        # signers of relayed registrations) are fresh random accounts: they never send a transaction.
        self.registrants = [Account.from_key(dev_key(i)) for i in range(8)]
        self.relayer = Account.from_key(dev_key(RELAYER_ACCOUNT))
        self._next = 0

    def registrant(self):
        account = self.registrants[self._next % len(self.registrants)]
        self._next += 1
        return account

    @staticmethod
    def registration(holders: list[tuple[str, frozenset]], sources: tuple[Source, ...] = ()) -> Registration:
        pairs = [(account, kind) for account, kinds in holders for kind in kinds]
        return Registration(
            content_hash=secrets.token_bytes(32),  # SHA-256 of the data: uniformly random bytes
            content_cid=secrets.token_bytes(32),
            metadata_cid=secrets.token_bytes(32),
            classification=1,
            attributes=0x01,
            sources=sources,
            holders=Registration.merge_holders(pairs),
        )

    def calldata(self, tx_hash: str) -> tuple[int, int]:
        return calldata_cost(bytes(self.w3.eth.get_transaction(tx_hash)["input"]))

    def run(self, repeat: int) -> list[Row]:
        rows: list[Row] = []
        c = self.client

        def measure(op: str, send, assets: int, peer, target, reference=None, note="") -> None:
            samples, last = [], None
            for _ in range(repeat):
                result = send()
                samples.append(result.gas_used)
                last = result
                if len(result.asset_ids) != assets:
                    raise SystemExit(f"{op}: expected {assets} AssetRegistered events, got {len(result.asset_ids)}")
            size, cost = self.calldata(last.tx_hash)
            rows.append(Row(op, samples, assets, size, cost, peer[0], peer[1:], target, reference, note))

        def register_all_three():
            a = self.registrant()
            return c.register(self.registration([(a.address, ALL)]), a)

        def register_three_holders():
            a = self.registrant()
            holders = [(a.address, frozenset({RightKind.HOLDING})),
                       (Account.create().address, frozenset({RightKind.USAGE})),
                       (Account.create().address, frozenset({RightKind.OPERATING}))]
            return c.register(self.registration(holders), a)

        def register_three_others():
            a = self.registrant()
            holders = [(Account.create().address, frozenset({k})) for k in RightKind]
            return c.register(self.registration(holders), a)

        def register_co_holders(other_sorts_first: bool):
            # Holders are sorted by address and the first entry to claim a kind gets its primary right, so
            # whether the co-holder's address is below the registrant's decides which rights are stored.
            def send():
                a = self.registrant()
                for _ in range(200):  # each try succeeds with probability ~1/2
                    other = Account.create().address
                    if (int(other, 16) < int(a.address, 16)) == other_sorts_first:
                        break
                else:
                    raise SystemExit("could not draw a co-holder address on the wanted side of the registrant")
                return c.register(self.registration([(a.address, ALL), (other, ALL)]), a)
            return send

        def register_derived():
            a = self.registrant()
            source = c.register(self.registration([(a.address, ALL)]), a)
            derived = self.registration([(a.address, ALL)], (Source(source.asset_ids[0], int(RightKind.USAGE) + 1),))
            return c.register(derived, a)

        signers: list = []

        def by_sig(first: bool):
            def send():
                if first or not signers:
                    signer = Account.create()
                    signers.append(signer)
                else:
                    signer = signers.pop()
                r = self.registration([(signer.address, ALL)])
                signed = c.sign_registration(r, signer)
                expected = 0 if first else 1
                if signed.nonce != expected:
                    raise SystemExit(f"registerBySig: signer nonce is {signed.nonce}, expected {expected}")
                return c.register_by_sig(r, signer.address, signed.deadline, signed.signature, self.relayer)
            return send

        def batch(n: int):
            def send():
                a = self.registrant()
                return c.register_batch([self.registration([(a.address, ALL)]) for _ in range(n)], a)
            return send

        measure("register: registrant holds all three rights", register_all_three, 1, PEER_OZ_URI, TARGET_REGISTER)
        measure("register: three holders, one right each", register_three_holders, 1, PEER_OZ_URI, TARGET_REGISTER,
                note="registrant holds holding; two other parties usage and operating")
        measure("register: three holders, none the registrant", register_three_others, 1, PEER_OZ_URI,
                TARGET_REGISTER, note="an agent registers for three other parties")
        measure("register: co-holder, registrant sorts first", register_co_holders(False), 1, PEER_OZ_URI, None,
                TARGET_REGISTER, note="registrant and a second party each hold all three; the registrant's address "
                "is lower, so it gets rights 1-3 (implicit) and the co-holder 4-6 (stored)")
        measure("register: co-holder, co-holder sorts first", register_co_holders(True), 1, PEER_OZ_URI, None,
                TARGET_REGISTER, note="the same, but the co-holder's address is lower: it gets rights 1-3 and "
                "the registrant 4-6, all six stored")
        measure("register: derived data, one source", register_derived, 1, PEER_OZ_URI, None, TARGET_REGISTER,
                note="source's usage right held by the registrant")
        measure("registerBySig: first signature of a signer", by_sig(True), 1, PEER_EAS_DELEGATED, TARGET_RELAYED,
                note="nonce 0 -> 1 (a new storage slot)")
        measure("registerBySig: later signature (nonce > 0)", by_sig(False), 1, PEER_EAS_DELEGATED, TARGET_RELAYED,
                note="nonce 1 -> 2")
        measure("registerBatch: 10 assets", batch(10), 10, PEER_OZ_URI, TARGET_BATCH, note="per asset")
        measure("registerBatch: 100 assets", batch(100), 100, PEER_OZ_URI, TARGET_BATCH, note="per asset")
        return rows


def check_peers() -> list[str]:
    """The peer figures above must still be the ones in PEERS.md."""
    if not PEERS_MD.exists():
        return [f"{PEERS_MD} not found: peer figures are the copies in this script"]
    text = PEERS_MD.read_text()
    wanted = [PEER_OZ_URI, PEER_OZ_MINT, PEER_OCEAN, PEER_EAS, PEER_EAS_DELEGATED]
    missing = [f"{name} {v:,}" for name, lo, hi in wanted for v in {lo, hi} if f"{v:,}" not in text]
    missing += [f"target {t:,}" for t in (TARGET_REGISTER, TARGET_RELAYED, TARGET_BATCH) if f"{t:,}" not in text]
    return [f"PEERS.md no longer lists {m}; update this script" for m in missing]


def build_warnings() -> list[str]:
    artifact = FORGE_OUT / "DataRegistry.sol" / "DataRegistry.json"
    sources = list((ROOT / "contracts" / "src").rglob("*.sol"))
    if artifact.exists() and sources:
        newest = max(sources, key=lambda p: p.stat().st_mtime)
        if newest.stat().st_mtime > artifact.stat().st_mtime:
            return [f"{newest.relative_to(ROOT)} is newer than {artifact.relative_to(ROOT)}: the figures are for "
                    "the last build, not the current source (run `make build`)"]
    return []


def print_table(rows: list[Row], meta: dict) -> None:
    headers = ["operation", "gas used (tx)", "per asset", "calldata", "peer", "peer gas", "ours/peer", "target",
               "meets"]
    lines = []
    for r in rows:
        per_asset = fmt_range(min(r.per_asset), r.worst)
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
            per_asset if r.assets_per_tx > 1 else "",
            f"{r.calldata_bytes:,} B / {r.calldata_gas:,}",
            r.peer + (" (per tx)" if r.assets_per_tx > 1 else ""),
            fmt_range(*r.peer_gas),
            f"{r.worst / r.peer_gas[0]:.2f}",
            target,
            meets,
        ])
    widths = [max(len(h), *(len(l[i]) for l in lines)) for i, h in enumerate(headers)]
    right = {1, 2, 3, 5, 6, 7}

    def show(cells):
        print("  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))))

    print(f"DataRegistry gas, receipt gasUsed (21,000 base + calldata + execution); anvil {meta['anvil']}, "
          f"{meta['repeat']} repeats per row with random 32-byte values; range over repeats.")
    print()
    show(headers)
    show(["-" * w for w in widths])
    for line in lines:
        show(line)
    print()
    print("calldata: bytes of the last sample's input and their intrinsic gas (4 per zero byte, 16 otherwise).")
    print("ours/peer: our worst per-asset figure over the peer's lowest. Parenthesised target: PEERS.md sets no")
    print("target of its own for this operation; the plain registration target is shown for reference.")
    for r in rows:
        if r.note:
            print(f"  {r.operation}: {r.note}")
    print()
    print("Other peers in PEERS.md for the same job (per asset, one transaction each):")
    best = min(r.worst for r in rows if r.operation.startswith("register:"))
    for name, lo, hi in (PEER_OCEAN, PEER_EAS, PEER_OZ_MINT):
        print(f"  {name:<28} {fmt_range(lo, hi):>17}   our cheapest register is {best / lo:.2f} of its lowest")
    missed = [r.operation for r in rows if r.meets is False]
    print()
    print("Targets: " + ("all met." if not missed else "NOT met by: " + "; ".join(missed)))
    for w in meta["warnings"]:
        print(f"WARNING: {w}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--repeat", type=int, default=3, help="transactions per operation (default 3)")
    args = parser.parse_args()
    if not 1 <= args.repeat <= 50:
        parser.error("--repeat must be between 1 and 50")

    port = free_port()
    while port in RESERVED_PORTS:
        port = free_port()
    rpc_url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-gas-") as tmp:
        anvil = start_anvil(port, log_path=Path(tmp) / "anvil.log")
        try:
            deployment = deploy(rpc_url, dev_key(DEPLOYER_ACCOUNT))
            bench = Bench(rpc_url, deployment)
            rows = bench.run(args.repeat)
            anvil_version = bench.w3.client_version
        finally:
            stop(anvil)
    meta = {
        "anvil": anvil_version,
        "rpc_url": rpc_url,
        "repeat": args.repeat,
        "seconds": round(time.monotonic() - started, 1),
        "warnings": check_peers() + build_warnings(),
        "targets": {"register": TARGET_REGISTER, "relayed": TARGET_RELAYED, "batched_per_asset": TARGET_BATCH},
    }
    if args.json:
        print(json.dumps({"meta": meta, "rows": [r.as_json() for r in rows]}, indent=2))
    else:
        print_table(rows, meta)
    return 0 if all(r.meets is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
