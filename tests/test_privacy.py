"""Privacy by role (issue 16): signed read requests, who may read application documents, objection evidence and
contact details on every route that bears them, private documents encrypted at rest, and errors that name no
server path. The read requests and the encrypted store are tested alone first (fast layer), then on a stack."""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from eth_account import Account

from registry import rules
from registry.chain import read_request
from registry.chain.keys import create_keystore
from registry.chain.operations import (
    AcceptApplication,
    AddParticipant,
    ApplyForChange,
    ApplyForRegistration,
    ConfigureRegistrar,
    LodgeObjection,
    ResolveObjection,
    ReviewApplication,
    SetPublicityPeriod,
)
from registry.chain.types import RightKind
from registry.content.cid import cid_to_digest
from registry.content.fingerprint import fingerprint_bytes
from registry.content.private import EncryptedContentStore, load_key, open_private_store, parse_key
from registry.devchain import DEPLOYER_ACCOUNT, dev_key
from registry.errors import ConfigurationError, ContentError
from registry.metadata import canonical_bytes, parse_metadata
from registry.prepare import prepare_registration

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ADMIN = Account.from_key(dev_key(DEPLOYER_ACCOUNT))
CHAIN, REGISTRY = 31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3"
ZERO = bytes(32)

# ─────────────────────────────── read requests alone ───────────────────────────────


def _verify(header: str, resource: str = "GET /v1/content/x", now: int | None = None, **kwargs):
    return read_request.verify(header, resource, kwargs.pop("chain_id", CHAIN), kwargs.pop("registry", REGISTRY),
                               int(time.time()) if now is None else now, **kwargs)


def _refusal(header: str, **kwargs) -> str:
    with pytest.raises(read_request.ReadRequestRefused) as caught:
        _verify(header, **kwargs)
    return caught.value.code


def _tamper(header: str, **message) -> str:
    """The header with message fields changed after signing (the signature left as it was)."""
    token = header.split(" ", 1)[1]
    body = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    body["message"].update(message)
    return f"{read_request.SCHEME} " + base64.urlsafe_b64encode(json.dumps(body).encode()).decode()


def test_a_signed_read_request_proves_its_reader():
    alice = Account.create()
    header = read_request.sign(alice, "GET /v1/content/x", CHAIN, REGISTRY)
    assert header.startswith("DataReg-EIP712 ")
    assert _verify(header).reader == alice.address
    # The typed data is EIP-712 in the registry's domain: any EIP-712 wallet signs the same bytes.
    typed = read_request.typed_data({"reader": alice.address, "resource": "r", "issuedAt": 1, "expiresAt": 2,
                                     "requestId": "0x" + "11" * 32}, CHAIN, REGISTRY)
    assert typed["domain"] == {"name": "DataRegistry", "version": "1", "chainId": CHAIN, "verifyingContract": REGISTRY}
    assert typed["primaryType"] == "ReadRequest"


def test_expired_forged_replayed_and_misdirected_read_requests_are_refused():
    alice, mallory = Account.create(), Account.create()
    now = int(time.time())
    assert _refusal(read_request.sign(alice, "GET /v1/content/x", CHAIN, REGISTRY, now=now - 120, lifetime=60)) \
        == "read_request_expired"
    # Forged: mallory signs a request naming alice as its reader; or alice's request with its resource changed.
    forged = _tamper(read_request.sign(mallory, "GET /v1/content/x", CHAIN, REGISTRY), reader=alice.address)
    assert _refusal(forged) == "read_request_invalid_signature"
    changed = _tamper(read_request.sign(alice, "GET /v1/content/y", CHAIN, REGISTRY), resource="GET /v1/content/x")
    assert _refusal(changed) == "read_request_invalid_signature"
    assert _refusal(_tamper(read_request.sign(alice, "GET /v1/content/x", CHAIN, REGISTRY), expiresAt=now + 10**6)) \
        == "read_request_invalid_signature"
    # Another chain, another registry, another route.
    assert _refusal(read_request.sign(alice, "GET /v1/content/x", 1, REGISTRY)) == "read_request_wrong_domain"
    assert _refusal(read_request.sign(alice, "GET /v1/content/x", CHAIN, "0x" + "12" * 20)) \
        == "read_request_wrong_domain"
    assert _refusal(read_request.sign(alice, "GET /v1/assets/y", CHAIN, REGISTRY)) == "read_request_wrong_resource"
    # Living too long, issued in the future, malformed.
    assert _refusal(read_request.sign(alice, "GET /v1/content/x", CHAIN, REGISTRY, lifetime=3600)) \
        == "read_request_too_long"
    assert _refusal(read_request.sign(alice, "GET /v1/content/x", CHAIN, REGISTRY, now=now + 600)) \
        == "read_request_not_yet_valid"
    for bad in ("Bearer abc", "DataReg-EIP712 !!!", "DataReg-EIP712 " + base64.b64encode(b"[1]").decode(),
                "DataReg-EIP712 " + "A" * 5000):
        assert _refusal(bad) == "read_request_malformed"
    # Each request id is answered once.
    guard = read_request.ReplayGuard()
    header = read_request.sign(alice, "GET /v1/content/x", CHAIN, REGISTRY)
    _verify(header, replay=guard)
    assert _refusal(header, replay=guard) == "read_request_replayed"


def test_contact_details_are_taken_out_of_a_metadata_document():
    document = json.loads((EXAMPLES / "traffic-flow.json").read_text())
    shown, had = rules.without_contact(document)
    assert had and "contact" not in shown["applicant"] and shown["applicant"]["name"] == document["applicant"]["name"]
    assert "contact" in document["applicant"]  # the original is untouched
    assert rules.without_contact(shown) == (shown, False)


# ─────────────────────────────── the encrypted store alone ───────────────────────────────


def test_private_documents_are_encrypted_at_rest_under_their_plaintext_cid(tmp_path):
    key = load_key(tmp_path, None)
    assert (tmp_path / "content.key").stat().st_mode & 0o777 == 0o600
    assert load_key(tmp_path, None) == key  # generated once
    store = EncryptedContentStore(tmp_path / "private", key)
    secret = "申请材料 application documents, 联系人 陈晓峰".encode() * 50
    cid = store.put(secret)
    assert cid == fingerprint_bytes(secret).cid  # what `ipfs add` and `datareg fingerprint` give the plaintext
    files = [p for p in (tmp_path / "private").rglob("*") if p.is_file()]
    assert [p.name for p in files] == [cid]
    assert secret not in files[0].read_bytes() and "陈晓峰".encode() not in files[0].read_bytes()
    assert store.get(cid) == secret and store.has(cid)
    with pytest.raises(ContentError, match="does not decrypt"):
        EncryptedContentStore(tmp_path / "private", os.urandom(32)).get(cid)
    raw = bytearray(files[0].read_bytes())
    raw[-1] ^= 1
    files[0].write_bytes(bytes(raw))
    with pytest.raises(ContentError, match="does not decrypt"):
        store.get(cid)
    assert parse_key("ab" * 32) == bytes([0xAB]) * 32
    assert parse_key(base64.b64encode(bytes(32)).decode()) == bytes(32)
    with pytest.raises(ConfigurationError, match="32 bytes"):
        parse_key("short")


def test_the_content_key_is_generated_when_first_needed(tmp_path):
    store = open_private_store(tmp_path / "data", None)
    assert not (tmp_path / "data").exists()  # an API that stores no private document writes nothing
    cid = store.put(b"private")
    assert (tmp_path / "data" / "content.key").is_file()
    assert open_private_store(tmp_path / "data", None).get(cid) == b"private"
    configured = open_private_store(tmp_path / "other", "cd" * 32)
    assert configured.get(configured.put(b"x")) == b"x" and not (tmp_path / "other" / "content.key").exists()


# ─────────────────────────────── on a stack ───────────────────────────────

APPLICATION = "%PDF-1.4 application documents: 营业执照, data source statement".encode() * 20
EVIDENCE = b"%PDF-1.4 objection evidence: prior rights contract" * 20
CHANGE = b"%PDF-1.4 change documents: new data source" * 20


class World:
    """An application in publicity with private documents and an objection with private evidence, the parties
    (applicant 1, registrar 6, regulator 7, objector 4) and an unrelated key; and a refused application."""

    def __init__(self, s, tmp_path: Path) -> None:
        self.s = s
        self.applicant, self.registrar, self.regulator, self.objector = (s.accounts[i] for i in (1, 6, 7, 4))
        self.unrelated = Account.create()
        for account, role, name in ((self.registrar, "registrar", "福建省数据登记中心"),
                                    (self.regulator, "regulator", "福建省网信办"),
                                    (self.objector, "exchange", "海峡数据交易所")):
            s.client.execute(AddParticipant(account.address, role, name, "91350000000000000X"), ADMIN)
        s.client.execute(ConfigureRegistrar(self.registrar.address, "35", "A"), ADMIN)
        s.client.execute(SetPublicityPeriod(5 * 86_400), ADMIN)
        self.document = parse_metadata((EXAMPLES / "traffic-flow.json").read_text())
        stored = s.http.post("/v1/metadata", json=json.loads(canonical_bytes(self.document))).json()
        self.metadata_cid = stored["cid"]
        self.documents = s.http.post("/v1/content", params={"private": "true"}, content=APPLICATION).json()["cid"]
        self.evidence = s.http.post("/v1/content", params={"private": "true"}, content=EVIDENCE).json()["cid"]
        self.asset = self.register(tmp_path, b"roads")
        self.step(ApplyForRegistration(self.asset, self.registrar.address, cid_to_digest(self.documents)),
                  self.applicant)
        self.step(AcceptApplication(self.asset), self.registrar)
        self.step(ReviewApplication(self.asset, True, 0, ZERO), self.registrar)
        lodged = self.step(LodgeObjection(self.asset, 2, cid_to_digest(self.evidence)), self.objector)
        self.objection = lodged.events[0].args["objectionId"]
        # A second application, refused after an upheld objection.
        self.refused = self.register(tmp_path, b"refused")
        self.step(ApplyForRegistration(self.refused, self.registrar.address, bytes([7]) * 32), self.applicant)
        self.step(AcceptApplication(self.refused), self.registrar)
        self.step(ReviewApplication(self.refused, True, 0, ZERO), self.registrar)
        upheld = self.step(LodgeObjection(self.refused, 2, ZERO), self.objector).events[0].args["objectionId"]
        self.step(ResolveObjection(self.refused, upheld, True, ZERO), self.registrar)
        # A change registration applied for with private documents.
        self.change_documents = s.http.post("/v1/content", params={"private": "true"}, content=CHANGE).json()["cid"]
        self.changed = self.register(tmp_path, b"changed")
        self.step(ApplyForChange(self.changed, self.registrar.address, cid_to_digest(self.metadata_cid), ZERO,
                                 documents_cid=cid_to_digest(self.change_documents)), self.applicant)

    def register(self, tmp_path: Path, content: bytes) -> str:
        data = tmp_path / f"{content.decode()}.csv"
        data.write_bytes(content + tmp_path.name.encode())
        owner = self.applicant
        prepared = prepare_registration(data, self.document, owner.address, [(owner.address, k) for k in RightKind])
        asset: str = self.s.client.register(prepared.registration, owner).asset_ids[0]
        return asset

    def step(self, operation, account):
        result = self.s.client.execute(operation, account)
        self.s.wait_block(result.block_number)
        return result

    def get(self, path: str, who=None, **params):
        """GET as `who` (None: anonymous), with a fresh signed read request."""
        headers = {}
        if who is not None:
            headers["Authorization"] = read_request.sign(who, read_request.resource_of("GET", path),
                                                         self.s.deployment.chain_id, self.s.deployment.registry)
        return self.s.http.get(path, params=params, headers=headers)


@pytest.fixture(scope="module")
def world(private_stack, tmp_path_factory):
    return World(private_stack, tmp_path_factory.mktemp("privacy"))


def _parties(w: World) -> dict:
    return {"applicant": w.applicant, "registrar": w.registrar, "regulator": w.regulator, "objector": w.objector,
            "unrelated": w.unrelated, "anonymous": None}


#: Who may read what: the application documents and contact details, the objection's evidence.
DOCUMENTS = {"applicant", "registrar", "regulator"}
EVIDENCE_READERS = DOCUMENTS | {"objector"}


def test_application_documents_are_served_only_to_the_entitled_parties(world):
    w = world
    for name, who in _parties(w).items():
        answer = w.get(f"/v1/content/{w.documents}", who)
        if name in DOCUMENTS:
            assert answer.status_code == 200, (name, answer.text)
            assert answer.content == APPLICATION and answer.headers["cache-control"] == "private, no-store"
        elif who is None:
            assert answer.status_code == 401, answer.text
            body = answer.json()
            assert body["error"] == "authentication_required" and "sign a read request" in body["message"]
            assert answer.headers["www-authenticate"].startswith("DataReg-EIP712")
        else:
            assert answer.status_code == 403, (name, answer.text)
            body = answer.json()
            assert body["error"] == "forbidden" and who.address in body["message"]
            assert "only the applicant, the registrar handling the application and regulators" in body["message"]


def test_objection_evidence_is_served_to_the_objector_too(world):
    w = world
    for name, who in _parties(w).items():
        answer = w.get(f"/v1/content/{w.evidence}", who)
        expected = 200 if name in EVIDENCE_READERS else 401 if who is None else 403
        assert answer.status_code == expected, (name, answer.text)
        if expected == 200:
            assert answer.content == EVIDENCE


def test_asset_registration_and_history_withhold_documents_and_contact_from_others(world):
    w = world
    routes = [f"/v1/assets/{w.asset}", f"/v1/assets/{w.asset}/registration", f"/v1/assets/{w.asset}/history"]
    for name, who in _parties(w).items():
        detail, registration, history = (w.get(path, who) for path in routes)
        assert detail.status_code == registration.status_code == history.status_code == 200, name
        reg = detail.json()["registration"]
        assert registration.json() == reg
        events = {e["event"]: e for e in history.json()["data"]}
        contact = detail.json()["metadata"]["applicant"].get("contact")
        documents_cid, evidence_cid = reg["documents_cid"], reg["objections"][0]["evidence_cid"]
        filed, lodged = events["ApplicationFiled"], events["ObjectionLodged"]
        if name in DOCUMENTS:
            assert documents_cid == w.documents and contact["phone"] == "0592-5123456"
            assert filed["cids"]["documentsCid"] == w.documents
            assert filed["details"]["documentsCid"] == "0x" + cid_to_digest(w.documents).hex()
        else:
            assert documents_cid is None and contact is None, name
            assert "documentsCid" not in filed["cids"] and filed["details"]["documentsCid"] is None
            assert "registration.documents_cid" in detail.headers["datareg-withheld"]
            assert "metadata.applicant.contact" in detail.headers["datareg-withheld"]
            assert "documents_cid" in registration.headers["datareg-withheld"]
            assert "details.documentsCid" in history.headers["datareg-withheld"]
        if name in EVIDENCE_READERS:
            assert evidence_cid == w.evidence and lodged["cids"]["evidenceCid"] == w.evidence
        else:
            assert evidence_cid is None and lodged["details"]["evidenceCid"] is None, name
            assert "details.evidenceCid" in history.headers["datareg-withheld"]
        # The rest of the answer is everyone's: the same for all.
        assert reg["stage"] == "publicity" and reg["applicant"] == w.applicant.address
        assert detail.json()["metadata"]["applicant"]["name"] == w.document.applicant.name
    csv = w.get(f"/v1/assets/{w.asset}/history", None, format="csv")
    assert csv.status_code == 200 and cid_to_digest(w.documents).hex() not in csv.text
    assert "details.documentsCid" in csv.headers["datareg-withheld"]
    assert cid_to_digest(w.documents).hex() in w.get(f"/v1/assets/{w.asset}/history", w.registrar,
                                                     format="csv").text


def test_metadata_contact_details_only_for_the_parties(world):
    w = world
    for name, who in _parties(w).items():
        answer = w.get(f"/v1/metadata/{w.metadata_cid}", who)
        assert answer.status_code == 200
        if name in DOCUMENTS:
            assert fingerprint_bytes(answer.content).cid == w.metadata_cid  # byte for byte
        else:
            shown = answer.json()
            assert "contact" not in shown["applicant"] and "0592" not in answer.text and "陈晓峰" not in answer.text
            assert shown["name"] == w.document.name
            assert answer.headers["datareg-withheld"] == "applicant.contact"


def test_refused_applications_are_listed_only_to_their_parties(world):
    w = world
    for name, who in _parties(w).items():
        listed = {r["asset_id"] for r in w.get("/v1/registrations", who).json()}
        refused = {r["asset_id"] for r in w.get("/v1/registrations", who, status="refused").json()}
        assert w.asset in listed
        if name in DOCUMENTS:
            assert w.refused in listed and w.refused in refused, name
        else:
            assert w.refused not in listed and not refused, name
    publicity = w.get("/v1/registrations", None, status="publicity").json()
    assert {"asset_id", "applicant_name", "data_name", "summary", "restrictions"} <= set(publicity[0])
    assert "documents_cid" not in publicity[0]


def test_bad_read_requests_on_a_route_get_401_saying_why(world):
    w = world
    path = f"/v1/content/{w.documents}"
    resource = read_request.resource_of("GET", path)
    deployment = w.s.deployment
    cases = {
        "read_request_expired": read_request.sign(w.registrar, resource, deployment.chain_id, deployment.registry,
                                                  now=int(time.time()) - 600),
        "read_request_invalid_signature": _tamper(read_request.sign(
            w.unrelated, resource, deployment.chain_id, deployment.registry), reader=w.registrar.address),
        "read_request_wrong_domain": read_request.sign(w.registrar, resource, 1, deployment.registry),
        "read_request_wrong_resource": read_request.sign(w.registrar, f"GET /v1/content/{w.evidence}",
                                                         deployment.chain_id, deployment.registry),
        "read_request_malformed": "DataReg-EIP712 not-base64-json",
    }
    for code, header in cases.items():
        answer = w.s.http.get(path, headers={"Authorization": header})
        assert answer.status_code == 401, (code, answer.text)
        assert answer.json()["error"] == code and answer.json()["message"]
    header = read_request.sign(w.registrar, resource, deployment.chain_id, deployment.registry)
    assert w.s.http.get(path, headers={"Authorization": header}).status_code == 200
    replayed = w.s.http.get(path, headers={"Authorization": header})
    assert replayed.status_code == 401 and replayed.json()["error"] == "read_request_replayed"


def test_private_documents_are_encrypted_in_the_servers_store_and_not_in_the_public_one(world):
    w = world
    data_dir = w.s.settings.data_dir
    files = [p for p in (data_dir / "private").rglob("*") if p.is_file()]
    assert {w.documents, w.evidence} <= {p.name for p in files}
    assert all(APPLICATION[:40] not in p.read_bytes() and EVIDENCE[:40] not in p.read_bytes() for p in files)
    public = {p.name for p in (data_dir / "content").rglob("*") if p.is_file()}
    assert w.documents not in public and w.evidence not in public
    # A public document stays public, content-addressed and byte for byte.
    terms = b"grant terms: public"
    cid = w.s.http.post("/v1/content", content=terms).json()["cid"]
    assert cid == fingerprint_bytes(terms).cid
    answer = w.get(f"/v1/content/{cid}")
    assert answer.status_code == 200 and answer.content == terms


def test_an_unbound_private_document_is_for_regulators_only(world):
    w = world
    cid = w.s.http.post("/v1/content", params={"private": "true"}, content=b"not yet filed").json()["cid"]
    assert w.get(f"/v1/content/{cid}").status_code == 401
    assert w.get(f"/v1/content/{cid}", w.applicant).status_code == 403
    assert w.get(f"/v1/content/{cid}", w.regulator).content == b"not yet filed"


def test_no_error_names_a_server_path(world):
    """Failed on the old code: a content 404 said "The local content store at '/.../content' has no content"."""
    w = world
    missing = fingerprint_bytes(b"never stored").cid
    for path in (f"/v1/content/{missing}", f"/v1/metadata/{missing}"):
        answer = w.get(path)
        assert answer.status_code == 404, answer.text
        message = answer.json()["message"]
        assert str(w.s.settings.data_dir) not in answer.text and "/tmp" not in answer.text and "content store" \
            in message, message


def test_the_cli_reads_as_a_party_with_key(world, tmp_path):
    w = world
    keys = {}
    for name, account in (("registrar", w.registrar), ("unrelated", w.unrelated)):
        keys[name] = tmp_path / f"{name}.json"
        create_keystore(keys[name], "", account.key.hex(), development=True)
    env = dict(os.environ, DATAREG_API_URL=w.s.api_url, DATAREG_RPC_URL=w.s.rpc_url, DATAREG_DATA_DIR=str(tmp_path))

    def datareg(*args: str, expect: int = 0) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", "registry.cli.main", *args], env=env, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == expect, result.stdout + result.stderr
        return result

    as_registrar = json.loads(datareg("--json", "registration", w.asset, "--key", str(keys["registrar"])).stdout)
    assert as_registrar["documents_cid"] == w.documents
    assert json.loads(datareg("--json", "registration", w.asset).stdout)["documents_cid"] is None
    shown = json.loads(datareg("--json", "show", w.asset, "--key", str(keys["registrar"])).stdout)
    assert shown["metadata"]["applicant"]["contact"]["email"] == "data@lutong-traffic.example"
    out = tmp_path / "documents.pdf"
    datareg("document", w.documents, "--out", str(out), "--key", str(keys["registrar"]))
    assert out.read_bytes() == APPLICATION
    refused = datareg("document", w.documents, "--key", str(keys["unrelated"]), expect=1)
    assert "may not read the application documents" in refused.stderr and "Traceback" not in refused.stderr
    anonymous = datareg("document", w.documents, expect=1)
    assert "sign a read request" in anonymous.stderr


def test_change_application_documents_only_for_the_parties(world):
    w = world
    for name, who in _parties(w).items():
        detail = w.get(f"/v1/assets/{w.changed}", who)
        change = detail.json()["change_application"]
        content = w.get(f"/v1/content/{w.change_documents}", who)
        filed = next(e for e in w.get(f"/v1/assets/{w.changed}/history", who).json()["data"]
                     if e["event"] == "ChangeApplied")
        if name in DOCUMENTS:
            assert change["documents_cid"] == w.change_documents and content.content == CHANGE, name
            assert filed["cids"]["documentsCid"] == w.change_documents
        else:
            assert change["documents_cid"] is None and "documentsCid" not in filed["cids"], name
            assert "change_application.documents_cid" in detail.headers["datareg-withheld"]
            assert content.status_code == (401 if who is None else 403)
            assert "he change documents of asset" in content.json()["message"]
