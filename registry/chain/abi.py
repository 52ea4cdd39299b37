"""The registry contract's ABI (committed in the package) and bytecode (from forge's build output)."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from registry.errors import ConfigurationError

ABI_DIR = Path(__file__).parent / "abi"
REPO_ROOT = Path(__file__).resolve().parents[2]
FORGE_OUT = REPO_ROOT / "out"

CONTRACTS = (
    "Forwarder",
    "ParticipantRegistry",
    "DataRegistry",
    "ListingRegistry",
    "RegistrationOffice",
    "AttestationRegistry",
    "TradeRegistry",
    "FinanceRecords",
    "RecognitionRegistry",
    "PublicDataAuthorisation",
)


@cache
def load_abi(name: str = "DataRegistry") -> list[dict[str, Any]]:
    abi: list[dict[str, Any]] = json.loads((ABI_DIR / f"{name}.json").read_text())
    return abi


def canonical_type(param: dict[str, Any]) -> str:
    """A parameter's type as signatures spell it (selectors, eth_abi): tuples as their components in parentheses."""
    kind: str = param["type"]
    if kind.startswith("tuple"):
        return "(" + ",".join(canonical_type(c) for c in param["components"]) + ")" + kind[len("tuple"):]
    return kind


def all_abis() -> list[dict[str, Any]]:
    """Every entry of every contract's ABI: events and errors are decoded across all of them."""
    return [entry for name in CONTRACTS for entry in load_abi(name)]


def load_bytecode(name: str = "DataRegistry", out_dir: Path = FORGE_OUT) -> str:
    artifact = out_dir / f"{name}.sol" / f"{name}.json"
    if not artifact.exists():
        raise ConfigurationError(
            f"No build artifact at '{artifact}'. Build the contracts first: `make build` (or `forge build`)."
        )
    bytecode: str = json.loads(artifact.read_text())["bytecode"]["object"]
    return bytecode


def link_bytecode(name: str, libraries: dict[str, str], out_dir: Path = FORGE_OUT) -> str:
    """The creation bytecode with each external library's placeholder replaced by its deployed address."""
    artifact = out_dir / f"{name}.sol" / f"{name}.json"
    if not artifact.exists():
        raise ConfigurationError(
            f"No build artifact at '{artifact}'. Build the contracts first: `make build` (or `forge build`)."
        )
    return link(name, json.loads(artifact.read_text())["bytecode"], libraries)


def link(name: str, bytecode: dict[str, Any], libraries: dict[str, str]) -> str:
    """A forge artifact's `bytecode` or `deployedBytecode` with each library placeholder replaced by the
    library's address (both sections mark the places in `linkReferences`)."""
    code: str = bytecode["object"].removeprefix("0x")
    for libs in bytecode.get("linkReferences", {}).values():
        for lib, places in libs.items():
            if lib not in libraries:
                raise ConfigurationError(f"{name} needs the library {lib} deployed and linked.")
            address = libraries[lib].lower().removeprefix("0x")
            for place in places:
                start = place["start"] * 2
                code = code[:start] + address + code[start + place["length"] * 2:]
    return "0x" + code


def export_abis(out_dir: Path = FORGE_OUT) -> None:
    """Copy the ABIs from forge's output into the package (run by `make build`)."""
    ABI_DIR.mkdir(exist_ok=True)
    for name in CONTRACTS:
        artifact = json.loads((out_dir / f"{name}.sol" / f"{name}.json").read_text())
        (ABI_DIR / f"{name}.json").write_text(json.dumps(artifact["abi"], indent=1) + "\n")


if __name__ == "__main__":
    export_abis()
