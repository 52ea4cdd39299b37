"""A world for the explorer's finance sections (issue 21), on a real stack: an asset with personal information and
its legal basis, on which its holder commits to an accounting document naming an auditor, records a capital
contribution (then releases it) and a data trust with a beneficiary; an asset flagged with personal information on
chain without the basis; an asset with neither finance records nor personal information.

Run by hand: `PYTHONPATH=. .venv/bin/python tests/finance_world.py` starts a private stack, builds the world and
prints the explorer's pages until Ctrl-C.
"""
from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from registry.chain.operations import EndFinanceRemark, RecordAccounting, RecordFinanceRemark
from registry.chain.types import RightKind
from registry.content.cid import cid_to_digest
from registry.content.store import open_store
from registry.metadata import canonical_bytes, parse_metadata
from registry.prepare import prepare_registration

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
HOSPITAL = json.loads((EXAMPLES / "hospital-outcomes.json").read_text())
ACCOUNTING = json.loads((EXAMPLES / "finance" / "accounting.json").read_text())
ALL = 7
#: The trust's term: 2026-09-21 to 2029-11-22 (UTC), as unix seconds.
TRUST_FROM, TRUST_UNTIL = 1_790_000_000, 1_890_000_000
CONTRIBUTED_FROM = 1_780_000_000  # 2026-05-28


@dataclass
class FinanceWorld:
    asset: str  # the hospital's outcomes: personal information with its basis, and every finance record
    flagged: str  # personal information flagged on chain, registered without the basis
    plain: str  # no personal information, no finance records
    holder: str
    auditor: str
    investee: str
    trustee: str
    beneficiary: str
    contribution: int  # remark id, ended
    trust: int  # remark id, standing
    accounting_cid: str  # the commitment (CIDv0 of the private document)
    agreement_cid: str
    release_cid: str
    secret: str  # a value only the private accounting document holds


def _funded(s, n: int) -> list[LocalAccount]:
    accounts = [Account.create() for _ in range(n)]
    for account in accounts:
        s.client.w3.provider.make_request("anvil_setBalance", [account.address, hex(10**20)])
    return accounts


def build_finance_world(s, tmp: Path) -> FinanceWorld:
    """`s`: a running stack (tests/conftest.py Stack)."""
    from tests.conftest import random_registration

    holder, auditor, investee, trustee, beneficiary = _funded(s, 5)

    def step(operation, account=holder):
        result = s.client.execute(operation, account)
        s.wait_block(result.block_number)
        return result

    document = parse_metadata(HOSPITAL)
    posted = s.http.post("/v1/metadata", json=json.loads(canonical_bytes(document)))
    assert posted.status_code in (200, 201), posted.text
    data = tmp / "outcomes.csv"
    data.write_bytes(os.urandom(32))
    prepared = prepare_registration(data, document, holder.address, [(holder.address, k) for k in RightKind])
    asset = s.client.register(prepared.registration, holder).asset_ids[0]
    s.wait_indexed(asset)

    stored = s.http.post("/v1/accounting/documents", json={**ACCOUNTING, "asset_id": asset, "holder": holder.address})
    assert stored.status_code == 201, stored.text
    step(RecordAccounting(asset, 1, auditor.address, cid_to_digest(stored.json()["cid"])))

    def private(text: bytes) -> str:
        answer = s.http.post("/v1/content", params={"private": "true"}, content=text)
        assert answer.status_code in (200, 201), answer.text
        return str(answer.json()["cid"])

    agreement = private(b"capital contribution agreement " + os.urandom(8))
    release = private(b"release of the contribution " + os.urandom(8))
    contribution = step(RecordFinanceRemark(asset, 1, "capital_contribution", investee.address, (),
                                            cid_to_digest(agreement), CONTRIBUTED_FROM)).events[0].args["remarkId"]
    trust = step(RecordFinanceRemark(asset, 1, "data_trust", trustee.address, (beneficiary.address,),
                                     cid_to_digest(agreement), TRUST_FROM, TRUST_UNTIL)).events[0].args["remarkId"]
    step(EndFinanceRemark(contribution, cid_to_digest(release)))

    # Past the API's validation: the contracts do not require the basis, so such an asset can exist.
    without = {k: v for k, v in HOSPITAL.items() if k != "personal_information_basis"}
    cid = open_store(s.settings).put(json.dumps(without, ensure_ascii=False).encode())
    flagged = s.client.register(dataclasses.replace(random_registration([(holder.address, ALL)], attributes=1),
                                                    metadata_cid=cid_to_digest(cid)), holder).asset_ids[0]
    plain = s.client.register(random_registration([(holder.address, ALL)]), holder).asset_ids[0]
    s.wait_indexed(flagged)
    s.wait_indexed(plain)
    return FinanceWorld(asset=asset, flagged=flagged, plain=plain, holder=holder.address, auditor=auditor.address,
                        investee=investee.address, trustee=trustee.address, beneficiary=beneficiary.address,
                        contribution=contribution, trust=trust, accounting_cid=stored.json()["cid"],
                        agreement_cid=agreement, release_cid=release,
                        secret=ACCOUNTING["cost_basis"][0]["amount"])


if __name__ == "__main__":  # pragma: no cover - by hand
    import signal
    import sys
    import tempfile
    import time

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # `kill` stops anvil too, as Ctrl-C does
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from registry import devchain
    from tests.conftest import running_stack

    port = devchain.free_port()
    node = devchain.start_anvil(port)
    try:
        with tempfile.TemporaryDirectory() as tmp, running_stack(f"http://127.0.0.1:{port}", Path(tmp)) as stack:
            world = build_finance_world(stack, Path(tmp))
            print(json.dumps({"api": stack.api_url, **dataclasses.asdict(world)}, indent=1), flush=True)
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        devchain.stop(node)
