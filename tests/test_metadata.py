"""Metadata documents: the examples validate, bad documents are refused with messages naming the field, canonical
bytes are stable, and the committed JSON Schema is the generated one."""
from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from eth_abi import encode
from eth_utils import keccak
from hypothesis import given
from hypothesis import strategies as st

from registry.errors import MetadataError
from registry.metadata import (
    FLAG_DERIVED,
    FLAG_EXPORT_ALLOWED,
    FLAG_PERSONAL_INFORMATION,
    FLAG_SENSITIVE_PERSONAL_INFORMATION,
    MetadataDocument,
    RightKind,
    canonical_bytes,
    json_schema,
    parse_metadata,
)
from registry.metadata.__main__ import main as schema_main
from registry.metadata.codes import (
    CREDIT_CODE_ALPHABET,
    INDUSTRY_SECTIONS,
    credit_code_check_char,
    section_of_division,
)
from registry.metadata.schema import SCHEMA_PATH, schema_file_text

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
#: Each example document and the data file it describes.
EXAMPLE_DATA = {
    "traffic-flow.json": "traffic-flow.csv",
    "hospital-outcomes.json": "hospital-outcomes.csv",
    "retail-footfall-derived.json": "retail-footfall.csv",
}
ANVIL_ACCOUNT_0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
ANVIL_ACCOUNT_1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def refused(raw: Any) -> MetadataError:
    with pytest.raises(MetadataError) as caught:
        parse_metadata(raw)
    return caught.value


# ── Examples ─────────────────────────────────────────────────────────────────────────────────────────────


def test_examples_are_the_documented_three() -> None:
    assert sorted(path.name for path in EXAMPLES.glob("*.json")) == sorted(EXAMPLE_DATA)


@pytest.mark.parametrize("name", sorted(EXAMPLE_DATA))
def test_parse_example_validates(name: str) -> None:
    doc = parse_metadata((EXAMPLES / name).read_bytes())
    assert isinstance(doc, MetadataDocument)
    assert doc.schema_version == "datareg/metadata/v1"


@pytest.mark.parametrize("name", sorted(EXAMPLE_DATA))
def test_example_describes_its_data_file(name: str) -> None:
    doc = parse_metadata((EXAMPLES / name).read_bytes())
    data = (EXAMPLES / EXAMPLE_DATA[name]).read_bytes()
    assert doc.data_fingerprint == "0x" + hashlib.sha256(data).hexdigest()
    assert doc.volume.bytes == len(data)
    assert doc.volume.records == data.count(b"\n") - 1  # rows after the header line


def test_example_data_files_stay_small() -> None:
    assert sum((EXAMPLES / data).stat().st_size for data in EXAMPLE_DATA.values()) < 50_000


def test_derived_example_names_the_traffic_flow_asset_as_source() -> None:
    # The contract's asset id: keccak256(abi.encode(registrant, contentHash)), registered by anvil account 0.
    content_hash = hashlib.sha256((EXAMPLES / "traffic-flow.csv").read_bytes()).digest()
    asset_id = "0x" + keccak(encode(["address", "bytes32"], [ANVIL_ACCOUNT_0, content_hash])).hex()
    doc = parse_metadata((EXAMPLES / "retail-footfall-derived.json").read_bytes())
    assert doc.sources == [asset_id]


@pytest.mark.parametrize(
    ("name", "classification", "flags"),
    [
        ("traffic-flow.json", 0, 0),
        ("hospital-outcomes.json", 1, FLAG_PERSONAL_INFORMATION | FLAG_SENSITIVE_PERSONAL_INFORMATION),
        ("retail-footfall-derived.json", 0, FLAG_EXPORT_ALLOWED | FLAG_DERIVED),
    ],
)
def test_chain_fields_of_examples(name: str, classification: int, flags: int) -> None:
    doc = parse_metadata(example(name))
    assert doc.classification_code() == classification
    assert doc.attribute_flags() == flags


def test_rights_kinds_by_address_of_split_rights() -> None:
    doc = parse_metadata(example("hospital-outcomes.json"))
    assert doc.rights_kinds_by_address() == {
        ANVIL_ACCOUNT_1: {RightKind.OPERATING},
        ANVIL_ACCOUNT_0: {RightKind.HOLDING, RightKind.USAGE},
    }
    assert list(doc.rights_kinds_by_address()) == [ANVIL_ACCOUNT_1, ANVIL_ACCOUNT_0]  # ascending, as the contract wants


def test_rights_kinds_by_address_merges_entries_and_checksums() -> None:
    raw = example("traffic-flow.json")
    raw["rights"] = [
        {"holder_name": "甲公司", "address": ANVIL_ACCOUNT_0.lower(), "kinds": ["usage"]},
        {"holder_name": "甲公司", "address": ANVIL_ACCOUNT_0, "kinds": ["holding"]},
        {"holder_name": "乙公司（无链上账户）", "kinds": ["operating"]},
    ]
    assert parse_metadata(raw).rights_kinds_by_address() == {ANVIL_ACCOUNT_0: {"holding", "usage"}}


def test_attribute_flags_personal_information_only() -> None:
    raw = example("traffic-flow.json")
    raw["personal_information"] = "personal"
    raw["personal_information_basis"] = {"basis": "contract",
                                         "evidence_cid": "QmacUuJ24kAJXLSHfAcMa9QeK4ub1wMMVvpwjjfFwcp85e"}
    assert parse_metadata(raw).attribute_flags() == FLAG_PERSONAL_INFORMATION


# ── Refused documents ────────────────────────────────────────────────────────────────────────────────────


def mutated(change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    doc = example("traffic-flow.json")
    change(doc)
    return doc


# A comma missing at the end of line 3.
BROKEN_JSON = '{\n  "schema_version": "datareg/metadata/v1",\n  "name": "厦门"\n  "summary": "x"\n}'.encode()

INVALID = [
    pytest.param(
        mutated(lambda d: d.pop("name")),
        ["name"],
        "Metadata document is invalid: 'name': required field is missing; add it (Data name 数据名称).",
        id="missing-name",
    ),
    pytest.param(
        mutated(lambda d: d.update(name="厦门市" * 13 + "交通")),
        ["name"],
        "'name': has 41 characters; at most 40 are allowed. Shorten it.",
        id="name-41-characters",
    ),
    pytest.param(
        mutated(lambda d: d.update(summary="数" * 401)),
        ["summary"],
        "'summary': has 401 characters; at most 400 are allowed.",
        id="summary-401-characters",
    ),
    pytest.param(
        mutated(lambda d: d["applicant"].update(credit_code="91350206MA8UQ3K72H")),
        ["applicant.credit_code"],
        "'applicant.credit_code': '91350206MA8UQ3K72H' fails the GB 32100-2015 check: its last character is 'H' "
        "but the first 17 characters give 'G'.",
        id="credit-code-check-character",
    ),
    pytest.param(
        mutated(lambda d: d["applicant"].update(credit_code="91350206MA8UQ3K7")),
        ["applicant.credit_code"],
        "'91350206MA8UQ3K7' has 16 characters; a unified social credit code (统一社会信用代码) has exactly 18.",
        id="credit-code-length",
    ),
    pytest.param(
        mutated(lambda d: d["rights"][0].update(credit_code="91350206MA8UQ3KO2G")),
        ["rights.0.credit_code"],
        "contains 'O', which never appear in a unified social credit code",
        id="credit-code-letter-o",
    ),
    pytest.param(
        mutated(lambda d: d["applicant"].pop("credit_code")),
        ["applicant.credit_code"],
        "'applicant.credit_code': an applicant of type 'legal_person' must give its unified social credit code",
        id="organisation-without-credit-code",
    ),
    pytest.param(
        mutated(lambda d: d.update(industry={"section": "I", "division": "35"})),
        ["industry.division"],
        "Metadata document is invalid: 'industry.division': division '35' is not under section 'I' "
        "(GB/T 4754-2017: I covers 63–65); '35' belongs to section 'C' (制造业).",
        id="division-not-in-section",
    ),
    pytest.param(
        mutated(lambda d: d.update(industry={"section": "G", "division": "98"})),
        ["industry.division"],
        "'industry.division': '98' is not a GB/T 4754-2017 division (大类); "
        "divisions are two digits from '01' to '97'.",
        id="division-out-of-range",
    ),
    pytest.param(
        mutated(lambda d: d.update(industry={"section": "G", "division": 54})),
        ["industry.division"],
        "'industry.division': expected text, got a number 54; write it as a JSON string in quotes, e.g. \"54\".",
        id="division-as-number",
    ),
    pytest.param(
        mutated(lambda d: d.update(aplicant=d["applicant"])),
        ["aplicant"],
        "'aplicant': unknown field: the schema has no field 'aplicant' at the top level; did you mean 'applicant'?",
        id="unknown-field-misspelt",
    ),
    pytest.param(
        mutated(lambda d: d["restrictions"].update(resale=False)),
        ["restrictions.resale"],
        "'restrictions.resale': unknown field: the schema has no field 'resale' here; did you mean 'resale_allowed'?",
        id="unknown-nested-field",
    ),
    pytest.param(
        mutated(lambda d: d.update(source_type="public_crawled")),
        ["rights.0.kinds"],
        "'rights.0.kinds': publicly crawled data (public_crawled) may register only the holding and usage rights, "
        "not the operating right (数据产品经营权); remove 'operating'.",
        id="public-crawled-with-operating-right",
    ),
    pytest.param(
        mutated(lambda d: d.update(time_scope={"start": "2024-11-18", "end": "2024-11-01"})),
        ["time_scope.end"],
        "'time_scope.end': 2024-11-01 is before the start 2024-11-18; the end must be on or after the start",
        id="time-scope-end-before-start",
    ),
    pytest.param(
        mutated(lambda d: d["rights"][0].update(term={"start": "2025-01-01", "end": "2024-12-31"})),
        ["rights.0.term.end"],
        "'rights.0.term.end': 2024-12-31 is before the start 2025-01-01",
        id="term-end-before-start",
    ),
    pytest.param(
        mutated(lambda d: d.update(time_scope={"start": "2024/11/18"})),
        ["time_scope.start"],
        "'time_scope.start': '2024/11/18' is not a date; write it as YYYY-MM-DD in quotes, e.g. \"2024-01-01\".",
        id="date-format",
    ),
    pytest.param(
        mutated(lambda d: d.update(source_type="derived")),
        ["sources"],
        "'sources': derived data must name the assets it was derived from",
        id="derived-without-sources",
    ),
    pytest.param(
        mutated(lambda d: d.update(sources=["0x" + "ab" * 32])),
        ["sources"],
        "'sources': only derived data names source assets, but source_type is 'collected_or_generated'",
        id="sources-without-derived",
    ),
    pytest.param(
        mutated(lambda d: d["rights"][0].update(kinds=["usage", "operating"])),
        ["rights"],
        "'rights': no entry holds the holding right (数据资源持有权)",
        id="no-holding-right",
    ),
    pytest.param(
        mutated(lambda d: d["rights"][0].update(kinds=["holding", "usage", "holding"])),
        ["rights.0.kinds"],
        "'rights.0.kinds': lists 'holding' more than once; name each one once.",
        id="right-kind-twice",
    ),
    pytest.param(
        mutated(lambda d: d["rights"][0].update(address="0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266")),
        ["rights.0.address"],
        "has a wrong EIP-55 checksum",
        id="address-checksum",
    ),
    pytest.param(
        mutated(lambda d: d.update(geographic_scope=["厦门市", "99"])),
        ["geographic_scope.1"],
        "'geographic_scope.1': '99' does not start with a GB/T 2260 province code",
        id="region-code",
    ),
    pytest.param(
        mutated(lambda d: d["restrictions"].update(export_allowed="false")),
        ["restrictions.export_allowed"],
        "'restrictions.export_allowed': expected true or false (without quotes), got 'false'.",
        id="boolean-as-text",
    ),
    pytest.param(
        mutated(lambda d: d.update(classification="secret")),
        ["classification"],
        "'classification': 'secret' is not allowed; use 'general', 'important' or 'core'.",
        id="classification-value",
    ),
    pytest.param(
        BROKEN_JSON,
        [""],
        "Metadata document is not valid JSON: expecting ',' delimiter at line 4, column 3.",
        id="bad-json",
    ),
    pytest.param(
        b'{"name": "x",\n}',
        [""],
        "at line 2, column 1. Remove the comma before '}': JSON allows no comma after the last item.",
        id="json-trailing-comma",
    ),
    pytest.param(
        '{"name"："厦门"}',
        [""],
        "Found the full-width '：'; JSON needs the ASCII ':' here",
        id="json-full-width-colon",
    ),
    pytest.param(
        b'{"name": "a", "name": "b"}',
        [""],
        "the key 'name' appears twice in one object",
        id="json-duplicate-key",
    ),
    pytest.param(
        '{"name": "厦门"}'.encode("gbk"),
        [""],
        "Metadata document is not UTF-8 text: byte 0xCF at offset 10 cannot be decoded. Save the file as UTF-8",
        id="gbk-bytes",
    ),
    pytest.param(b"[]", [""], "Metadata document must be a JSON object ({...}), not a list.", id="json-not-object"),
]


@pytest.mark.parametrize(("raw", "fields", "message"), INVALID)
def test_parse_invalid_document_names_the_field(raw: Any, fields: list[str], message: str) -> None:
    error = refused(raw)
    assert [entry["field"] for entry in error.errors] == fields
    assert message in str(error)
    assert str(error).endswith((".", "?"))


def test_parse_invalid_document_lists_every_problem() -> None:
    raw = example("hospital-outcomes.json")
    raw["name"] = "x" * 41
    raw["industry"]["section"] = "I"
    raw["rights"][1]["kinds"] = ["operating", "operating"]
    raw["colour"] = "blue"
    error = refused(raw)
    assert [entry["field"] for entry in error.errors] == [
        "name", "industry.division", "rights.1.kinds", "colour"
    ]
    lines = str(error).splitlines()
    assert lines[0] == "Metadata document is invalid (4 problems):"
    assert lines[1] == "- 'name': has 41 characters; at most 40 are allowed. Shorten it."
    assert lines[2].startswith("- 'industry.division': division '84' is not under section 'I'")


def test_parse_resident_id_number_is_refused_without_echoing_it() -> None:
    id_number = "11010519491231002X"
    raw = example("traffic-flow.json")
    raw["applicant"] = {"name": "王某", "type": "natural_person", "credit_code": id_number}
    error = refused(raw)
    assert "looks like a resident identity card number (居民身份证号码)" in str(error)
    assert id_number not in str(error)


def test_parse_natural_person_without_credit_code() -> None:
    raw = example("traffic-flow.json")
    raw["applicant"] = {"name": "王某", "type": "natural_person"}
    assert parse_metadata(raw).applicant.credit_code is None


def test_parse_counts_characters_not_bytes() -> None:
    raw = example("traffic-flow.json")
    raw["name"] = "数" * 40  # 120 bytes in UTF-8
    assert parse_metadata(raw).name == "数" * 40


def test_parse_accepts_utf8_byte_order_mark() -> None:
    raw = b"\xef\xbb\xbf" + (EXAMPLES / "traffic-flow.json").read_bytes()
    assert parse_metadata(raw).name == example("traffic-flow.json")["name"]


# ── Canonical bytes ──────────────────────────────────────────────────────────────────────────────────────


def reversed_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: reversed_keys(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [reversed_keys(item) for item in value]
    return value


@pytest.mark.parametrize("name", sorted(EXAMPLE_DATA))
def test_canonical_bytes_stable_under_key_reordering(name: str) -> None:
    raw = example(name)
    reordered = json.dumps(reversed_keys(raw), indent=4, ensure_ascii=True)
    assert reordered != json.dumps(raw)
    assert canonical_bytes(reordered) == canonical_bytes(raw) == canonical_bytes(parse_metadata(raw))


def test_canonical_bytes_form() -> None:
    out = canonical_bytes(example("traffic-flow.json"))
    plain = json.loads(out)
    assert out == json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert "厦门".encode() in out and b"\\u" not in out
    assert b"null" not in out  # absent optional fields are left out, not written as null
    assert canonical_bytes(out) == out  # a fixed point


def test_canonical_bytes_ignore_spelling_of_the_same_content() -> None:
    raw = example("hospital-outcomes.json")
    respelt = copy.deepcopy(raw)
    respelt["rights"][0]["kinds"] = ["usage", "holding"]
    respelt["rights"][0]["address"] = respelt["rights"][0]["address"].lower()
    respelt["data_fingerprint"] = respelt["data_fingerprint"].upper().replace("0X", "0x")
    respelt["name"] = "  " + respelt["name"] + "\n"
    respelt["restrictions"]["buyer_environment"] += " "
    assert canonical_bytes(respelt) == canonical_bytes(raw)

    raw = example("traffic-flow.json")
    without_defaults = copy.deepcopy(raw)
    del without_defaults["keywords"]
    raw["keywords"] = []
    raw["language"] = None
    del without_defaults["language"]
    assert canonical_bytes(without_defaults) == canonical_bytes(raw)


def test_canonical_bytes_differ_when_content_differs() -> None:
    raw = example("traffic-flow.json")
    changed = copy.deepcopy(raw)
    changed["restrictions"]["export_allowed"] = True
    assert canonical_bytes(changed) != canonical_bytes(raw)


# ── Published JSON Schema ────────────────────────────────────────────────────────────────────────────────


def test_committed_schema_json_is_up_to_date() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_file_text(), (
        "registry/metadata/schema.json is out of date; run `python -m registry.metadata` and commit it."
    )
    assert schema_main(["--check"]) == 0


def test_json_schema_identity() -> None:
    schema = json_schema()
    assert schema["$id"] == "https://datareg.dev/schemas/metadata/v1.json"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "数据资产登记元数据" in schema["title"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["name"]["maxLength"] == 40
    assert schema["properties"]["summary"]["maxLength"] == 400
    # Titles are bilingual: the English name and the Chinese term.
    assert all(any("\u4e00" <= char <= "\u9fff" for char in prop["title"]) for prop in schema["properties"].values())


@pytest.mark.parametrize("name", sorted(EXAMPLE_DATA))
def test_examples_validate_against_published_schema(name: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))).validate(example(name))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda d: d.update(source_type="public_crawled"), id="public-crawled-operating"),
        pytest.param(lambda d: d.update(source_type="derived"), id="derived-without-sources"),
        pytest.param(lambda d: d.update(industry={"section": "I", "division": "35"}), id="division-not-in-section"),
        pytest.param(lambda d: d["rights"][0].update(kinds=["usage"]), id="no-holding-right"),
        pytest.param(lambda d: d["applicant"].pop("credit_code"), id="organisation-without-credit-code"),
        pytest.param(lambda d: d.update(volume={}), id="empty-volume"),
        pytest.param(lambda d: d.update(extra=1), id="unknown-field"),
    ],
)
def test_published_schema_refuses_what_the_registry_refuses(change: Callable[[dict[str, Any]], Any]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(json_schema())
    raw = mutated(change)
    assert not validator.is_valid(raw)
    with pytest.raises(MetadataError):
        parse_metadata(raw)


# ── Reference codes ──────────────────────────────────────────────────────────────────────────────────────


def test_every_division_belongs_to_exactly_one_section() -> None:
    owners = [section_of_division(f"{number:02d}") for number in range(1, 98)]
    assert None not in owners
    assert sorted(set(owners)) == sorted(INDUSTRY_SECTIONS)
    assert section_of_division("00") is None and section_of_division("98") is None


def test_credit_code_check_character_of_published_example() -> None:
    # The example code printed in GB 32100-2015 explanations.
    assert credit_code_check_char("91350100M000100Y4") == "3"


@given(st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=17, max_size=17), st.sampled_from(CREDIT_CODE_ALPHABET))
def test_credit_code_accepted_only_with_its_check_character(first17: str, last: str) -> None:
    raw = example("traffic-flow.json")
    raw["rights"][0]["credit_code"] = first17 + last
    if last == credit_code_check_char(first17):
        assert parse_metadata(raw).rights[0].credit_code == first17 + last
    else:
        assert [entry["field"] for entry in refused(raw).errors] == ["rights.0.credit_code"]
