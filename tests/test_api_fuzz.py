"""Property-based fuzzing of the HTTP API from its own OpenAPI document (schemathesis): every operation, valid
and invalid input, against a real stack (anvil, indexer, API over HTTP). No answer may be a 5xx, and every 4xx
must be JSON with an `error` code and a `message` that says what was wrong.

Bounded and repeatable: a fixed seed, derandomized Hypothesis, a fixed number of examples per operation.
"""
from __future__ import annotations

import json
import re
import zlib
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import response_schema_conformance

from registry.chain.operations import (
    AddParticipant,
    Grant,
    GrantTerms,
    ListingConsent,
    ListingPolicy,
    ListingRequest,
    ListProduct,
    SetListingPolicy,
)
from registry.chain.types import RightKind, Source
from registry.devchain import DEPLOYER_ACCOUNT, dev_key
from registry.metadata import canonical_bytes, parse_metadata
from registry.prepare import prepare_registration
from tests.conftest import random_registration
from tests.faults import anvil_node, own_stack, postgres_database

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
MAX_EXAMPLES = 25
SEED = 20261122
#: Messages that name no problem: a 4xx must say what was wrong.
VAGUE = {"", "not found", "bad request", "method not allowed", "there was an error parsing the body",
         "internal server error", "unprocessable entity", "error"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzz_stack(request, tmp_path_factory):
    """A stack of its own (the fuzzer must not use up the shared stack's rate limits) on each kind of database,
    with an asset, a derived asset, a grant, an exchange and a listing, so generated requests also reach ids
    that exist."""
    from eth_account import Account

    with ExitStack() as resources:
        database_url = resources.enter_context(postgres_database()) if request.param == "postgresql" else None
        anvil_url, _ = resources.enter_context(anvil_node())
        env = {"DATAREG_WRITE_RATE_LIMIT": "off", "DATAREG_STORE_RATE_LIMIT": "off"}
        s = resources.enter_context(own_stack(anvil_url, tmp_path_factory.mktemp("fuzz"), database_url=database_url,
                                              env=env))
        alice, bob, exchange = s.accounts[1], s.accounts[2], s.accounts[4]
        document = parse_metadata((EXAMPLES / "traffic-flow.json").read_text())
        assert s.http.post("/v1/metadata", json=json.loads(canonical_bytes(document))).status_code == 201
        data = tmp_path_factory.mktemp("fuzzdata") / "flows.csv"
        data.write_text("detector,hour,vehicles\nD1,08,1200\n")
        prepared = prepare_registration(data, document, alice.address,
                                        holders=[(alice.address, k) for k in RightKind])
        asset = s.client.register(prepared.registration, alice).asset_ids[0]
        s.client.register(random_registration([(alice.address, 7)], sources=[Source(asset, 2)]), alice)
        terms = GrantTerms(bob.address, valid_until=s.chain_time() + 86_400 * 30, transferable=True)
        right = s.client.execute(Grant(asset, 3, terms), alice).events[0].args["rightIndex"]
        s.client.execute(AddParticipant(exchange.address, "exchange", "上海数据交易所", "91310000MA1FL70B7K"),
                         Account.from_key(dev_key(DEPLOYER_ACCOUNT)))
        s.client.execute(SetListingPolicy(ListingPolicy(allow_uncertified=True)), exchange)
        listing = ListingRequest(asset, right, "SDE-FUZZ-1")
        consent = s.client.sign(ListingConsent(exchange.address, listing), bob)
        listed = s.client.execute(ListProduct.with_consent(listing, consent), exchange)
        s.wait_block(listed.block_number)
        s.known = {"asset_id": asset, "address": bob.address, "listing_id": listed.events[0].args["listingId"],
                   "cid": prepared.metadata_cid}
        yield s


def openapi_document() -> dict:
    """The API's own OpenAPI document, from the app as `create_app` builds it (no chain or server needed to
    describe it: a placeholder deployment in a temporary directory)."""
    import tempfile

    from api.main import create_app
    from registry.config import Deployment
    from tests.conftest import make_settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = make_settings(Path(tmp), "http://127.0.0.1:9")
        Deployment(31337, {name: "0x" + f"{i:040x}" for i, name in enumerate(
            ("DataRegistry", "ParticipantRegistry", "ListingRegistry", "RegistrationOffice", "AttestationRegistry",
             "Forwarder"), start=1)}, 1).save(settings.deployment_file)
        app = create_app(settings)
        document = app.openapi()
        app.state.services.engine.dispose()
        return document


#: Values a random generator rarely draws and that break servers: integers past the database's 64 bits, digits
#: that str.isdigit() accepts and int() refuses, NUL, lone surrogates' neighbours, right-to-left marks, very long.
EXTREME_INTEGERS = [2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64, 10**30, -(2**63) - 1]
EXTREME_STRINGS = ["18446744073709551616", "9" * 40, "-1", "²", "١٢٣", "１２３", "0x" + "f" * 64, "1e309", "NaN",
                   "\u0000", "\u202e", "2026-13-45T99:99:99Z", "99999-01-01", "0001-01-01T00:00:00+23:59",
                   "' OR 1=1 --", "../../etc/passwd", "%00", "Qm" + "1" * 44, "x" * 5000]
CONFIG = schemathesis.Config.from_dict({
    "seed": SEED,
    "dictionaries": {"extreme-integers": {"values": EXTREME_INTEGERS},
                     "extreme-strings": {"values": EXTREME_STRINGS}},
    "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "mode": "all", "database": "none",
                   "dictionaries": {"integer": {"dictionary": "extreme-integers", "probability": 0.25},
                                    "string": {"dictionary": "extreme-strings", "probability": 0.25}}},
    "phases": {"stateful": {"enabled": False}},
})
schema = schemathesis.openapi.from_dict(openapi_document(), config=CONFIG)


def _known_ids(case, known: dict) -> None:
    """Half the generated path parameters (chosen by the value, so the run repeats) become ids that exist."""
    for name, value in list((case.path_parameters or {}).items()):
        if name in known and zlib.crc32(repr(value).encode()) % 2 == 0:
            case.path_parameters[name] = known[name]


def _sendable_headers(case) -> None:
    """Header values as a client can send them: HTTP headers are bytes, and `requests` refuses a str outside
    latin-1 or with control characters (a client-side error, before anything is sent). The generated text goes as
    its UTF-8 bytes, control characters and surrounding spaces left out: the API still gets the odd bytes (the
    signed read request's Authorization header among them)."""
    for name, value in list((case.headers or {}).items()):
        if isinstance(value, str):
            text = re.sub(r"[\x00-\x1f\x7f]", "", value.encode("utf-8").decode("latin-1")).strip()
            if text != value:
                case.headers[name] = text


def unclear(response) -> str | None:
    """What is wrong with an answer, if anything: a 5xx, or a 4xx that is not JSON with an error code and a
    message that names the problem."""
    if response.status_code >= 500:
        return f"server error {response.status_code}: {response.text[:500]}"
    if response.status_code < 400:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    if not content_type.startswith("application/json"):
        return f"{response.status_code} is not JSON ({content_type}): {response.text[:300]}"
    body = response.json()
    if not isinstance(body, dict) or not isinstance(body.get("error"), str) or not body["error"]:
        return f"{response.status_code} has no error code: {body}"
    message = body.get("message")
    if not isinstance(message, str) or message.strip().lower().rstrip(".") in VAGUE or len(message) < 20:
        return f"{response.status_code} has an unclear message: {body}"
    return None


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_server_error_and_every_refusal_is_clear(case, fuzz_stack):
    _known_ids(case, fuzz_stack.known)
    _sendable_headers(case)
    response = case.call(base_url=fuzz_stack.api_url, timeout=60)
    problem = unclear(response)
    if problem:
        body = "" if case.body is None or type(case.body).__name__ == "NotSet" else f" body={str(case.body)[:300]!r}"
        pytest.fail(f"{case.method} {case.formatted_path} query={case.query!r}{body} -> {problem}", pytrace=False)
    case.validate_response(response, checks=[response_schema_conformance])


# ───────────── every parameter of every operation at its extremes, deterministically ─────────────

DOCUMENT = openapi_document()
PARAMETERS = [
    (method.upper(), path, parameter, operation.get("parameters", []))
    for path, operations in DOCUMENT["paths"].items()
    for method, operation in operations.items()
    for parameter in operation.get("parameters", [])
    if parameter["in"] in ("path", "query")
]


def _type(parameter: dict) -> str:
    schema = parameter.get("schema", {})
    types = [schema.get("type")] + [option.get("type") for option in schema.get("anyOf", [])]
    return "integer" if "integer" in types else "string"


@pytest.mark.parametrize("method, path, parameter, parameters", PARAMETERS,
                         ids=[f"{m} {p} {q['name']}" for m, p, q, _ in PARAMETERS])
def test_every_parameter_at_its_extremes(fuzz_stack, method, path, parameter, parameters):
    """Each path and query parameter of each operation, alone, at every extreme value of its type (the other
    path parameters are ids that exist): never a 5xx, every refusal clear."""
    known = {**fuzz_stack.known, "operation": "register", "exchange": fuzz_stack.known["address"]}
    values = EXTREME_INTEGERS if _type(parameter) == "integer" else EXTREME_STRINGS
    failures = []
    for value in values:
        url, query = path, {}
        for other in parameters:
            given = value if other is parameter else known.get(other["name"])
            if given is None or (other is not parameter and other["in"] == "query" and not other.get("required")):
                continue
            if other["in"] == "path":
                url = url.replace("{" + other["name"] + "}", quote(str(given), safe=""))
            else:
                query[other["name"]] = str(given)
        response = fuzz_stack.http.request(method, url, params=query,
                                           json={} if method == "POST" else None)
        problem = unclear(_Answer(response))
        if problem:
            failures.append(f"{method} {url} {query} -> {problem}")
    assert not failures, "\n".join(failures)


class _Answer:
    """An httpx response seen as schemathesis shows one (headers as lists)."""

    def __init__(self, response) -> None:
        self.status_code = response.status_code
        self.text = response.text
        self.headers = {k: [v] for k, v in response.headers.items()}
        self.json = response.json


# ───────────── relayed operations: the right field names, values of every wrong kind ─────────────

B32 = st.sampled_from(["0x" + "ab" * 32, "KNOWN_ASSET", "0x" + "00" * 32])
ADDRESS = st.sampled_from(["0x" + "11" * 20, "REGISTRY", "0x" + "00" * 20])
KINDS = st.lists(st.sampled_from(["holding", "usage", "operating", "持有权", "ownership", ""]), max_size=3)
WHOLE = st.one_of(st.integers(0, 10), st.integers(0, 2**64), st.sampled_from(EXTREME_INTEGERS + [2**256, 2**256 - 1]))
#: Plausible values per field (most cases reach the contract call), each also replaced at times by any JSON.
FIELDS = {
    "content_hash": B32, "content_cid": B32, "metadata_cid": B32, "terms_cid": B32, "evidence_cid": B32,
    "asset_id": B32, "classification": st.integers(0, 300), "attributes": st.integers(0, 300),
    "sources": st.lists(st.fixed_dictionaries({"asset_id": B32, "right_index": WHOLE}), max_size=2),
    "holders": st.lists(st.fixed_dictionaries({"account": ADDRESS, "kinds": KINDS}), max_size=2),
    "parent_index": WHOLE, "right_index": WHOLE, "reason_code": st.integers(0, 70_000),
    "valid_from": WHOLE, "valid_until": WHOLE, "quantity": WHOLE, "to": ADDRESS, "grantee": ADDRESS,
    "sub_grantable": st.booleans(), "transferable": st.booleans(), "purpose": st.text(max_size=250),
    "territory": st.text(max_size=20), "data": st.binary(max_size=80).map(lambda b: "0x" + b.hex()),
    "gas": st.one_of(st.integers(0, 40_000_000), WHOLE), "value": st.integers(0, 2),
}
OPERATION_FIELDS = {
    "register": ["content_hash", "content_cid", "metadata_cid", "classification", "attributes", "sources", "holders"],
    "grant": ["asset_id", "parent_index", "terms"],
    "transfer": ["asset_id", "right_index", "to"],
    "revoke": ["asset_id", "right_index", "reason_code", "evidence_cid"],
    "renew": ["asset_id", "right_index", "valid_until"],
    "forward": ["to", "data", "gas", "value"],
}
TERMS = ["grantee", "valid_from", "valid_until", "sub_grantable", "transferable", "purpose", "territory", "quantity",
         "terms_cid"]
json_scalars = st.one_of(st.none(), st.booleans(), st.sampled_from(EXTREME_INTEGERS), st.integers(),
                         st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(EXTREME_STRINGS),
                         st.text(max_size=30))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                                  st.dictionaries(st.text(max_size=8), inner,
                                                                                  max_size=3)), max_leaves=6)


def _mostly(draw, plausible, share: int = 6):
    """A plausible value, and about one time in `share` any JSON value instead."""
    return draw(json_values) if draw(st.integers(0, share - 1)) == share - 1 else draw(plausible)


def _field(draw, name: str):
    return _mostly(draw, FIELDS[name])


@st.composite
def relay_bodies(draw):
    operation = draw(st.sampled_from(sorted(OPERATION_FIELDS)))
    names = draw(st.lists(st.sampled_from(OPERATION_FIELDS[operation]), unique=True))
    if draw(st.integers(0, 2)) < 2:  # mostly every field
        names = OPERATION_FIELDS[operation]
    fields = {}
    for name in names:
        if name == "terms":
            fields[name] = {t: _field(draw, t) for t in TERMS if draw(st.integers(0, 5)) < 5}
        else:
            fields[name] = _field(draw, name)
    body = {"signer": _mostly(draw, ADDRESS, 25),
            "deadline": _mostly(draw, st.one_of(WHOLE, st.integers(2**31, 2**34)), 25),
            "signature": _mostly(draw, st.binary(max_size=70).map(lambda b: "0x" + b.hex()), 25),
            "operation": fields}
    return operation, body


@settings(max_examples=150, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(relay_bodies())
def test_relayed_operations_with_wrong_values_are_refused_clearly(fuzz_stack, request_body):
    operation, body = request_body
    text = json.dumps(body).replace('"KNOWN_ASSET"', json.dumps(fuzz_stack.known["asset_id"])) \
        .replace('"REGISTRY"', json.dumps(fuzz_stack.deployment.registry))
    response = fuzz_stack.http.post(f"/v1/relay/{operation}", content=text,
                                    headers={"content-type": "application/json"})
    problem = unclear(_Answer(response))
    assert not problem, f"POST /v1/relay/{operation} {text[:400]} -> {problem}"
    assert response.status_code >= 400, "a request with a forged signature was relayed"
