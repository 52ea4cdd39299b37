"""Records the API's answers to every route over one deterministic chain, and compares two recordings: the
proof that a refactoring changed no answer byte for byte.

    python scripts/compare_api.py OUT.json            # build the chain, index it, record every request
    python scripts/compare_api.py --compare A.json B.json   # differences; exit status 1 if any
    python scripts/compare_api.py --compare A.json B.json --ignore cids   # ... leaving out a field added on purpose

The chain is the same every run: anvil starts at a fixed time in the future (so the API's clock, the later of
the wall clock and the chain's, is the chain's) and every block is one second after the previous one; the keys
are anvil's development keys; the content is the tests' explorer world (tests/explorer_world.py) plus the
samples of `make run`, a second registration procedure (return for material, objection, rejection), listing and
participant status changes, a renewal, a cancellation, a revoked attestation and metadata stored after its
asset was indexed. The indexer and the API run as their own processes, as in production. Every GET route of the
OpenAPI (and the explorer's pages) is requested with realistic parameters, in JSON and CSV/HTML forms, with error
cases; a route the recording does not cover stops the run, so a new route cannot slip past. The few fields that
carry the wall clock are masked.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))

from eth_account import Account  # noqa: E402

from registry.chain.client import Chain, RegistryClient  # noqa: E402
from registry.chain.deploy import deploy  # noqa: E402
from registry.config import Settings  # noqa: E402
from registry.devchain import ANVIL_CHAIN_ID, DEPLOYER_ACCOUNT, DevRpc, dev_key, free_port, stop, tool  # noqa: E402
from registry.errors import ChainError  # noqa: E402

#: 2030-01-01T00:00:00Z: ahead of the wall clock, so every answer is judged at the chain's time.
GENESIS_TIME = 1_893_456_000
DAY = 86_400
#: Fields whose value is the wall clock when the API answered or the indexer wrote.
WALL_CLOCK_FIELDS = {"last_seen_head_at", "indexer_updated_at"}
#: Response headers that are part of the answer (date and server are not; nor the explorer's ETag, which Starlette
#: derives from the file's modification time, different in every checkout).
HEADERS = ("content-type", "content-disposition", "cache-control", "location", "content-security-policy",
           "x-content-type-options", "referrer-policy", "access-control-allow-origin", "retry-after")


class Harness:
    """What tests/explorer_world.build_world needs of a stack, over processes of their own."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.processes: list[subprocess.Popen] = []

    def start(self) -> None:
        port = free_port()
        self.rpc_url = f"http://127.0.0.1:{port}"
        self.processes.append(subprocess.Popen(
            [tool("anvil"), "--host", "127.0.0.1", "--port", str(port), "--chain-id", str(ANVIL_CHAIN_ID),
             "--timestamp", str(GENESIS_TIME)],
            stdout=open(self.work / "anvil.log", "ab"),  # noqa: SIM115 - anvil writes to it until stop()
            stderr=subprocess.STDOUT, start_new_session=True))
        self.rpc = DevRpc(self.rpc_url)
        deadline = time.monotonic() + 20
        while True:
            try:
                self.rpc.call("eth_chainId")
                break
            except ChainError:  # not listening yet
                if time.monotonic() > deadline:
                    raise SystemExit("anvil did not start") from None
                time.sleep(0.05)
        # Each block one second after the one before: timestamps no longer follow the wall clock.
        self.rpc.call("anvil_setBlockTimestampInterval", [1])
        self.deployment = deploy(self.rpc_url, dev_key(DEPLOYER_ACCOUNT))
        self.deployment.save(self.work / "deployment.json")
        self.api_port = free_port()
        self.api_url = f"http://127.0.0.1:{self.api_port}"
        self.env = {**os.environ, "DATAREG_RPC_URL": self.rpc_url, "DATAREG_API_URL": self.api_url,
                    "DATAREG_DATA_DIR": str(self.work), "DATAREG_DEPLOYMENT": str(self.work / "deployment.json"),
                    "DATAREG_DATABASE_URL": f"sqlite:///{self.work / 'index.db'}"}
        self.env.pop("DATAREG_IPFS_API", None)
        os.environ.update({k: v for k, v in self.env.items() if k.startswith("DATAREG_")})
        self.settings = Settings.from_env()
        for args, log in ((["registry.indexer"], "indexer.log"),
                          (["registry.cli.main", "api", "--port", str(self.api_port)], "api.log")):
            self.processes.append(subprocess.Popen([sys.executable, "-m", *args], env=self.env,
                                                   stdout=open(self.work / log, "ab"),  # noqa: SIM115
                                                   stderr=subprocess.STDOUT,
                                                   start_new_session=True))
        self.http = httpx.Client(base_url=self.api_url, timeout=60)
        deadline = time.monotonic() + 60
        while True:
            try:
                if self.http.get("/v1/status").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                raise SystemExit(f"the API did not start; see {self.work}/api.log")
            time.sleep(0.1)
        self.client = RegistryClient(Chain(self.rpc_url, self.deployment))
        self.accounts = [Account.from_key(dev_key(i)) for i in range(8)]

    def stop(self) -> None:
        for process in reversed(self.processes):
            stop(process)

    # The interface of tests.conftest.Stack that build_world uses.
    def wait_block(self, block: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (self.http.get("/v1/status").json()["indexed_block"] or 0) >= block:
                return
            time.sleep(0.02)
        raise SystemExit(f"block {block} not indexed after {timeout} s")

    def advance_time(self, seconds: int) -> None:
        self.rpc.call("evm_setNextBlockTimestamp", [self.chain_time() + seconds])
        self.rpc.call("evm_mine")

    def chain_time(self) -> int:
        return int(self.rpc.call("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)

    def wait_indexed(self, asset_id: str, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = self.http.get(f"/v1/assets/{asset_id}")
            if response.status_code == 200:
                return response.json()
            time.sleep(0.02)
        raise SystemExit(f"asset {asset_id} not visible after {timeout} s")

    def step(self, operation, account):
        result = self.client.execute(operation, account)
        self.wait_block(result.block_number)
        return result


def build_chain(h: Harness) -> dict:
    """The world of the explorer's tests, then more of what the contracts can record."""
    from explorer_world import build_world
    from samples import register_samples

    from registry.chain.operations import (
        AcceptApplication,
        ApplyForRegistration,
        Appraise,
        Cancel,
        Engage,
        Grant,
        GrantTerms,
        LodgeObjection,
        ReinstateParticipant,
        ReleasePledge,
        Renew,
        ResolveObjection,
        ReturnApplication,
        ReviewApplication,
        RevokeAttestation,
        SetListingStatus,
        SuspendParticipant,
    )
    from registry.content.store import open_store

    world = build_world(h, h.work / "files")
    a = h.accounts
    alice, bob, carol, _, exchange_b, registrar, regulator, appraiser = (
        a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[0])
    samples = register_samples(h.client, open_store(h.settings), h.work)
    head = h.chain_time()
    for asset_id, _ in samples:
        h.wait_indexed(asset_id)
    port, weather, dutyfree = (s[0] for s in samples)  # registered by accounts 2, 3 and 4

    # A second procedure: returned for material, accepted, objected to (objection dismissed), rejected.
    h.step(ApplyForRegistration(port, registrar.address, bytes([2]) * 32), bob)
    h.step(ReturnApplication(port, 3, bytes([3]) * 32), registrar)
    h.step(ApplyForRegistration(port, registrar.address, bytes([4]) * 32), bob)
    h.step(AcceptApplication(port), registrar)
    h.step(ReviewApplication(port, True, 0, bytes(32)), registrar)
    objection = h.step(LodgeObjection(port, 2, bytes([6]) * 32), regulator).events[0].args
    h.step(ResolveObjection(port, objection.get("objectionId", 1), False, bytes([7]) * 32), registrar)
    # A third, rejected at review.
    h.step(ApplyForRegistration(weather, registrar.address, bytes([8]) * 32), carol)
    h.step(AcceptApplication(weather), registrar)
    h.step(ReviewApplication(weather, False, 4, bytes([9]) * 32), registrar)

    # Listings: the dual listing suspended, then delisted; a grant renewed; a participant suspended and back.
    h.step(SetListingStatus(world.cross_listing, "suspended"), exchange_b)
    h.step(SetListingStatus(world.cross_listing, "delisted"), exchange_b)
    usage = h.step(Grant(world.source, 2, GrantTerms(carol.address, valid_until=head + 30 * DAY, purpose="续期")),
                   alice).events[0].args["rightIndex"]
    h.step(Renew(world.source, usage, head + 400 * DAY), alice)
    h.step(SuspendParticipant(exchange_b.address, 1, bytes([10]) * 32), h_admin())
    h.step(ReinstateParticipant(exchange_b.address), h_admin())
    h.step(SuspendParticipant(appraiser.address, 2, bytes([11]) * 32), h_admin())

    # A quality evaluation later revoked; a pledge released; an asset cancelled by its registrant.
    h.step(ReinstateParticipant(appraiser.address), h_admin())
    engagement = h.step(Engage(appraiser.address, world.source), alice).events[0].args["engagementId"]
    attestation = h.step(Appraise(world.source, engagement, 99, h.chain_time() - DAY, "market", method="市场法",
                                  conclusion="撤回", report_cid=bytes([12]) * 32), appraiser).events[0].args
    h.step(RevokeAttestation(attestation.get("attestationId", 2), 1), appraiser)
    pledges = h.http.get(f"/v1/assets/{world.source}").json()["remarks"]
    pledge_id = next((p.get("pledge_id") for p in pledges.get("pledges", []) if p.get("pledge_id")), None)
    if pledge_id:
        h.step(ReleasePledge(world.source, pledge_id), registrar)
    h.step(Cancel(dutyfree, 1, bytes([13]) * 32), Account.from_key(dev_key(4)))
    # The appraiser suspended for good: its attestations no longer hold.
    h.step(SuspendParticipant(appraiser.address, 3, bytes([14]) * 32), h_admin())
    late = register_late_metadata(h, a[5])
    h.advance_time(DAY)
    h.wait_block(int(h.rpc.call("eth_blockNumber"), 16))
    return {"world": {k: str(v) for k, v in world.__dict__.items()}, "port": port, "weather": weather,
            "dutyfree": dutyfree, "late": late}


def register_late_metadata(h: Harness, owner) -> str:
    """An asset registered before its metadata document is stored: its fields are filled in afterwards."""
    from registry.metadata import canonical_bytes, parse_metadata
    from registry.prepare import prepare_registration

    document = json.loads((ROOT / "examples" / "traffic-flow.json").read_text())
    document["name"] = "迟到的元数据"
    parsed = parse_metadata(document)
    data = h.work / "late.csv"
    data.write_bytes(b"hour,vehicles\n07,1234\n")
    prepared = prepare_registration(data, parsed, owner.address)
    asset_id = h.client.register(prepared.registration, owner).asset_ids[0]
    h.wait_indexed(asset_id)
    h.http.post("/v1/metadata", json=json.loads(canonical_bytes(parsed))).raise_for_status()
    deadline = time.monotonic() + 30
    while h.http.get(f"/v1/assets/{asset_id}").json()["name"] is None:
        if time.monotonic() > deadline:
            raise SystemExit("the late metadata document's fields were never filled in")
        time.sleep(0.05)
    return asset_id


def h_admin():
    return Account.from_key(dev_key(DEPLOYER_ACCOUNT))


def requests_for(h: Harness, ids: dict) -> list[tuple[str, str, dict | None]]:
    """(method, path with query, JSON body) of every request recorded."""
    w = ids["world"]
    source, derived, port, weather, dutyfree = w["source"], w["derived"], ids["port"], ids["weather"], ids["dutyfree"]
    missing_asset = "0x" + "ab" * 32
    nobody = "0x000000000000000000000000000000000000dEaD"
    cert = w["certificate"]
    detail = h.http.get(f"/v1/assets/{source}").json()
    metadata_cid, content_cid = detail.get("metadata_cid"), detail.get("content_cid")
    head = int(h.rpc.call("eth_blockNumber"), 16)

    def q(path: str, **params) -> str:
        params = {k: v for k, v in params.items() if v is not None}
        return path + ("?" + urlencode(params) if params else "")

    gets = [
        "/v1/status", "/v1/schemas/metadata", "/openapi.json", "/v1/vocabulary",
        # assets
        "/v1/assets", q("/v1/assets", limit=2), q("/v1/assets", limit=2, offset=2), q("/v1/assets", q="交通"),
        q("/v1/assets", q="数据"), q("/v1/assets", q="%_"), q("/v1/assets", holder=w["bob"]),
        q("/v1/assets", holder=w["bob"], kind="operating"), q("/v1/assets", holder=w["carol"], kind="usage"),
        q("/v1/assets", classification="important"), q("/v1/assets", classification="1"),
        q("/v1/assets", registrant=w["alice"]), q("/v1/assets", classification="secret"),
        q("/v1/assets", holder="0xnot"), q("/v1/assets", kind="ownership", holder=w["bob"]), q("/v1/assets", limit=0),
        q("/v1/assets", limit=101), q("/v1/assets", offset=-1),
        *[f"/v1/assets/{a}" for a in (source, derived, port, weather, dutyfree, ids["late"])],
        q("/v1/assets", q="迟到"),
        f"/v1/assets/{missing_asset}", "/v1/assets/0x1234", "/v1/assets/nonsense",
        q(f"/v1/assets/{source}", min_confirmations=1), q(f"/v1/assets/{source}", min_confirmations=25),
        q(f"/v1/assets/{source}", min_confirmations=10), q(f"/v1/assets/{derived}", min_confirmations=5),
        q(f"/v1/assets/{source}", min_confirmations=head + 5), q(f"/v1/assets/{source}", min_confirmations=-1),
        # history and lineage
        *[f"/v1/assets/{a}/history" for a in (source, derived, port, weather, dutyfree)],
        q(f"/v1/assets/{source}/history", limit=3), q(f"/v1/assets/{source}/history", limit=3, offset=3),
        q(f"/v1/assets/{source}/history", kind="usage"), q(f"/v1/assets/{source}/history", party=w["carol"]),
        q(f"/v1/assets/{source}/history", since=10, until=30), q(f"/v1/assets/{source}/history",
                                                                since="2030-01-01T00:00:30Z"),
        q(f"/v1/assets/{source}/history", until="2030-01-01T00:01:00+08:00"),
        q(f"/v1/assets/{source}/history", format="csv"), q(f"/v1/assets/{derived}/history", format="csv"),
        q(f"/v1/assets/{source}/history", format="csv", kind="usage"),
        q(f"/v1/assets/{source}/history", after="20-0"), q(f"/v1/assets/{source}/history", after="bad"),
        q(f"/v1/assets/{source}/history", min_confirmations=10), q(f"/v1/assets/{source}/history", since="yesterday"),
        q(f"/v1/assets/{source}/history", format="xml"), f"/v1/assets/{missing_asset}/history",
        q(f"/v1/assets/{source}/history", kind="nonsense"),
        *[f"/v1/assets/{a}/lineage" for a in (source, derived, port)],
        q(f"/v1/assets/{source}/lineage", depth=1), q(f"/v1/assets/{source}/lineage", depth=11),
        f"/v1/assets/{missing_asset}/lineage",
        # rights
        *[f"/v1/assets/{a}/rights" for a in (source, derived, port, dutyfree)],
        q(f"/v1/assets/{source}/rights", at=15), q(f"/v1/assets/{source}/rights", at="2030-01-01T00:00:40Z"),
        q(f"/v1/assets/{source}/rights", at="2031-06-01T00:00:00Z"), q(f"/v1/assets/{source}/rights", limit=2),
        q(f"/v1/assets/{source}/rights", limit=2, offset=2), q(f"/v1/assets/{source}/rights", at="never"),
        q(f"/v1/assets/{source}/rights", at=head + 1000), f"/v1/assets/{missing_asset}/rights",
        *[f"/v1/parties/{p}/rights" for p in (w["alice"], w["bob"], w["carol"], nobody)],
        q(f"/v1/parties/{w['bob']}/rights", limit=1, offset=1), "/v1/parties/0xzz/rights",
        # trades and webhooks (the world records no trade and registers no webhook: empty lists and refusals)
        "/v1/trades", q("/v1/trades", asset=source), q("/v1/trades", limit=1, offset=1),
        f"/v1/trades/{w['exchange_a']}/NOPE2030000001", "/v1/webhooks", "/v1/webhooks/nonexistent/dead-letters",
        # registration, attestations, certificate
        *[f"/v1/assets/{a}/registration" for a in (source, port, weather, derived, missing_asset)],
        *[f"/v1/assets/{a}/attestations" for a in (source, derived, missing_asset)],
        q(f"/v1/assets/{source}/attestations", limit=1, offset=1),
        *[f"/v1/assets/{a}/certificate" for a in (source, port, missing_asset)],
        q(f"/v1/assets/{source}/certificate", format="html"), q(f"/v1/assets/{source}/certificate", format="pdf"),
        "/v1/registrations", q("/v1/registrations", status="publicity"), q("/v1/registrations", status="registered"),
        q("/v1/registrations", status="refused"), q("/v1/registrations", status="rejected"),
        q("/v1/registrations", registrar=w["exchange_a"]),
        q("/v1/registrations", certificate=cert), q("/v1/registrations", certificate="nonexistent"),
        q("/v1/registrations", status="nonsense"), q("/v1/registrations", limit=1, offset=1),
        # listings
        "/v1/listings", q("/v1/listings", exchange=w["exchange_a"]), q("/v1/listings", exchange=w["exchange_b"]),
        q("/v1/listings", asset=source), q("/v1/listings", status="listed"), q("/v1/listings", status="delisted"),
        q("/v1/listings", status="suspended"), q("/v1/listings", status="gone"), q("/v1/listings", exchange="0x1"),
        q("/v1/listings", limit=1, offset=1),
        *[f"/v1/listings/{n}" for n in (w["listing"], w["cross_listing"], 999, -1)], "/v1/listings/abc",
        q("/v1/listings/feed", exchange=w["exchange_a"]), q("/v1/listings/feed", exchange=w["exchange_b"]),
        q("/v1/listings/feed", exchange=w["exchange_b"], after=0, limit=1), "/v1/listings/feed",
        q("/v1/listings/feed", exchange="bad"), "/v1/listings/policies",
        # routes the world has no rows for: empty answers, 404s and refusals (unsigned reads)
        q("/v1/trades/feed", exchange=w["exchange_a"]), f"/v1/assets/{source}/accounting",
        f"/v1/assets/{source}/finance-remarks", f"/v1/assets/{source}/accounting/{w['alice']}",
        f"/v1/assets/{missing_asset}/finance-remarks", "/v1/recognitions", "/v1/recognitions/1",
        f"/v1/certificates/{cert}", "/v1/certificates/nonexistent", "/v1/authorisations", "/v1/authorisations/1",
        "/v1/authorisations/1/assets",
        # participants
        "/v1/participants", q("/v1/participants", role="exchange"), q("/v1/participants", role="regulator"),
        q("/v1/participants", role="astronaut"), q("/v1/participants", limit=2, offset=1),
        *[f"/v1/participants/{p}" for p in (w["exchange_a"], w["exchange_b"], Account.from_key(dev_key(0)).address,
                                             nobody)], "/v1/participants/nonsense",
        f"/v1/names?address={w['alice']}&address={w['bob']}&address={nobody}", "/v1/names?address=0x1", "/v1/names",
        # content
        f"/v1/metadata/{metadata_cid}", f"/v1/content/{metadata_cid}", f"/v1/content/{content_cid}",
        f"/v1/metadata/{'b' * 59}", "/v1/metadata/nonsense", "/v1/content/nonsense",
        # the explorer's pages
        "/v1/relay/0123456789abcdef", "/v1/relay/nonsense",
        "/", "/search", "/verify", "/status", f"/assets/{source}", f"/assets/{source}/history",
        f"/assets/{source}/lineage", f"/parties/{w['bob']}", f"/verify/{cert}",
    ]
    posts = [
        ("/v1/verify", {"sha256": w["source_sha256"]}),
        ("/v1/verify", {"sha256": "00" * 32}),
        ("/v1/verify", {"sha256": "nonsense"}),
        ("/v1/verify", {}),
        ("/v1/metadata", {"name": "incomplete"}),
        ("/v1/relay/register", {}),
        ("/v1/relay/nonsense", {}),
        ("/v1/transactions", {"raw": "0x00"}),
        ("/v1/transactions", {"raw_transaction": "0x00"}),
    ]
    return [("GET", path, None) for path in gets] + [("POST", path, body) for path, body in posts]


def covered(openapi: dict, requests: list[tuple[str, str, dict | None]]) -> list[str]:
    """GET routes of the OpenAPI no recorded request reaches."""
    paths = [p.split("?")[0] for m, p, _ in requests if m == "GET"]
    missing = []
    for template, methods in openapi["paths"].items():
        if "get" not in methods:
            continue
        pattern = re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$")
        if not any(pattern.match(p) for p in paths):
            missing.append(template)
    return missing


def mask(value):
    if isinstance(value, dict):
        return {k: ("<wall clock>" if k in WALL_CLOCK_FIELDS and v is not None else mask(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v) for v in value]
    return value


def record(h: Harness, requests, ids: dict) -> dict:
    answers = {}
    source_file = Path(ids["world"]["source_file"])
    uploads = [("POST", "/v1/verify", {"file": ("traffic-flow.csv", source_file.read_bytes(), "text/csv")}),
               ("POST", "/v1/verify", {"file": ("other.csv", b"a,b\n1,2\n", "text/csv")})]
    for method, path, body in requests + uploads:
        if isinstance(body, dict) and "file" in body and isinstance(body["file"], tuple):
            response = h.http.request(method, path, files=body)
            body = {"file": body["file"][0]}
        elif body is not None:
            response = h.http.request(method, path, json=body)
        else:
            response = h.http.request(method, path)
        content_type = response.headers.get("content-type", "")
        if "json" in content_type:
            try:
                answer = mask(response.json())
            except ValueError:
                answer = response.text
        else:
            # The certificate's QR code encodes its verification URL, whose port differs each run: the URL is
            # compared in the page's text.
            answer = re.sub(r'<svg [^>]*class="segno".*?</svg>', "<QR code>", response.text, flags=re.S)
        key = f"{method} {path}" + (f" {json.dumps(body, sort_keys=True)}" if body is not None else "")
        text = json.dumps(answer, ensure_ascii=False)
        for volatile, name in ((h.api_url, "<api>"), (h.rpc_url, "<rpc>"), (str(h.work), "<data dir>"),
                               (str(h.api_port), "<api port>")):
            text = text.replace(volatile, name)
        answers[key] = {"status": response.status_code,
                        "headers": {k: response.headers[k] for k in HEADERS if k in response.headers},
                        "body": json.loads(text)}
    return answers


def run(out: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="compare-api-") as tmp:
        h = Harness(Path(tmp))
        try:
            h.start()
            ids = build_chain(h)
            requests = requests_for(h, ids)
            missing = covered(h.http.get("/openapi.json").json(), requests)
            if missing:
                raise SystemExit(f"No recorded request reaches {', '.join(missing)}: add one to requests_for().")
            answers = record(h, requests, ids)
        finally:
            h.stop()
    out.write_text(json.dumps(answers, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    statuses = {}
    for a in answers.values():
        statuses[a["status"]] = statuses.get(a["status"], 0) + 1
    print(f"{len(answers)} requests recorded in {out} (status codes: "
          f"{', '.join(f'{k}: {v}' for k, v in sorted(statuses.items()))})")


def _diff(path: str, a, b, out: list[str]) -> None:
    if type(a) is not type(b):
        out.append(f"  {path}: {json.dumps(a, ensure_ascii=False)[:200]} -> {json.dumps(b, ensure_ascii=False)[:200]}")
    elif isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in b:
                out.append(f"  {path}.{k}: removed")
            elif k not in a:
                out.append(f"  {path}.{k}: added {json.dumps(b[k], ensure_ascii=False)[:200]}")
            else:
                _diff(f"{path}.{k}", a[k], b[k], out)
    elif isinstance(a, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            _diff(f"{path}[{i}]", x, y, out)
    elif a != b:
        out.append(f"  {path}: {json.dumps(a, ensure_ascii=False)[:200]} -> {json.dumps(b, ensure_ascii=False)[:200]}")


def _without(value, names: set[str]):
    if isinstance(value, dict):
        return {k: _without(v, names) for k, v in value.items() if k not in names}
    if isinstance(value, list):
        return [_without(v, names) for v in value]
    return value


def compare(first: Path, second: Path, ignore: set[str] = frozenset()) -> int:
    """Prints every request whose answer differs; `ignore` names fields left out at any depth (a field added on
    purpose, to show that nothing else changed)."""
    a, b = _without(json.loads(first.read_text()), ignore), _without(json.loads(second.read_text()), ignore)
    differing = 0
    for key in sorted(set(a) | set(b)):
        if key not in b:
            print(f"{key}: only in {first}")
            differing += 1
        elif key not in a:
            print(f"{key}: only in {second}")
            differing += 1
        elif a[key] != b[key]:
            lines: list[str] = []
            _diff("", a[key], b[key], lines)
            print(f"{key}:")
            print("\n".join(lines[:20]) + (f"\n  ... {len(lines) - 20} more" if len(lines) > 20 else ""))
            differing += 1
    print(f"{len(set(a) & set(b))} requests compared, {differing} differ")
    return 1 if differing else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", type=Path, help="where to write the recording (JSON)")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"), help="compare two recordings")
    parser.add_argument("--ignore", action="append", default=[], metavar="FIELD",
                        help="with --compare: leave this field out at any depth (repeatable)")
    args = parser.parse_args()
    if args.compare:
        raise SystemExit(compare(*args.compare, ignore=set(args.ignore)))
    if not args.out:
        parser.error("give the file to record into, or --compare A B")
    run(args.out)


if __name__ == "__main__":
    main()
