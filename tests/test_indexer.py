"""The indexer against a real anvil and real SQLite: resumable without loss or duplication, correct
across reorgs, and equal to an uninterrupted run after being killed."""
from __future__ import annotations

import dataclasses
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

import pytest
from sqlmodel import Session, select

from registry.chain.client import Chain, RegistryClient, asset_id_of, fee_fields
from registry.chain.deploy import deploy
from registry.chain.operations import AcceptRight, Grant, GrantTerms, Register, Revoke, Transfer
from registry.chain.types import Source
from registry.db.models import Asset, Checkpoint, Event, Lineage, Participant, Right, RightVersion
from registry.devchain import DEPLOYER_ACCOUNT, DevRpc, dev_key, free_port, start_anvil, stop
from registry.devchain_proxy import RpcProxy
from registry.indexer.service import build_indexer
from tests.conftest import make_settings, random_registration
from tests.faults import anvil_node, own_stack

ALL = 7


def index_contents(engine) -> dict[str, list]:
    """Everything the index holds except surrogate keys and wall-clock times, in a stable order."""
    with Session(engine) as db:
        return {
            "events": sorted(
                (e.block_number, e.log_index, e.block_hash, e.tx_hash, e.name, e.args_json, e.timestamp)
                for e in db.exec(select(Event)).all()
            ),
            # Rows as (column, value) pairs in column order, sorted by their text: values may be None.
            "assets": sorted(rows(db, Asset), key=repr),
            "rights": sorted(rows(db, Right), key=repr),
            "lineage": sorted(rows(db, Lineage), key=repr),
            "right_versions": sorted(rows(db, RightVersion, leave_out="id"), key=repr),
            "participants": sorted(rows(db, Participant), key=repr),
        }


def rows(db, model, leave_out: str | None = None) -> list[tuple]:
    columns = [c.name for c in model.__table__.columns if c.name != leave_out]
    return [tuple((c, getattr(row, c)) for c in columns) for row in db.exec(select(model)).all()]


def catch_up(indexer) -> int:
    steps = 0
    while indexer.step():
        steps += 1
    return steps


@pytest.fixture()
def chain(request, tmp_path):
    """A deployment of its own on a private anvil, so reorgs here cannot disturb other tests. A test marked
    `shared_anvil` moves no chain back (no evm_revert): its deployment goes on the session's anvil instead."""
    if request.node.get_closest_marker("shared_anvil"):
        rpc = request.getfixturevalue("anvil")
        yield rpc, deploy(rpc, dev_key(DEPLOYER_ACCOUNT))
        return
    port = free_port()
    process = start_anvil(port)
    rpc = f"http://127.0.0.1:{port}"
    deployment = deploy(rpc, dev_key(DEPLOYER_ACCOUNT))
    yield rpc, deployment
    stop(process)


def settings_for(tmp_path, name, rpc, deployment, database_url: str | None = None):
    data_dir = tmp_path / name
    data_dir.mkdir()
    settings = make_settings(data_dir, rpc)
    if database_url:
        settings = dataclasses.replace(settings, database_url=database_url)
    deployment.save(settings.deployment_file)
    return settings


def populate(client: RegistryClient, accounts, n: int, seed: int) -> list[str]:
    """n registrations in n blocks, some with several holders and some derived from earlier ones."""
    rng = random.Random(seed)
    ids: list[str] = []
    for _ in range(n):
        owner = accounts[rng.randrange(len(accounts))]
        other = accounts[(accounts.index(owner) + 1) % len(accounts)]
        if ids and rng.random() < 0.3:
            source = client.register(random_registration([(owner.address, 1), (other.address, 2 | 4)]), owner)
            client.execute(AcceptRight(source.asset_ids[0], 2), other)  # named holders accept their rights
            reg = random_registration([(other.address, ALL)], sources=[Source(source.asset_ids[0], 2)])
            ids += source.asset_ids + client.register(reg, other).asset_ids
        else:
            ids += client.register(random_registration([(owner.address, rng.randrange(1, 8) | 1)]), owner).asset_ids
    return ids


@pytest.mark.shared_anvil
def test_indexer_restarted_midway_misses_and_duplicates_nothing(chain, tmp_path, stack, database_url):
    rpc, deployment = chain
    client = RegistryClient(Chain(rpc, deployment))
    populate(client, stack.accounts[:4], 30, seed=1)

    reference = build_indexer(settings_for(tmp_path, "reference", rpc, deployment))
    catch_up(reference)

    settings = settings_for(tmp_path, "restarted", rpc, deployment, database_url)
    first = build_indexer(settings)
    first.max_range = first.range = 3  # small batches, so stopping after a few leaves work undone
    for _ in range(4):
        first.step()
    with Session(first.engine) as db:
        stopped_at = db.get(Checkpoint, "registry").block_number
    assert stopped_at < client.w3.eth.block_number
    second = build_indexer(settings)  # a new process would start exactly like this
    catch_up(second)

    assert index_contents(second.engine) == index_contents(reference.engine)
    with Session(second.engine) as db:
        assert len(db.exec(select(Event)).all()) == len(index_contents(reference.engine)["events"]) > 30


@pytest.mark.parametrize("reorg_window", [128, 0], ids=["undo-journals", "replay"])
def test_reorg_rolls_back_orphaned_rows_and_indexes_the_new_branch(chain, tmp_path, stack, database_url,
                                                                   reorg_window, caplog):
    """Both ways of undoing a reorg: from the batches' undo journals (near the head), and by replaying the
    touched assets' events (deeper than the journals reach). The orphaned blocks create assets and change an
    asset that stays (a grant, a transfer, a revocation); afterwards the index equals a fresh one's."""
    rpc, deployment = chain
    client = RegistryClient(Chain(rpc, deployment))
    alice, bob, carol = stack.accounts[1], stack.accounts[2], stack.accounts[3]
    kept = client.register(random_registration([(alice.address, ALL)]), alice).asset_ids[0]
    granted = client.execute(Grant(kept, 3, GrantTerms(bob.address, transferable=True)), alice).events[0].args
    settings = dataclasses.replace(settings_for(tmp_path, "live", rpc, deployment, database_url),
                                   reorg_window=reorg_window)
    indexer = build_indexer(settings)
    catch_up(indexer)
    before = index_contents(indexer.engine)

    snapshot = client.w3.provider.make_request("evm_snapshot", [])["result"]
    orphaned = [client.register(random_registration([(alice.address, ALL)]), alice).asset_ids[0] for _ in range(2)]
    client.execute(Transfer(kept, granted["rightIndex"], carol.address), bob)
    client.execute(Grant(kept, 2, GrantTerms(carol.address)), alice)
    catch_up(indexer)  # indexed one block at a time, as near the head
    client.execute(Revoke(kept, 1 + granted["rightIndex"], 1), alice)
    orphaned.append(client.register(random_registration([(alice.address, ALL)]), alice).asset_ids[0])
    catch_up(indexer)  # two blocks in one batch
    with Session(indexer.engine) as db:
        assert db.get(Asset, orphaned[0]) is not None
        assert db.get(Right, (kept, granted["rightIndex"])).holder == carol.address

    # The orphaned blocks are replaced by a longer branch with other registrations.
    client.w3.provider.make_request("evm_revert", [snapshot])
    client._nonces.clear()
    replacement = [client.register(random_registration([(bob.address, ALL)]), bob).asset_ids[0] for _ in range(6)]
    with caplog.at_level("WARNING", logger="datareg.indexer"):
        catch_up(indexer)
    undone = [r.getMessage() for r in caplog.records if "reorg" in r.getMessage()]
    assert len(undone) == 1
    assert ("from the undo journals" if reorg_window else "by replaying events") in undone[0]

    with Session(indexer.engine) as db:
        assert all(db.get(Asset, a) is None for a in orphaned)
        assert all(db.get(Asset, a) is not None for a in replacement)
        assert not db.exec(select(Right).where(Right.asset_id.in_(orphaned))).all()
        assert db.get(Right, (kept, granted["rightIndex"])).holder == bob.address
    fresh = build_indexer(settings_for(tmp_path, "fresh", rpc, deployment))
    catch_up(fresh)
    after = index_contents(indexer.engine)
    assert after == index_contents(fresh.engine)
    # What the orphaned blocks changed in the kept asset is as it was before them.
    for table in ("rights", "right_versions"):
        of_kept = [r for r in after[table] if ("asset_id", kept) in r]
        assert len(of_kept) == 4 and of_kept == [r for r in before[table] if ("asset_id", kept) in r]


def test_reorg_at_same_height_is_detected(chain, tmp_path, stack):
    rpc, deployment = chain
    client = RegistryClient(Chain(rpc, deployment))
    alice = stack.accounts[1]
    snapshot = client.w3.provider.make_request("evm_snapshot", [])["result"]
    orphaned = client.register(random_registration([(alice.address, ALL)]), alice).asset_ids[0]
    indexer = build_indexer(settings_for(tmp_path, "same-height", rpc, deployment))
    catch_up(indexer)

    client.w3.provider.make_request("evm_revert", [snapshot])
    client._nonces.clear()
    replacement = client.register(random_registration([(alice.address, ALL)]), alice).asset_ids[0]
    catch_up(indexer)
    with Session(indexer.engine) as db:
        assert db.get(Asset, orphaned) is None
        assert db.get(Asset, replacement) is not None


def test_a_reorg_deeper_than_the_confirmations_is_rolled_back_before_the_new_branch_outgrows_them(chain, tmp_path,
                                                                                                 stack):
    """With confirmations, a reorg deeper than them can leave the node's head a block or two above the index. The
    old code compared hashes only with the head at or below the checkpoint, or with the next range's first block,
    so the orphaned asset stayed indexed (and served) until the new branch was that many blocks longer than the
    index; now the checkpoint's block is compared with the node's as soon as the head moves."""
    rpc, deployment = chain
    client = RegistryClient(Chain(rpc, deployment))
    node = DevRpc(rpc)
    alice = stack.accounts[1]
    snapshot = node.call("evm_snapshot")
    orphaned = client.register(random_registration([(alice.address, ALL)]), alice)
    for _ in range(2):
        node.call("evm_mine")
    indexer = build_indexer(dataclasses.replace(settings_for(tmp_path, "confirmed", rpc, deployment), confirmations=2))
    catch_up(indexer)
    with Session(indexer.engine) as db:
        assert db.get(Checkpoint, "registry").block_number == orphaned.block_number
        assert db.get(Asset, orphaned.asset_ids[0]) is not None

    assert node.call("evm_revert", [snapshot])
    for _ in range(2):  # a branch of empty blocks, one above the index: fewer than the confirmations above it
        node.call("evm_mine")
    head = node.head()[0]
    assert head == orphaned.block_number + 1
    catch_up(indexer)
    with Session(indexer.engine) as db:
        assert db.get(Asset, orphaned.asset_ids[0]) is None
        checkpoint = db.get(Checkpoint, "registry")
    assert checkpoint.block_number == head - 2
    assert checkpoint.block_hash == node.call("eth_getBlockByNumber", [hex(head - 2), False])["hash"]


@pytest.mark.shared_anvil
def test_indexer_killed_with_sigkill_resumes_to_the_same_index(chain, tmp_path, stack):
    rpc, deployment = chain
    client = RegistryClient(Chain(rpc, deployment))
    populate(client, stack.accounts[:4], 40, seed=2)
    reference = build_indexer(settings_for(tmp_path, "reference", rpc, deployment))
    catch_up(reference)

    settings = settings_for(tmp_path, "killed", rpc, deployment)
    env = dict(os.environ, DATAREG_RPC_URL=rpc, DATAREG_DATA_DIR=str(settings.data_dir),
               DATAREG_DATABASE_URL=settings.database_url, DATAREG_INDEX_MAX_RANGE="1")
    rng = random.Random(3)
    head = client.w3.eth.block_number
    observer = build_indexer(settings)

    def position() -> int:
        with Session(observer.engine) as db:
            checkpoint = db.get(Checkpoint, "registry")
        return checkpoint.block_number if checkpoint else -1

    interrupted_midway = 0
    for _ in range(30):
        before = position()
        process = subprocess.Popen([sys.executable, "-m", "registry.cli.main", "index", "run"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Kill it at a random moment after it has started committing, however slow the machine is.
        deadline = time.monotonic() + 60
        while position() == before and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.05))
        process.send_signal(signal.SIGKILL)
        process.wait()
        if position() >= head:
            break
        interrupted_midway += 1
    killed = build_indexer(settings)
    catch_up(killed)
    assert interrupted_midway >= 1, "the indexer was never killed part-way through"
    assert index_contents(killed.engine) == index_contents(reference.engine)


@pytest.mark.shared_anvil
def test_a_second_indexer_waits_for_the_writer_lock(chain, tmp_path, stack, database_url):
    rpc, deployment = chain
    client = RegistryClient(Chain(rpc, deployment))
    settings = settings_for(tmp_path, "locked", rpc, deployment, database_url)
    env = dict(os.environ, DATAREG_RPC_URL=rpc, DATAREG_DATA_DIR=str(settings.data_dir),
               DATAREG_DATABASE_URL=settings.database_url)
    observer = build_indexer(settings)

    def position() -> int:
        with Session(observer.engine) as db:
            checkpoint = db.get(Checkpoint, "registry")
        return checkpoint.block_number if checkpoint else -1

    def start() -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "registry.cli.main", "index", "run"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def wait_for(condition, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.05)

    first = start()
    try:
        wait_for(lambda: position() >= client.w3.eth.block_number)
        second = start()
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(second.stdout), daemon=True)
        reader.start()
        try:
            # The second says it waits (however long it takes to start on a busy machine) ...
            wait_for(lambda: any("another indexer holds this index's writer lock" in line for line in lines))
            populate(client, stack.accounts[:2], 2, seed=9)
            wait_for(lambda: position() >= client.w3.eth.block_number)  # ... while the first keeps indexing
            assert not any("indexed" in line for line in lines)
            first.send_signal(signal.SIGKILL)
            first.wait()
            populate(client, stack.accounts[:2], 2, seed=10)
            wait_for(lambda: position() >= client.w3.eth.block_number)  # the second took over
        finally:
            second.terminate()
            second.wait(timeout=30)
            reader.join(timeout=10)
        assert any("indexed" in line for line in lines)
    finally:
        if first.poll() is None:
            first.kill()


@pytest.mark.shared_anvil
def test_index_check_finds_no_difference_then_catches_a_tampered_row(chain, tmp_path, stack):
    from sqlalchemy import create_engine, text

    rpc, deployment = chain
    client = RegistryClient(Chain(rpc, deployment))
    populate(client, stack.accounts[:3], 6, seed=4)
    settings = settings_for(tmp_path, "checked", rpc, deployment)
    catch_up(build_indexer(settings))
    env = dict(os.environ, DATAREG_RPC_URL=rpc, DATAREG_DATA_DIR=str(settings.data_dir),
               DATAREG_DATABASE_URL=settings.database_url)
    ok = subprocess.run([sys.executable, "-m", "registry.cli.main", "--json", "index", "check"], env=env,
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    report = json.loads(ok.stdout)
    assert report["differences"] == [] and report["checked"]["assets"] >= 6 and report["checked"]["rights"] >= 18

    with create_engine(settings.database_url).begin() as conn:
        asset_id = conn.execute(text("SELECT asset_id FROM rights WHERE right_index = 1 LIMIT 1")).scalar()
        conn.execute(text("UPDATE right_versions SET holder = :h WHERE asset_id = :a AND right_index = 1 "
                          "AND until_block IS NULL"),
                     {"h": stack.accounts[7].address, "a": asset_id})
    bad = subprocess.run([sys.executable, "-m", "registry.cli.main", "index", "check"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1
    assert f"DIFFERENCE right {asset_id}/1 holder: index '{stack.accounts[7].address}'" in bad.stdout


@pytest.mark.shared_anvil
def test_a_node_refusing_large_log_ranges_is_read_in_smaller_ones_without_gaps_or_overlaps(chain, tmp_path, stack):
    rpc, deployment = chain
    client = RegistryClient(Chain(rpc, deployment))
    populate(client, stack.accounts[:4], 20, seed=3)
    reference = build_indexer(settings_for(tmp_path, "reference", rpc, deployment))
    catch_up(reference)

    with RpcProxy(rpc, log_range_limit=4) as node:
        limited = build_indexer(settings_for(tmp_path, "limited", node.url, deployment))
        limited.max_range = limited.range = 64
        catch_up(limited)
        ranges = [(int(r.params[0]["fromBlock"], 16), int(r.params[0]["toBlock"], 16))
                  for r in node.calls("eth_getLogs")]
    served = [(first, last) for first, last in ranges if last - first + 1 <= 4]
    assert len(served) < len(ranges)  # some were refused
    # Every block read once, in order: the shrunk ranges tile the chain.
    assert [first for first, _ in served[1:]] == [last + 1 for _, last in served[:-1]]
    assert index_contents(limited.engine) == index_contents(reference.engine)


def signed_registration(client: RegistryClient, account) -> tuple[str, str]:
    """A registration by `account` signed here and not sent: (raw transaction, asset id)."""
    registration = random_registration([(account.address, ALL)])
    fn = client.contract.functions.register(*Register(registration).args())
    tx = {"to": fn.address, "data": fn._encode_transaction_data(), "gas": 1_000_000, "value": 0,
          "nonce": client.w3.eth.get_transaction_count(account.address, "pending"),
          "chainId": client.chain.chain_id, **fee_fields(client.chain.rpc)}
    return "0x" + account.sign_transaction(tx).raw_transaction.hex(), asset_id_of(account.address,
                                                                                  registration.content_hash)


def test_a_reorg_between_the_logs_and_the_headers_read_loses_no_event(chain, tmp_path, stack, database_url):
    """Issue 14, item 2. The indexer reads the logs of block N (an empty block: none); the proxy holds its
    read of the headers while anvil_reorg replaces N with a block that registers an asset. On the old code
    the new block's header passed every check (there was no log to compare it with), the checkpoint moved
    to its hash, and the asset, its rights and its events were never indexed. Now the last block's hash read
    before the logs differs from the one read after them, the range is read again, and the index equals a
    fresh index of the chain."""
    rpc, deployment = chain
    client = RegistryClient(Chain(rpc, deployment))
    node = DevRpc(rpc)
    alice = stack.accounts[1]
    client.register(random_registration([(alice.address, ALL)]), alice)
    with RpcProxy(rpc) as proxy:
        indexer = build_indexer(settings_for(tmp_path, "raced", proxy.url, deployment, database_url))
        catch_up(indexer)
        node.call("evm_mine")
        proxy.hold_next("eth_getBlockByNumber", after="eth_getLogs")
        errors: list[BaseException] = []
        stepping = threading.Thread(target=lambda: _capture(errors, indexer.step))
        stepping.start()
        assert proxy.held.wait(60), "the indexer never read the headers after the logs"
        raw, asset_id = signed_registration(client, alice)
        node.call("anvil_reorg", [1, [[raw, 0]]])
        proxy.release()
        stepping.join(60)
        assert not errors
        catch_up(indexer)
    fresh = build_indexer(settings_for(tmp_path, "fresh", rpc, deployment))
    catch_up(fresh)
    with Session(indexer.engine) as db:
        assert db.get(Asset, asset_id) is not None
    assert index_contents(indexer.engine) == index_contents(fresh.engine)


def _capture(errors: list[BaseException], fn) -> None:
    try:
        fn()
    except BaseException as exc:  # noqa: BLE001 - reported by the test thread
        errors.append(exc)


def test_logs_served_late_for_a_new_head_are_waited_for_not_checkpointed_past(chain, tmp_path, stack):
    """Issue 20: a node can announce a head before it has executed it, and answer eth_getLogs with [] for
    that block meanwhile. The proxy withholds the new block's logs and receipts. On the old code the indexer
    checkpointed past the block and its AssetRegistered was never indexed; now the block's logs bloom names
    our contract, so the checkpoint stays below it until the logs are served."""
    rpc, deployment = chain
    client = RegistryClient(Chain(rpc, deployment))
    alice = stack.accounts[1]
    with RpcProxy(rpc) as proxy:
        indexer = build_indexer(settings_for(tmp_path, "late", proxy.url, deployment))
        catch_up(indexer)
        proxy.withhold_logs_from = client.w3.eth.block_number + 1
        late = client.register(random_registration([(alice.address, ALL)]), alice)
        for _ in range(3):
            indexer.step()
        with Session(indexer.engine) as db:
            assert db.get(Checkpoint, "registry").block_number < late.block_number
        proxy.withhold_logs_from = None
        catch_up(indexer)
    with Session(indexer.engine) as db:
        assert db.get(Asset, late.asset_ids[0]) is not None
        assert db.get(Checkpoint, "registry").block_number == late.block_number


def test_a_shorter_canonical_chain_is_rolled_back_at_once(tmp_path, database_url):
    """Issue 14, item 5: evm_revert to a snapshot below the indexed block leaves the node's head below the
    index. The old code took the node for one still syncing and waited: the orphaned assets answered 200 and
    /v1/status said lag 0. Now the index goes back to the node's head at once."""
    with anvil_node() as (anvil_url, _), own_stack(anvil_url, tmp_path, database_url=database_url) as s:
        node = DevRpc(anvil_url)
        alice = s.accounts[1]
        kept = s.client.register(random_registration([(alice.address, ALL)]), alice).asset_ids[0]
        snapshot = node.call("evm_snapshot")
        orphaned = [s.client.register(random_registration([(alice.address, ALL)]), alice) for _ in range(2)]
        wait_for_status(s, lambda status: status["indexed_block"] == orphaned[-1].block_number)
        assert s.http.get(f"/v1/assets/{orphaned[0].asset_ids[0]}").status_code == 200

        assert node.call("evm_revert", [snapshot])
        head, head_hash = node.head()
        assert head < orphaned[0].block_number
        status = wait_for_status(s, lambda status: status["indexed_block"] == head)
        assert status["indexed_block_hash"] == head_hash and status["lag_blocks"] == 0
        assert all(s.http.get(f"/v1/assets/{o.asset_ids[0]}").status_code == 404 for o in orphaned)
        assert s.http.get(f"/v1/assets/{kept}").status_code == 200


def test_a_node_below_the_index_that_says_it_is_syncing_is_waited_for(chain, tmp_path, stack):
    """The other side of a shorter chain: a node whose head is below the index while eth_syncing says it is
    still catching up (restarted, resyncing) is behind, not reorganised; the index is kept until it says it
    is done, and then goes back to the node's head."""
    rpc, deployment = chain
    client = RegistryClient(Chain(rpc, deployment))
    node = DevRpc(rpc)
    alice = stack.accounts[1]
    snapshot = node.call("evm_snapshot")
    orphaned = client.register(random_registration([(alice.address, ALL)]), alice)
    with RpcProxy(rpc) as proxy:
        indexer = build_indexer(settings_for(tmp_path, "syncing", proxy.url, deployment))
        catch_up(indexer)
        assert node.call("evm_revert", [snapshot])
        proxy.syncing = True
        assert not indexer.step()
        with Session(indexer.engine) as db:
            assert db.get(Checkpoint, "registry").block_number == orphaned.block_number
        proxy.syncing = False
        catch_up(indexer)
    with Session(indexer.engine) as db:
        assert db.get(Checkpoint, "registry").block_number == node.head()[0] < orphaned.block_number
        assert db.get(Asset, orphaned.asset_ids[0]) is None


def wait_for_status(s, condition, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status = s.http.get("/v1/status").json()
        if condition(status):
            return status
        assert time.monotonic() < deadline, f"the status never got there: {status}"
        time.sleep(0.05)
