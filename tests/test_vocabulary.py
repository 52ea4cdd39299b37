"""The vocabulary (registry/vocabulary.py) against the contracts: every Solidity enum, member by member and in
order, and the attribute bits. Fast: it reads the contracts' sources and the committed ABIs, runs no process."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from registry import vocabulary
from registry.vocabulary import CONTRACT_ENUMS, GROUPS, Attribute, Term

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "contracts" / "src"
ABI_DIR = ROOT / "registry" / "chain" / "abi"


def _without_comments(source: str) -> str:
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    return re.sub(r"//[^\n]*", "", source)


def solidity_enums() -> dict[tuple[str, str], list[str]]:
    """(contract or interface, enum) -> its members in order, from every .sol file under contracts/src."""
    enums = {}
    for path in sorted(SOURCES.rglob("*.sol")):
        source = _without_comments(path.read_text())
        for container in re.finditer(r"\b(?:contract|interface|library)\s+(\w+)[^{]*\{", source):
            # The enums declared in this container: up to the next container (enough for these sources).
            rest = source[container.end():]
            following = re.search(r"\b(?:contract|interface|library)\s+\w+[^{;]*\{", rest)
            body = rest[:following.start()] if following else rest
            for enum in re.finditer(r"\benum\s+(\w+)\s*\{([^}]*)\}", body):
                enums[(container.group(1), enum.group(1))] = [m.strip() for m in enum.group(2).split(",") if m.strip()]
    return enums


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).upper()


def test_the_sources_are_read():
    """The parser finds the enums at all (a broken parser would make the comparisons below vacuous)."""
    enums = solidity_enums()
    assert enums[("IDataRegistry", "RightKind")] == ["Holding", "Usage", "Operating"]
    assert enums[("ITradeRegistry", "SettlementStatus")] == ["None", "Pending", "Settled", "Refunded", "Disputed"]
    assert len(enums) >= 12


@pytest.mark.parametrize("where", sorted(CONTRACT_ENUMS), ids=lambda w: ".".join(w))
def test_every_enum_matches_the_contract(where):
    members = solidity_enums().get(where)
    assert members is not None, f"{'.'.join(where)} is not declared in contracts/src: remove it from CONTRACT_ENUMS"
    python = CONTRACT_ENUMS[where]
    assert [(m.name, m.value) for m in python] == [(_snake(n), i) for i, n in enumerate(members)], (
        f"registry.vocabulary.{python.__name__} differs from the contracts' {'.'.join(where)}: "
        f"the contract has {members}")


def test_every_contract_enum_has_a_python_enum():
    """An enum added to the contracts (in their sources or in the ABIs the client uses) must be added to the
    vocabulary."""
    declared = set(solidity_enums())
    in_abis = set()
    for path in ABI_DIR.glob("*.json"):
        found = re.findall(r'"internalType":\s*"enum ([\w.]+)"', path.read_text())
        in_abis |= {tuple(name.split(".")) for name in found}
    assert in_abis <= declared, f"enums in the ABIs but not in the sources: {in_abis - declared}"
    missing = {".".join(w) for w in declared - set(CONTRACT_ENUMS)
               if not w[0].endswith("Test") and not w[0].startswith("Mock")}
    assert not missing, f"enums of the contracts without a Python enum in registry/vocabulary.py: {missing}"


def test_attribute_bits_match_the_contract():
    # The DataRegistry's records and their attribute bits are in its Records library (issue 19's third round).
    source = _without_comments((SOURCES / "libraries" / "Records.sol").read_text())
    constants = {name: int(value, 0) for name, value in
                 re.findall(r"uint8\s+internal\s+constant\s+ATTR_(\w+)\s*=\s*(0x[0-9a-fA-F]+|\d+)\s*;", source)}
    assert constants == {bit.name: int(bit) for bit in Attribute}


def test_every_term_has_labels_and_a_unique_key():
    for name, enum_ in GROUPS.items():
        assert issubclass(enum_, Term)
        keys = [m.key for m in enum_]
        assert len(set(keys)) == len(keys), name
        for member in enum_:
            assert member.zh and member.en, f"{name}.{member.key} has no label"
            assert enum_.from_key(member.key) is member


def test_served_vocabulary_lists_every_member_in_order():
    served = vocabulary.as_json()
    assert set(served) == set(GROUPS) | {"attribute", "action"}
    for name, enum_ in GROUPS.items():
        assert [t["code"] for t in served[name]] == [m.value for m in enum_]
        assert [t["key"] for t in served[name]] == [m.key for m in enum_]
    assert json.loads(json.dumps(served, ensure_ascii=False)) == served


def test_metadata_enums_follow_the_vocabulary():
    """The metadata document's string enums are the vocabulary's keys with the same codes."""
    from registry.metadata import schema

    for name in ("RightKind", "Classification"):
        document_enum, chain_enum = getattr(schema, name), getattr(vocabulary, name)
        assert [(m.value, m.code) for m in document_enum] == [(m.key, m.value) for m in chain_enum]
    assert schema.FLAG_PERSONAL_INFORMATION == Attribute.PERSONAL
    assert schema.FLAG_SENSITIVE_PERSONAL_INFORMATION == Attribute.SENSITIVE
    assert schema.FLAG_EXPORT_ALLOWED == Attribute.EXPORT
    assert schema.FLAG_DERIVED == Attribute.DERIVED


# What must follow by itself when a participant role is added to the vocabulary (one line, with its labels):
# every consumer that names or numbers roles, run in a copy of the package with that one line added.
_NEW_ROLE_CHECKS = r'''
import json
from sqlmodel import Session, SQLModel, create_engine

from api.routes.participants import list_participants, participant_public
from registry import vocabulary
from registry.chain.errors import MESSAGES
from registry.chain.operations import ROLES, AddParticipant
from registry.db.models import Participant

account = "0x" + "11" * 20
assert vocabulary.Role.AUDITOR == 7
assert AddParticipant(account, "auditor", "审计所", "91310000MA1FL70B7K").args()[1] == 7, "AddParticipant"
assert ROLES["auditor"] == 7, "the CLI's and the operations' roles"
served = {t["key"]: t for t in vocabulary.as_json()["role"]}
assert served["auditor"]["zh"] == "审计机构" and served["auditor"]["en"] == "auditor", "GET /v1/vocabulary"
assert "auditor" in MESSAGES["MissingRole"]({"account": account, "role": 7}), "the contract's error message"
engine = create_engine("sqlite://")
SQLModel.metadata.create_all(engine)
with Session(engine) as db:
    row = Participant(account=account, role=7, status=1, name="审计所", credit_code_hash="0x" + "00" * 32,
                      added_block=1, updated_block=1)
    db.add(row)
    db.commit()
    assert participant_public(row).role == "auditor", "the API's participant"
    assert [p.account for p in list_participants(db, role="auditor", limit=10, offset=0)] == [account], "?role="
print("ok")
'''


def test_adding_a_role_is_one_line(tmp_path):
    """Adds `AUDITOR = 7, "审计机构", "auditor"` to Role in a copy of the package and checks that the operations, the
    CLI's choices, the contract error messages, the API's answers and filter and the served vocabulary all know it.
    A consumer that kept its own list of roles fails here."""
    import shutil
    import subprocess
    import sys

    for package in ("registry", "api"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    path = tmp_path / "registry" / "vocabulary.py"
    source = path.read_text()
    anchor = '    REGULATOR = 6, "监管机构", "regulator"\n'
    assert anchor in source
    path.write_text(source.replace(anchor, anchor + '    AUDITOR = 7, "审计机构", "auditor"\n'))
    result = subprocess.run([sys.executable, "-c", _NEW_ROLE_CHECKS], cwd=tmp_path, capture_output=True, text=True,
                            env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-2000:]


def test_the_explorer_keeps_no_copy_of_the_vocabulary():
    """The web explorer reads the labels from GET /v1/vocabulary: no enum member's key is spelled in its code,
    except where the app asks the API for it by that word (a query parameter)."""
    web = ROOT / "api" / "web"
    words = {"compliance_certifier", "quality_evaluator", "court_or_regulator_order", "use_beyond_purpose",
             "not_registered", "compliance_certification", "quality_evaluation", "issuer_not_active"}
    for path in web.glob("*.js"):
        text = path.read_text()
        found = {w for w in words if re.search(rf"\b{w}\b", text)}
        assert not found, f"{path.name} spells {found}: read them from GET /v1/vocabulary"


def test_every_event_kind_is_one_snake_case_key():
    """Issue 18: the history's `action` mixed `right_granted` with `AssetFrozen` (the contract's name for any event
    outside a table of seven). Every event the indexer handles has a snake_case key with labels, every key names an
    event of the committed ABIs, no two events share a key, and the explorer reads the labels from the vocabulary
    (no `action` table of its own)."""
    from registry.indexer.handlers import HANDLERS

    in_abis = {entry["name"] for path in ABI_DIR.glob("*.json") for entry in json.loads(path.read_text())
               if entry.get("type") == "event"}
    assert set(HANDLERS) <= set(vocabulary.EVENT_ACTIONS), set(HANDLERS) - set(vocabulary.EVENT_ACTIONS)
    assert set(vocabulary.EVENT_ACTIONS) <= in_abis, set(vocabulary.EVENT_ACTIONS) - in_abis
    keys = [key for key, _, _ in vocabulary.EVENT_ACTIONS.values()] + [vocabulary.DERIVED_FROM_THIS[0]]
    assert len(set(keys)) == len(keys)
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", key) for key in keys)
    assert all(zh and en for _, zh, en in vocabulary.EVENT_ACTIONS.values())
    assert vocabulary.event_action("AssetFrozen") == "asset_frozen"
    assert vocabulary.event_action("SomethingNewHappened") == "something_new_happened"
    served = vocabulary.as_json()["action"]
    assert [t["key"] for t in served] == keys
    assert "AssetFrozen" not in (ROOT / "api" / "web" / "i18n.js").read_text()


def test_the_office_s_refusal_code_is_the_vocabulary_s():
    """RegistrationOffice refuses a registration on an upheld objection with its own constant: the vocabulary's
    refusal reason of that number is the ownership dispute."""
    from registry.vocabulary import RefusalReason

    source = _without_comments((SOURCES / "RegistrationOffice.sol").read_text())
    code = int(re.search(r"REFUSED_OBJECTION_UPHELD\s*=\s*(\d+)\s*;", source).group(1))
    assert RefusalReason(code) is RefusalReason.OWNERSHIP_DISPUTE


@pytest.mark.parametrize(("text", "key"), [("request", "request"), ("REQUEST", "request"), ("2", "data_destroyed")])
def test_a_code_is_taken_by_name_or_number(text, key):
    from registry.vocabulary import CancelReason

    assert CancelReason.from_text(text).key == key


def test_an_unknown_code_is_refused_with_the_choices():
    from registry.errors import ValidationError
    from registry.vocabulary import CancelReason

    with pytest.raises(ValidationError, match=r"Unknown cancel reason '7': use one of request \(1\), "
                                              r"data_destroyed \(2\), objection_upheld \(3\), by_registrar \(4\)\."):
        CancelReason.from_text("7")
