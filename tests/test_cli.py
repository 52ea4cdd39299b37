"""The `datareg` command as a user runs it: a real process, against the real API and anvil."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from registry.content import fingerprint_file
from registry.devchain import dev_key

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def cli(stack, tmp_path_factory):
    home = tmp_path_factory.mktemp("cli")
    env = dict(os.environ, DATAREG_RPC_URL=stack.rpc_url, DATAREG_API_URL=stack.api_url,
               DATAREG_DATA_DIR=str(home), DATAREG_KEY_PASSWORD="correct horse")

    def run(*args: str, expect: int = 0, **extra_env: str) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", "registry.cli.main", *args], env={**env, **extra_env},
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == expect, result.stdout + result.stderr
        return result

    run.home = home
    return run


@pytest.fixture(scope="module")
def funded_key(cli):
    """A keystore imported from a funded development account, as a user would import their own key."""
    cli("key", "import", "--out", str(cli.home / "keys" / "funded.json"), DATAREG_IMPORT_KEY=dev_key(6))
    return str(cli.home / "keys" / "funded.json")


def test_key_new_writes_encrypted_keystore_readable_only_by_owner(cli):
    out = json.loads(cli("--json", "key", "new").stdout)
    path = Path(out["keystore"])
    assert path == cli.home / "keys" / "default.json"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    keystore = json.loads(path.read_text())
    assert "crypto" in keystore and out["address"][2:].lower() == keystore["address"].lower()
    refused = cli("key", "new", expect=1)
    assert "already exists" in refused.stderr


def test_register_and_show_through_cli(cli, funded_key, stack, tmp_path):
    data = tmp_path / "flows.csv"
    data.write_text("detector,hour,vehicles\nD1,08,1200\n")
    out = json.loads(cli("--json", "register", str(data), "--metadata", str(EXAMPLES / "traffic-flow.json"),
                         "--holder", f"all={stack.accounts[6].address}", "--key", funded_key).stdout)
    assert out["sha256"] == fingerprint_file(data).sha256_hex
    assert out["visible_in_api_after_ms"] is not None
    shown = json.loads(cli("--json", "show", out["asset_id"]).stdout)
    assert shown["registrant"] == stack.accounts[6].address
    assert shown["name"].startswith("厦门市")
    human = cli("show", out["asset_id"]).stdout
    assert "数据资源持有权" in human and out["tx_hash"] in human


def test_register_relayed_costs_registrant_no_gas(cli, funded_key, stack, tmp_path):
    data = tmp_path / "relayed.csv"
    data.write_text("a,b\n1,2\n")
    before = stack.client.w3.eth.get_balance(stack.accounts[6].address)
    out = json.loads(cli("--json", "register", str(data), "--metadata", str(EXAMPLES / "traffic-flow.json"),
                         "--holder", f"all={stack.accounts[6].address}", "--key", funded_key, "--relay").stdout)
    assert out["relayed"] is True
    assert stack.client.w3.eth.get_balance(stack.accounts[6].address) == before


def test_invalid_metadata_is_refused_before_any_transaction(cli, funded_key, stack, tmp_path):
    document = json.loads((EXAMPLES / "traffic-flow.json").read_text())
    document["name"] = "名" * 41
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document, ensure_ascii=False))
    block = stack.client.w3.eth.block_number
    result = cli("register", str(EXAMPLES / "traffic-flow.csv"), "--metadata", str(bad), "--key", funded_key,
                 expect=2)
    assert "'name'" in result.stderr and "40" in result.stderr
    assert stack.client.w3.eth.block_number == block


@pytest.mark.parametrize(
    "args, message_part",
    [
        (["--holder", "owner=0x70997970C51812dc3A010C7d01b50e0d17dc79C8"], "Unknown right kind 'owner'"),
        (["--holder", "holding"], "should be KIND=ADDRESS"),
        (["--holder", "holding=0x1234"], "'0x1234' is not a valid holder address"),
    ],
)
def test_bad_holder_options_are_explained(cli, funded_key, args, message_part):
    result = cli("register", str(EXAMPLES / "traffic-flow.csv"), "--metadata",
                 str(EXAMPLES / "traffic-flow.json"), "--key", funded_key, *args, expect=2)
    assert message_part in result.stderr


def test_wrong_password_is_explained(cli, funded_key):
    result = cli("register", str(EXAMPLES / "traffic-flow.csv"), "--metadata", str(EXAMPLES / "traffic-flow.json"),
                 "--key", funded_key, expect=1, DATAREG_KEY_PASSWORD="wrong")
    assert "wrong password" in result.stderr


def test_fingerprint_prints_sha256_and_cid(cli):
    out = json.loads(cli("--json", "fingerprint", str(EXAMPLES / "traffic-flow.csv")).stdout)
    expected = fingerprint_file(EXAMPLES / "traffic-flow.csv")
    assert (out["sha256"], out["cid"]) == (expected.sha256_hex, expected.cid)


def test_api_unreachable_is_explained(cli):
    result = cli("status", expect=1, DATAREG_API_URL="http://127.0.0.1:9")
    assert "Cannot reach the registry API at 'http://127.0.0.1:9'" in result.stderr


def test_rights_lifecycle_history_and_verified_audit_through_cli(cli, funded_key, stack, tmp_path):
    owner, grantee, buyer = stack.accounts[6], stack.accounts[3], stack.accounts[4]
    data = tmp_path / "lifecycle.csv"
    data.write_text("x,y\n3,4\n")
    asset = json.loads(cli("--json", "register", str(data), "--metadata", str(EXAMPLES / "traffic-flow.json"),
                           "--holder", f"all={owner.address}", "--key", funded_key).stdout)["asset_id"]
    terms = tmp_path / "terms.txt"
    terms.write_text("许可条款：仅限交通规划研究使用。")
    granted = json.loads(cli("--json", "grant", asset, "--right", "usage", "--to", grantee.address, "--until", "+30d",
                             "--purpose", "交通规划研究", "--territory", "3502", "--quantity", "500", "--terms",
                             str(terms), "--transferable", "--key", funded_key).stdout)
    index = granted["right_index"]
    cli("grant", asset, "--right", "operating", "--to", buyer.address, "--key", funded_key, "--relay")
    cli("renew", asset, str(index), "--until", "+60d", "--key", funded_key)
    cli("revoke", asset, str(index), "--reason", "breach_of_terms", "--evidence", str(terms), "--key", funded_key)

    # NDJSON: one event per line (issue 18: a pretty-printed array could not be read as it streamed).
    history = [json.loads(line) for line in cli("--json", "history", asset).stdout.splitlines()]
    assert [e["action"] for e in history][-3:] == ["right_granted", "right_renewed", "right_revoked"]
    assert history[4]["details"]["terms"]["purpose"] == "交通规划研究"
    assert history[4]["details"]["terms"]["termsCid"] != "0x" + "00" * 32

    report = json.loads(cli("--json", "audit", asset, "--verify").stdout)
    assert report["verification"]["verified"] is True
    assert report["verification"]["events_checked"] == len(history)
    rows = cli("audit", asset, "--format", "csv", "--verify").stdout.lstrip("\ufeff").splitlines()
    assert rows[0].endswith(",verified") and all(r.endswith(",yes") for r in rows[1:])

    refused = cli("revoke", asset, str(index), "--reason", "1", "--key", funded_key, expect=1)
    assert "has been revoked" in refused.stderr


def test_audit_verify_catches_an_index_that_does_not_match_the_chain(cli, funded_key, stack, tmp_path):
    from sqlalchemy import create_engine, text

    owner = stack.accounts[6]
    data = tmp_path / "tampered.csv"
    data.write_text("p,q\n5,6\n")
    asset = json.loads(cli("--json", "register", str(data), "--metadata", str(EXAMPLES / "traffic-flow.json"),
                           "--holder", f"all={owner.address}", "--key", funded_key).stdout)["asset_id"]
    engine = create_engine(stack.settings.database_url)
    forged_holder = stack.accounts[7].address
    with engine.begin() as conn:
        row = conn.execute(text("SELECT id, args_json FROM events WHERE asset_id = :a AND name = 'RightAssigned' "
                                "ORDER BY log_index LIMIT 1"), {"a": asset}).one()
        args = json.loads(row.args_json)
        args["holder"] = forged_holder
        conn.execute(text("UPDATE events SET args_json = :j WHERE id = :i"), {"j": json.dumps(args), "i": row.id})
    # This is the session's shared index: the forged row is put back, or every later `index check` of it reports
    # this forgery as a difference of its own (test_finance's did, in CI, as `event block 54 log 1 (RightAssigned)`
    # args holder 0x14dC…9955 in the index, 0x976E…0aa9 on chain: accounts 7 and 6 here).
    try:
        result = cli("audit", asset, "--verify", expect=1)
        assert result.stdout.startswith("NOT VERIFIED: ")
        assert f"details.holder is '{owner.address}' in the chain, '{forged_holder}' in the API" in result.stdout
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE events SET args_json = :j WHERE id = :i"), {"j": row.args_json, "i": row.id})
        engine.dispose()
    assert cli("audit", asset, "--verify").stdout.startswith("VERIFIED")  # the index is as the chain again


def _register_args(tmp_path, name: str, holder: str) -> list[str]:
    data = tmp_path / f"{name}.csv"
    data.write_text(f"{name},1\n")
    return ["register", str(data), "--metadata", str(EXAMPLES / "traffic-flow.json"), "--holder", f"all={holder}",
            "--no-wait"]


def test_key_is_taken_by_name_from_the_key_directory(cli, funded_key, stack, tmp_path):
    """`--key NAME` and `--key NAME.json` find DATA_DIR/keys/NAME.json, as the README prints them (issue 18:
    failed with "No key file at 'admin.json'")."""
    holder = stack.accounts[6].address
    for given in ("funded", "funded.json"):
        out = json.loads(cli("--json", *_register_args(tmp_path, given.replace(".", "-"), holder),
                             "--key", given).stdout)
        assert stack.client.get_asset(out["asset_id"])["registrant"] == holder


def test_missing_key_lists_the_names_there_are(cli, funded_key, tmp_path):
    refused = cli(*_register_args(tmp_path, "nokey", "0x" + "11" * 20), "--key", "exchange.json", expect=1)
    assert "No key 'exchange.json'" in refused.stderr and "funded" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_unfunded_key_is_told_to_fund_it_or_relay(cli, tmp_path):
    """Failed before issue 18: the node's raw {'code': -32003, ...} with no hint."""
    cli("key", "new", "--out", str(cli.home / "keys" / "empty.json"))
    refused = cli(*_register_args(tmp_path, "unfunded", "0x" + "22" * 20), "--key", "empty", expect=1)
    assert "fund it" in refused.stderr and "--relay" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr


def test_json_streams_are_one_object_per_line(capsys):
    """`--json feed` and `--json history` print NDJSON, which a reader parses line by line as it arrives (issue
    18: pretty-printed objects one after another, which no JSON parser reads)."""
    from registry.cli.common import Output

    stream = [{"cursor": 1, "note": "多行\ntext"}, {"cursor": 2, "nested": {"a": [1, 2]}}]
    for item in stream:
        Output(as_json=True).record(item, str)
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in lines] == stream
