"""Mutual recognition (一地登记、全国共享) between two registries, each on a chain of its own.

Registry A (福建, chain 31337) and registry B (海南, chain 31338) each run anvil, the contracts, an indexer and an
API. B's registrar is configured for data intellectual property (17-digit certificate numbers), A's for national
certificates (SJ…). Each certifies an asset through the whole procedure. Then each council recognises the other
registry on its own chain (A's with `datareg recognition add`, B's with the Python client), and:
- the asset certified on chain B is verified through registry A's API (by certificate number and by content hash)
  and A's CLI (`datareg verify NUMBER`, `datareg verify FILE`), which name registry B as the one that certified it;
- the asset certified on chain A is verified through registry B's API and CLI, likewise;
- A also recognises a third registry whose node is down: A's answers say so beside B's (a partial answer, 200);
- GET /v1/certificates/{number} answers each registry's own certificate; `datareg index check` finds no difference
  on either side; B's council withdraws its recognition of A, and B no longer asks A.

Run: .venv/bin/python scripts/demo_recognition.py   (exit status 0 when every check holds)
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from eth_account import Account

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from registry.chain.client import Chain, RegistryClient  # noqa: E402
from registry.chain.keys import create_keystore  # noqa: E402
from registry.chain.operations import (  # noqa: E402
    AcceptApplication,
    AddParticipant,
    ApplyForRegistration,
    CompleteRegistration,
    ConfigureIpRegistrar,
    ConfigureRegistrar,
    Recognise,
    ReviewApplication,
    WithdrawRecognition,
)
from registry.chain.types import RightKind, certificate_text  # noqa: E402
from registry.content import fingerprint_file  # noqa: E402
from registry.devchain import DEPLOYER_ACCOUNT, LocalStack, dev_key, free_port  # noqa: E402
from registry.metadata import canonical_bytes, parse_metadata  # noqa: E402
from registry.prepare import prepare_registration  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ADMIN, HOLDER, REGISTRAR = (Account.from_key(dev_key(i)) for i in (DEPLOYER_ACCOUNT, 1, 6))
PUBLICITY = 60
CHAIN_A, CHAIN_B, CHAIN_DOWN = 31337, 31338, 31339
ZERO = bytes(32)


def check(condition: bool, what: str) -> None:
    print(f"  {'ok  ' if condition else 'FAIL'} {what}")
    if not condition:
        raise SystemExit(1)


class Registry:
    """One registry: its stack, a chain client, an HTTP client, and the CLI run against it."""

    def __init__(self, name: str, stack: LocalStack) -> None:
        assert stack.deployment is not None
        self.name, self.stack, self.deployment = name, stack, stack.deployment
        self.client = RegistryClient(Chain(stack.rpc_url, stack.deployment))
        self.http = httpx.Client(base_url=stack.api_url, timeout=60)

    def step(self, operation, account):  # type: ignore[no-untyped-def]
        result = self.client.execute(operation, account)
        self.wait_block(result.block_number)
        return result

    def wait_block(self, block: int) -> None:
        deadline = time.monotonic() + 30
        while (self.http.get("/v1/status").json()["indexed_block"] or 0) < block:
            if time.monotonic() > deadline:
                raise SystemExit(f"registry {self.name}'s index did not reach block {block}")
            time.sleep(0.05)

    def datareg(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "registry.cli.main", *args], env=self.stack.env,
                              capture_output=True, text=True, timeout=120)

    def certify(self, data: Path, document: dict) -> tuple[str, str]:  # type: ignore[type-arg]
        """Registers `data` as HOLDER's asset and takes it through the procedure; its id and certificate number."""
        self.http.post("/v1/metadata", json=json.loads(canonical_bytes(document)))
        prepared = prepare_registration(data, document, HOLDER.address, [(HOLDER.address, k) for k in RightKind])
        asset = self.client.register(prepared.registration, HOLDER).asset_ids[0]
        self.step(ApplyForRegistration(asset, REGISTRAR.address, ZERO), HOLDER)
        self.step(AcceptApplication(asset), REGISTRAR)
        self.step(ReviewApplication(asset, True, 0, ZERO), REGISTRAR)
        self.client.w3.provider.make_request("evm_increaseTime", [PUBLICITY + 1])  # type: ignore[arg-type]
        self.client.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        result = self.step(CompleteRegistration(asset, 5), REGISTRAR)
        number = certificate_text(result.events[0].args["certificateNumber"])
        assert number is not None
        return asset, number

    def verify(self, body: dict) -> dict:  # type: ignore[type-arg]
        response = self.http.post("/v1/verify", json=body)
        check(response.status_code == 200, f"{self.name}: POST /v1/verify {body} answers 200 "
                                           f"(got {response.status_code})")
        answer: dict = response.json()  # type: ignore[type-arg]
        return answer


def recognised_by(answer: dict, chain_id: int) -> dict:  # type: ignore[type-arg]
    found: dict = next(r for r in answer["recognised"] if r["registry"]["chain_id"] == chain_id)  # type: ignore[type-arg]
    return found


def main() -> None:
    document = parse_metadata((ROOT / "examples" / "traffic-flow.json").read_text())
    port_a, port_b, port_down = free_port(), free_port(), free_port()  # nothing listens on port_down
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        env_a = {"DATAREG_RECOGNISED_RPC": f"{CHAIN_B}=http://127.0.0.1:{port_b},{CHAIN_DOWN}=http://127.0.0.1:"
                 f"{port_down}", "DATAREG_RECOGNISED_TIMEOUT": "2", "DATAREG_KEY": str(base / "council-a.json")}
        env_b = {"DATAREG_RECOGNISED_RPC": f"{CHAIN_A}=http://127.0.0.1:{port_a}", "DATAREG_RECOGNISED_TIMEOUT": "2"}
        create_keystore(base / "council-a.json", "", ADMIN.key, development=True)
        with LocalStack(base / "fujian", anvil_port=port_a, extra_env=env_a, publicity_seconds=PUBLICITY,
                        chain_id=CHAIN_A) as stack_a, \
                LocalStack(base / "hainan", anvil_port=port_b, extra_env=env_b, publicity_seconds=PUBLICITY,
                           chain_id=CHAIN_B) as stack_b:
            a, b = Registry("A", stack_a), Registry("B", stack_b)
            print(f"Registry A (福建): chain {CHAIN_A}, API {stack_a.api_url}; registry B (海南): chain {CHAIN_B}, "
                  f"API {stack_b.api_url}.\n")

            print("Each registry admits its registrar (A national, B data intellectual property) and certifies.")
            for registry, configure in ((a, ConfigureRegistrar(REGISTRAR.address, "35", "A")),
                                        (b, ConfigureIpRegistrar(REGISTRAR.address, "460100", "1"))):
                registry.step(AddParticipant(REGISTRAR.address, "registrar", f"{registry.name} 数据登记中心",
                                             "91350000000000006X"), ADMIN)
                registry.step(configure, ADMIN)
            data_a, data_b = base / "fujian.csv", base / "hainan.csv"
            data_a.write_text("port,vessels\nXiamen,1204\n")
            data_b.write_text("port,vessels\nYangpu,977\n")
            asset_a, number_a = a.certify(data_a, document)
            asset_b, number_b = b.certify(data_b, document)
            check(number_a.startswith("SJ35A") and len(number_a) == 15, f"A issued national certificate {number_a}")
            check(number_b.startswith("4601001") and len(number_b) == 17 and number_b.isdigit(),
                  f"B issued a 17-digit data IP certificate {number_b}")

            print("\nEach registry serves its own certificate by number (how another registry checks it).")
            for registry, number, asset in ((a, number_a, asset_a), (b, number_b, asset_b)):
                shown = registry.http.get(f"/v1/certificates/{number}").json()
                check(shown["asset_id"] == asset and shown["status"] == "valid" and shown["kind"] in
                      ("national", "intellectual_property"), f"{registry.name}: GET /v1/certificates/{number} "
                      f"is its asset, {shown['kind']}")

            print("\nThe councils recognise each other (A with `datareg recognition add`, B with the client).")
            added = a.datareg("recognition", "add", "--chain-id", str(CHAIN_B), "--data-registry",
                              b.deployment.contracts["DataRegistry"], "--registration-office",
                              b.deployment.contracts["RegistrationOffice"], "--from-block",
                              str(b.deployment.deploy_block), "--region", "46", "--name", "海南省数据登记中心")
            check(added.returncode == 0, f"A: datareg recognition add ({added.stdout.strip() or added.stderr.strip()})")
            a.step(Recognise(CHAIN_DOWN, ADMIN.address, ADMIN.address, 0, "44", "广东省数据登记中心（节点停机）"),
                   ADMIN)
            recognised_a = b.step(Recognise(CHAIN_A, a.deployment.contracts["DataRegistry"],
                                            a.deployment.contracts["RegistrationOffice"], a.deployment.deploy_block,
                                            "35", "福建省数据登记中心"), ADMIN).events[0].args["recognitionId"]
            listed = a.datareg("recognition", "list")
            check(listed.returncode == 0 and "海南省数据登记中心" in listed.stdout
                  and f"chain {CHAIN_B}" in listed.stdout, "A: datareg recognition list shows registry B")
            rows = a.http.get("/v1/recognitions").json()
            check([(r["chain_id"], r["status"]) for r in rows] == [(CHAIN_B, "recognised"), (CHAIN_DOWN, "recognised")],
                  "A: GET /v1/recognitions lists B and the registry whose node is down")

            print("\nB's certificate, verified through registry A (API and CLI).")
            answer = a.verify({"certificate": number_b})
            from_b, down = recognised_by(answer, CHAIN_B), recognised_by(answer, CHAIN_DOWN)
            check(not answer["registered"] and answer["certificate"]["kind"] == "intellectual_property",
                  "not A's own; the number read as a data IP certificate")
            check(from_b["reachable"] and [m["asset_id"] for m in from_b["matches"]] == [asset_b]
                  and from_b["matches"][0]["certificate"]["status"] == "valid"
                  and from_b["registry"]["name"] == "海南省数据登记中心"
                  and from_b["registry"]["contracts"]["RegistrationOffice"] == b.deployment.contracts[
                      "RegistrationOffice"], f"registry B (chain {CHAIN_B}) certified it: valid, asset {asset_b[:10]}…")
            check(not down["reachable"] and "could not be reached" in down["error"],
                  f"the registry whose node is down is reported, not an error: {down['error'][:70]}…")
            answer = a.verify({"sha256": fingerprint_file(data_b).sha256_hex})
            check([m["asset_id"] for m in recognised_by(answer, CHAIN_B)["matches"]] == [asset_b]
                  and recognised_by(answer, CHAIN_B)["matches"][0]["current"], "found by its content hash too")
            cli = a.datareg("verify", number_b)
            print("\n".join(f"      | {line}" for line in cli.stdout.splitlines()))
            check(cli.returncode == 0 and "CERTIFIED" in cli.stdout and "海南省数据登记中心" in cli.stdout
                  and number_b in cli.stdout, "A: `datareg verify NUMBER` exits 0 and names registry B")
            cli = a.datareg("verify", str(data_b))
            check(cli.returncode == 0 and "海南省数据登记中心" in cli.stdout,
                  "A: `datareg verify FILE` names registry B")

            print("\nA's certificate, verified through registry B (API and CLI).")
            answer = b.verify({"certificate": number_a})
            from_a = recognised_by(answer, CHAIN_A)
            check(from_a["reachable"] and [m["asset_id"] for m in from_a["matches"]] == [asset_a]
                  and from_a["matches"][0]["certificate"]["number"] == number_a,
                  f"registry A (chain {CHAIN_A}) certified {number_a}")
            cli = b.datareg("verify", number_a)
            check(cli.returncode == 0 and "福建省数据登记中心" in cli.stdout,
                  "B: `datareg verify NUMBER` names registry A")
            cli = b.datareg("verify", "SJ35A2026010999")
            check(cli.returncode == 1 and "no certificate" in cli.stdout,
                  "B: an unknown number exits 1 (not registered)")

            print("\nThe indexes hold the recognitions as the chains do.")
            for registry in (a, b):
                checked = registry.datareg("--json", "index", "check")
                report = json.loads(checked.stdout) if checked.returncode in (0, 1) and checked.stdout else {}
                check(checked.returncode == 0 and report.get("checked", {}).get("recognitions", 0) >= 1,
                      f"{registry.name}: datareg index check, no difference ({report.get('checked')})")

            print("\nB's council withdraws its recognition of A.")
            b.step(WithdrawRecognition(recognised_a, 1), ADMIN)
            answer = b.verify({"certificate": number_a})
            check("recognised" not in answer and not answer["registered"],
                  "B no longer asks A (no recognised registry left)")
            check(b.http.get("/v1/recognitions").json()[0]["status"] == "withdrawn", "B lists it as withdrawn")
        print("\nMutual recognition demo: every check held.")


if __name__ == "__main__":
    os.environ.pop("DATAREG_RECOGNISED_RPC", None)  # each stack gets its own
    main()
