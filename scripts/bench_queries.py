"""Query latency of the read API on a large PostgreSQL index: asset detail, history page and party rights,
under load from wrk on loopback, beside a trivial endpoint of the same API as the baseline.

The target (the project's issue): with 100,000 assets and 1,000,000 history events in PostgreSQL, the p99
latency of each of the three requests is under 50 ms.

1. Seeding. A fresh database `bench_queries_<random>` is brought to the schema by the Alembic migrations
   (`create_schema`), then filled directly with COPY, without the chain or the indexer: that many events
   through anvil would take hours. A deterministic simulation (random.Random with a fixed seed) plays a
   year of a QBFT chain with 2-second blocks: assets registered with their three primary rights (some with
   the usage or operating right assigned to a second party; some derived from earlier assets), then grants,
   transfers, revocations and renewals that follow the contract's rules (a grant from a valid, sub-grantable
   right, at most 8 levels deep, ending no later than its parent; a revocation by the parent's holder; ...).
   Every row has the shape the indexer writes (registry/indexer/handlers.py and scanner.py): checksummed
   addresses, 0x 32-byte ids, CIDv0 content ids, events' args_json as json.dumps of the decoded arguments,
   one right_versions row per state of a right, a blocks row per block that has events, the checkpoint.
   Activity is skewed: most assets have a handful of events, 1% have a few dozen to hundreds, and 5 hot
   assets have 1% to 4% of all events each (10,000 to 40,000 at full scale, mostly grants, so thousands of
   rights); a few thousand parties, of which 5 big ones hold thousands of rights each. The secondary indexes
   are dropped during the load and re-created from their own definitions afterwards (faster than
   maintaining them row by row), then VACUUM ANALYZE, as autovacuum would have done on a live index.
2. The API: `datareg api --workers N` (uvicorn; N worker processes, one round of measurements per value of
   --workers) against that database, with a real deployment file from anvil (the read routes never call the
   chain node).
3. Load: wrk with a Lua script that picks each request's path at random from a file of paths (fixed
   random seeds). Asset detail: GET /v1/assets/{id}, 95% uniformly random assets, 5% the hot ones. History:
   GET /v1/assets/{id}/history?limit=100&offset=N, 80% random assets (first page, or a random page when
   there are more), 20% the hot assets (first, middle, last or a random page). Party rights:
   GET /v1/parties/{address}/rights?limit=101&offset=N, as the explorer asks for a page, 95% random parties
   that hold or held a right (first page), 5% the big parties (a random page). Extra rows measure only the
   hot assets and the big parties, to show where a tail comes from. Baseline: GET /v1/participants (five
   rows, no join), measured the same way before and after the others.

Before each round of measurements (one per value of --workers), every table and index of the database is
read into the operating system's cache with pg_prewarm ('read'), as a server answering for a while has them.
Each measurement runs wrk with fixed threads and connections for a fixed time, after a short warm-up of the
same paths, and the next starts only when the API has finished every request it accepted. wrk reports
latency only for requests that complete, so its timeout is set far above any latency seen; `n` is how many
completed (a case with fewer than 20 in 10 s is measured again for 60 s; with fewer than 100, the p99 is
the maximum). wrk is a closed loop (each connection sends its next request when the previous answer arrives), so
with 8 connections against one API process the latency includes queueing behind the other 7: each case
runs with 1 connection (the service time of one request on an otherwise idle API) and with 8.
Beside the latencies, the CPU each request cost (milliseconds): `API ms` in the API's processes, `PG ms` in the
PostgreSQL backends serving them (from /proc, so the rest of a shared machine does not count), and
`req/s/core` = 1000 / (API ms + PG ms), the requests one core could answer, wrk's own share left out.

The other read routes whose cost could grow with the index are measured too (other_paths): searches by text,
pages and filters of the asset list, an asset's rights, lineage graphs, and the lists of listings, trades,
public-data authorisations and finance records, which the seeding leaves empty (so only their fixed cost).

Run (full scale, 100,000 assets and 1,000,000 events; 10-20 minutes on 2 cores):
    .venv/bin/python scripts/bench_queries.py
Smoke run:
    .venv/bin/python scripts/bench_queries.py --assets 2000 --events 20000 --duration 3 --out /tmp/queries.txt
Options (defaults): --connections 1 8, --workers 1, --threads 2, --duration 10, --warmup 3, --min-requests 20,
--max-duration 60, --parties 3000,
--keep-database (to EXPLAIN the queries afterwards, or to measure again; drop it yourself),
--database NAME (measure again a database a --keep-database run seeded on this machine, without seeding: its
request paths and summary are saved beside it in the temporary directory; the API migrates it to the newest
schema when it starts, so new indexes are built then),
--code DIR (measure the API of another checkout, e.g. a worktree of main before a change, with this script's cases;
its migrations must know the database's revision: bring a database a newer schema migrated back first).
Compare API worker counts with --workers 1 2. The load averages before and after the run are written with the
table (the machine may be shared). Needs wrk (`make install` installs it) and PostgreSQL at
DATAREG_TEST_POSTGRES (default postgresql+psycopg://postgres@127.0.0.1:5432/test, used only to create and drop
the benchmark database). The table is printed and written to bench/queries.txt.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import httpx
import psycopg
from benchlib import (  # first: it puts the repository on sys.path
    ROOT,
    Database,
    code_version,
    database,
    load_average,
    local_chain,
    port,
    postgres_url,
    service_env,
    spawn,
    wait_for_api,
)
from eth_account import Account
from eth_utils import keccak, to_checksum_address

from registry.content.cid import digest_to_cid
from registry.db.models import CHECKPOINT
from registry.db.session import create_schema, make_engine
from registry.devchain import RELAYER_ACCOUNT, dev_key

TARGET_P99_MS = 50.0
SEED = "datareg bench_queries"

# The simulated chain: a year of 2-second blocks (QBFT), ending before the benchmark's own clock, so that
# some grants have expired by now and most have not.
CHAIN_START = int(datetime(2025, 11, 1, tzinfo=timezone(timedelta(hours=8))).timestamp())
CHAIN_SECONDS = 365 * 86_400
BLOCK_SECONDS = 2
DAY = 86_400

HOT_SHARES = (0.04, 0.025, 0.015, 0.012, 0.01)  # of all events: 40,000 ... 10,000 at full scale
WARM_SHARE, WARM_FACTOR = 0.01, 20  # 1% of assets are 20 times as active as the rest
BIG_PARTIES, BIG_PARTY_SHARE = 5, 0.01  # each: 1% of grantees and new holders, 0.5% of registrants
DERIVED_SHARE = 0.03
MAX_GRANT_DEPTH = 8  # the contract's MAX_GRANT_DEPTH
GRANTED_KINDS = (1, 6, 3)  # weights of holding, usage and operating among grants from a primary right
ACTIONS = (("grant", 0.60), ("transfer", 0.15), ("revoke", 0.15), ("renew", 0.10))
ZERO32 = "0x" + "00" * 32

PURPOSES = ("交通规划研究", "城市治理分析", "商业选址评估", "保险精算建模", "学术研究", "产品开发测试",
            "信用评估", "公共卫生监测", "供应链优化", "广告效果分析")
TERRITORIES = ("3502", "350200", "310000", "440300", "110000", "330100", "CN", "3501", "510100", "420100")
CITIES = ("厦门市", "福州市", "上海市", "深圳市", "北京市", "杭州市", "成都市", "武汉市", "泉州市", "广州市")
TOPICS = (("交通流量", "G", "54"), ("零售客流", "F", "52"), ("医疗结果", "Q", "84"), ("电力负荷", "D", "44"),
          ("气象观测", "M", "74"), ("物流轨迹", "G", "58"), ("企业信用", "L", "72"), ("房产交易", "K", "70"),
          ("环境监测", "N", "77"), ("金融交易", "J", "66"))
FREQUENCIES = ("daily", "hourly", "monthly", "realtime", "weekly")

# COPY column lists, in the order the rows below are built.
EVENT_COLUMNS = ("id", "block_number", "block_hash", "tx_hash", "log_index", "timestamp", "name", "asset_id", "kind",
                 "actor", "party", "right_index", "args_json")
VERSION_COLUMNS = ("id", "asset_id", "right_index", "holder", "kind", "parent_index", "valid_from", "valid_until",
                   "revoked", "sub_grantable", "transferable", "change", "since_block", "since_log_index",
                   "since_time", "until_block", "until_log_index", "until_time",
                   # the right's fixed columns, on each version (the `rights` view shows the current one)
                   "limits_cid", "grantor", "purpose", "territory", "quantity", "terms_cid", "revoked_by",
                   "revocation_reason", "revocation_evidence_cid", "created_block", "created_tx")
ASSET_COLUMNS = ("asset_id", "registrant", "submitter", "content_hash", "content_cid", "metadata_cid",
                 "classification", "personal_information", "sensitive_personal_information", "export_allowed",
                 "derived", "status", "version", "frozen", "active_pledges", "cancel_reason", "latest_content_hash",
                 "right_count", "name", "summary", "industry", "metadata_json", "registered_block", "registered_tx",
                 "registered_log_index", "registered_at", "updated_block")
BLOCK_COLUMNS = ("number", "hash", "parent_hash", "timestamp")
LOADED_TABLES = ("assets", "right_versions", "events", "blocks", "lineage", "participants")


# ───────────────────────────── the simulated chain ─────────────────────────────


class SimRight:
    """A right as the contract holds it, plus the current right_versions row (closed when it changes)."""

    __slots__ = ("index", "holder", "kind", "parent", "depth", "valid_from", "valid_until", "revoked",
                 "sub_grantable", "transferable", "grantor", "purpose", "territory", "quantity", "terms_cid",
                 "revoked_by", "reason", "evidence_cid", "created_block", "created_tx", "updated_block", "version")

    def __init__(self, index, holder, kind, parent=0, depth=0) -> None:
        self.index, self.holder, self.kind, self.parent, self.depth = index, holder, kind, parent, depth
        self.valid_from = self.valid_until = 0
        self.revoked = False
        self.sub_grantable = self.transferable = True  # the contract's ROOT_FLAGS
        self.grantor = self.purpose = self.territory = self.quantity = self.terms_cid = None
        self.revoked_by = self.reason = self.evidence_cid = None
        self.created_block = self.updated_block = 0
        self.created_tx = ""
        self.version: list | None = None


class SimAsset:
    __slots__ = ("number", "asset_id", "registrant", "submitter", "content_hash", "content_cid", "metadata_cid",
                 "classification", "attributes", "rights", "events", "registered_block", "registered_tx",
                 "registered_log_index", "registered_at", "topic", "city")

    def __init__(self, number: int) -> None:
        self.number = number
        self.rights: list[SimRight] = []
        self.events = 0


@dataclass
class Dataset:
    """What the load generator needs to know about the seeded data."""

    assets: list[SimAsset]
    hot: list[int]  # asset numbers
    parties_rights: dict[str, int]  # party -> number of rights it holds or held
    big_parties: list[str]
    events: int = 0
    rights: int = 0
    versions: int = 0
    blocks: int = 0
    last_block: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    action_counts: dict[str, int] = field(default_factory=dict)


class Simulation:
    """Plays the chain in order and streams each row to its COPY as it is produced."""

    def __init__(self, rng: random.Random, n_assets: int, n_events: int, n_parties: int, first_block: int,
                 relayer: str, participants: list[tuple]) -> None:
        self.rng = rng
        self.first_block = first_block
        self.relayer = relayer
        self.participants = participants
        self.parties = [to_checksum_address(rng.randbytes(20)) for _ in range(n_parties)]
        self.big = self.parties[:BIG_PARTIES]
        self.normal = self.parties[BIG_PARTIES:]
        self.held: dict[str, set] = {}
        # Shared documents: exchanges and agents reuse a few hundred licence templates and evidence files.
        self.terms_pool = [self._cid_pair() for _ in range(500)]
        self.evidence_pool = [self._cid_pair() for _ in range(200)]
        self.assets = [SimAsset(i) for i in range(n_assets)]
        self.n_events = n_events
        self.event_id = self.version_id = self.tx_counter = 0
        self.block = self.log_index = -1
        self.block_hash = ""
        self.block_time = 0
        self.blocks = 0
        self.action_counts = {name: 0 for name, _ in ACTIONS}

    def _cid_pair(self) -> tuple[str, str]:
        digest = self.rng.randbytes(32)
        return "0x" + digest.hex(), digest_to_cid(digest)

    # ── who ──

    def party(self, avoid: str | None = None) -> str:
        """A party: each big party 1% of the time, else a mildly skewed choice among the others."""
        while True:
            r = self.rng.random()
            if r < BIG_PARTY_SHARE * BIG_PARTIES:
                chosen = self.big[int(r / BIG_PARTY_SHARE)]
            else:
                chosen = self.normal[int(len(self.normal) * self.rng.random() ** 1.3)]
            if chosen != avoid:
                return chosen

    def registrant(self) -> str:
        r = self.rng.random()
        if r < BIG_PARTY_SHARE / 2 * BIG_PARTIES:
            return self.big[int(r / (BIG_PARTY_SHARE / 2))]
        return self.normal[int(len(self.normal) * self.rng.random() ** 1.3)]

    # ── the schedule ──

    def schedule(self) -> list[tuple[float, int, int]]:
        """(time, 0 registration | 1 action, asset number), in chain order, with exactly n_events events."""
        rng, n = self.rng, len(self.assets)
        registered_at = sorted(rng.random() * CHAIN_SECONDS * 0.9 for _ in range(n))
        # Hot assets were registered early, so a year of activity can pile up on them.
        self.hot = rng.sample(range(max(1, n // 20)), min(len(HOT_SHARES), n))
        self.sources = {i: (2 if rng.random() < 0.2 else 1) for i in range(n // 10, n)
                        if rng.random() < DERIVED_SHARE and i not in self.hot}
        fixed = len(self.participants) + 4 * n + sum(self.sources.values())
        hot_actions = {i: int(share * self.n_events) for i, share in zip(self.hot, HOT_SHARES)}
        remaining = self.n_events - fixed - sum(hot_actions.values())
        if remaining < 0:
            raise SystemExit(f"--events {self.n_events:,} is too few for --assets {n:,}: registrations alone "
                             f"take {fixed:,} events and the hot assets {sum(hot_actions.values()):,}.")
        # Geometric counts: most assets a handful of actions; 1% (warm) twenty times as many on average.
        regular = [i for i in range(n) if i not in hot_actions]
        warm = set(rng.sample(regular, int(len(regular) * WARM_SHARE)))
        base_mean = remaining / len(regular) / (1 + WARM_SHARE * (WARM_FACTOR - 1))
        counts = {}
        for i in regular:
            mean = base_mean * (WARM_FACTOR if i in warm else 1)
            p = 1 / (mean + 1)
            counts[i] = int(math.log(1 - rng.random()) / math.log(1 - p)) if mean > 0 else 0
        difference = remaining - sum(counts.values())
        while difference:
            i = rng.choice(regular)
            if difference > 0:
                counts[i] += 1
                difference -= 1
            elif counts[i] > 0:
                counts[i] -= 1
                difference += 1
        counts.update(hot_actions)
        slots = [(registered_at[i], 0, i) for i in range(n)]
        for i, count in counts.items():
            start = registered_at[i]
            slots.extend((start + (CHAIN_SECONDS - start) * rng.random(), 1, i) for _ in range(count))
        slots.sort()
        return slots

    # ── rows ──

    def tx_hash(self) -> str:
        self.tx_counter += 1
        return "0x" + hashlib.sha256(b"tx" + self.tx_counter.to_bytes(8, "big")).hexdigest()

    @staticmethod
    def block_hash_of(number: int) -> str:
        return "0x" + hashlib.sha256(b"block" + number.to_bytes(8, "big")).hexdigest()

    def enter_block(self, number: int) -> None:
        if number == self.block:
            return
        self.block, self.log_index = number, -1
        self.block_hash = self.block_hash_of(number)
        self.block_time = CHAIN_START + (number - self.first_block) * BLOCK_SECONDS
        self.blocks_copy.write_row((number, self.block_hash, self.block_hash_of(number - 1), self.block_time))
        self.blocks += 1

    def event(self, tx: str, name: str, args: dict, asset: SimAsset | None = None, kind=None, actor=None,
              party=None) -> int:
        """Writes an events row as Indexer._apply records it; returns its log index."""
        self.event_id += 1
        self.log_index += 1
        if asset is not None:
            asset.events += 1
        self.events_copy.write_row((
            self.event_id, self.block, self.block_hash, tx, self.log_index, self.block_time, name,
            asset.asset_id if asset else None, kind, actor, party, args.get("rightIndex"), json.dumps(args)))
        return self.log_index

    def save_version(self, asset: SimAsset, right: SimRight, change: str, log_index: int) -> None:
        """save_right in the handlers: the current version ends at this event and a new one begins."""
        right.updated_block = self.block
        if right.version is not None:
            right.version[15:18] = [self.block, log_index, self.block_time]
            self.versions_copy.write_row(right.version)
        self.version_id += 1
        right.version = [self.version_id, asset.asset_id, right.index, right.holder, right.kind, right.parent,
                         right.valid_from, right.valid_until, right.revoked, right.sub_grantable, right.transferable,
                         change, self.block, log_index, self.block_time, None, None, None,
                         None, right.grantor, right.purpose, right.territory, right.quantity, right.terms_cid,
                         right.revoked_by, right.reason, right.evidence_cid, right.created_block, right.created_tx]
        self.held.setdefault(right.holder, set()).add((asset.number, right.index))

    # ── events ──

    def participants_added(self) -> None:
        self.enter_block(self.first_block)
        for account, role, name, credit_code_hash, endpoint, *_ in self.participants:
            self.event(self.tx_hash(), "ParticipantAdded", {"account": account, "role": role, "name": name,
                                                            "creditCodeHash": credit_code_hash,
                                                            "endpoint": endpoint}, party=account)

    def register(self, asset: SimAsset) -> None:
        rng = self.rng
        sources = self.derived_from(asset) if asset.number in self.sources else []
        if not sources:
            asset.registrant = self.registrant()
        asset.submitter = self.relayer if rng.random() < 0.15 else asset.registrant
        content = rng.randbytes(32)
        asset.content_hash = "0x" + content.hex()
        asset.asset_id = "0x" + keccak(bytes(12) + bytes.fromhex(asset.registrant[2:]) + content).hex()
        content_cid_digest = rng.randbytes(32) if rng.random() < 0.7 else bytes(32)
        asset.content_cid = None if content_cid_digest == bytes(32) else digest_to_cid(content_cid_digest)
        metadata_digest = rng.randbytes(32)
        asset.metadata_cid = digest_to_cid(metadata_digest)
        r = rng.random()
        asset.classification = 0 if r < 0.8 else 1 if r < 0.97 else 2
        personal = rng.random() < 0.15
        attributes = (1 if personal else 0) | (2 if personal and rng.random() < 0.2 else 0) \
            | (4 if rng.random() < 0.2 else 0) | (8 if sources else 0)
        asset.attributes = attributes
        asset.topic, asset.city = rng.randrange(len(TOPICS)), rng.randrange(len(CITIES))
        tx = self.tx_hash()
        asset.registered_tx, asset.registered_block, asset.registered_at = tx, self.block, self.block_time
        asset.registered_log_index = self.event(
            tx, "AssetRegistered",
            {"assetId": asset.asset_id, "registrant": asset.registrant, "submitter": asset.submitter,
             "contentHash": asset.content_hash, "contentCid": "0x" + content_cid_digest.hex(),
             "metadataCid": "0x" + metadata_digest.hex(), "classification": asset.classification,
             "attributes": attributes},
            asset, actor=asset.registrant)
        for source, right in sources:
            self.event(tx, "AssetDerived", {"assetId": asset.asset_id, "sourceAssetId": source.asset_id,
                                            "rightIndex": right.index}, asset)
            self.lineage_rows.append((asset.asset_id, source.asset_id, right.index, self.block))
        # The primary rights: the registrant's own, or the usage/operating right with a second party
        # (80% keep all three). RightAssigned events come in the holders' address order, as the contract
        # sorts them; each kind takes its primary index, kind + 1.
        holders = {asset.registrant: [0, 1, 2]}
        if rng.random() < 0.2:
            other = self.party(avoid=asset.registrant)
            moved = rng.choice([[1], [2], [1, 2]])
            holders = {asset.registrant: [k for k in (0, 1, 2) if k not in moved], other: moved}
        asset.rights = [None, None, None]
        for holder in sorted(holders, key=lambda a: int(a, 16)):
            for kind in holders[holder]:
                right = SimRight(kind + 1, holder, kind)
                right.created_block, right.created_tx = self.block, tx
                log_index = self.event(tx, "RightAssigned", {"assetId": asset.asset_id, "rightIndex": kind + 1,
                                                             "holder": holder, "kind": kind},
                                       asset, kind=kind, party=holder)
                asset.rights[kind] = right
                self.save_version(asset, right, "assigned", log_index)

    def derived_from(self, asset: SimAsset) -> list[tuple[SimAsset, SimRight]]:
        """Sources for a derived asset, and its registrant: a party that holds a valid usage right (primary or
        a licence) over as many other assets as the asset has sources; the contract checks exactly that."""
        wanted = self.sources[asset.number]
        for attempt in range(1000):
            party = self.registrant() if attempt < 50 else self.parties[attempt % len(self.parties)]
            usage = {}
            for number, index in sorted(self.held.get(party, ())):
                source = self.assets[number]
                right = source.rights[index - 1]
                if right.holder == party and right.kind == 1 and number not in usage and self.usable(source, right):
                    usage[number] = (source, right)
            if len(usage) >= wanted:
                asset.registrant = party
                return [usage[number] for number in self.rng.sample(sorted(usage), wanted)]
        raise SystemExit(f"No party holds usage rights over {wanted} assets to derive asset {asset.number} from: "
                         "use more --events per asset.")

    def usable(self, asset: SimAsset, right: SimRight, margin: int = 0) -> bool:
        """Valid now (and for `margin` seconds more) up its whole chain of grants, as rightValidity judges."""
        now = self.block_time
        while True:
            if right.revoked or right.valid_from > now or (right.valid_until and right.valid_until <= now + margin):
                return False
            if right.parent == 0:
                return True
            right = asset.rights[right.parent - 1]

    def pick(self, asset: SimAsset, test) -> SimRight | None:
        for _ in range(8):
            right = self.rng.choice(asset.rights)
            if test(right):
                return right
        return None

    def act(self, asset: SimAsset) -> None:
        rng = self.rng
        r, action = rng.random(), "grant"
        for name, weight in ACTIONS:
            if r < weight:
                action = name
                break
            r -= weight
        right = None
        if action == "transfer":
            right = self.pick(asset, lambda x: x.transferable and self.usable(asset, x))
        elif action == "revoke":
            right = self.pick(asset, lambda x: x.parent and not x.revoked)
        elif action == "renew":
            right = self.pick(asset, lambda x: x.parent and not x.revoked and x.valid_until)
        if right is None:
            action = "grant"
        self.action_counts[action] += 1
        getattr(self, action)(asset, right)

    def primary(self, asset: SimAsset) -> SimRight:
        return asset.rights[self.rng.choices((0, 1, 2), GRANTED_KINDS)[0]]

    def grant(self, asset: SimAsset, _=None) -> None:
        rng, now = self.rng, self.block_time
        parent = None
        for _ in range(8):
            # Most licences are granted straight from a primary right, mostly the usage right, then the
            # operating right, seldom the holding right; some are sub-grants.
            candidate = self.primary(asset) if rng.random() < 0.7 else rng.choice(asset.rights)
            if (candidate.sub_grantable and candidate.depth < MAX_GRANT_DEPTH
                    and self.usable(asset, candidate, 30 * DAY)):
                parent = candidate
                break
        parent = parent or self.primary(asset)  # primary rights are never revoked and never end
        grantee = self.party(avoid=parent.holder)
        right = SimRight(len(asset.rights) + 1, grantee, parent.kind, parent.index, parent.depth + 1)
        right.valid_from = 0 if rng.random() < 0.7 else now
        r = rng.random()
        right.valid_until = (0 if r < 0.15 else now + rng.randint(7, 120) * DAY if r < 0.3
                             else now + rng.randint(180, 1100) * DAY)
        if parent.valid_until and (right.valid_until == 0 or right.valid_until > parent.valid_until):
            right.valid_until = parent.valid_until  # a grant cannot outlast its parent
        right.sub_grantable, right.transferable = rng.random() < 0.25, rng.random() < 0.5
        right.grantor = parent.holder
        right.purpose, right.territory = rng.choice(PURPOSES), rng.choice(TERRITORIES)
        right.quantity = str(rng.choice((0, 1000, 10_000, 100_000, 1_000_000, rng.randrange(1, 10**7))))
        terms_digest, right.terms_cid = rng.choice(self.terms_pool) if rng.random() < 0.8 else (ZERO32, None)
        tx = self.tx_hash()
        right.created_block, right.created_tx = self.block, tx
        asset.rights.append(right)
        log_index = self.event(tx, "RightGranted", {
            "assetId": asset.asset_id, "grantee": grantee, "grantor": parent.holder, "rightIndex": right.index,
            "parentIndex": parent.index, "kind": right.kind,
            "terms": {"grantee": grantee, "validFrom": right.valid_from, "validUntil": right.valid_until,
                      "subGrantable": right.sub_grantable, "transferable": right.transferable,
                      "purpose": right.purpose, "territory": right.territory, "quantity": int(right.quantity),
                      "termsCid": terms_digest}}, asset, kind=right.kind, actor=parent.holder, party=grantee)
        self.save_version(asset, right, "granted", log_index)

    def transfer(self, asset: SimAsset, right: SimRight) -> None:
        previous, right.holder = right.holder, self.party(avoid=right.holder)
        log_index = self.event(self.tx_hash(), "RightTransferred",
                               {"assetId": asset.asset_id, "from": previous, "to": right.holder,
                                "rightIndex": right.index}, asset, kind=right.kind, actor=previous, party=right.holder)
        self.save_version(asset, right, "transferred", log_index)

    def revoke(self, asset: SimAsset, right: SimRight) -> None:
        grantor = asset.rights[right.parent - 1].holder
        digest, right.evidence_cid = self.rng.choice(self.evidence_pool)
        right.revoked, right.revoked_by, right.reason = True, grantor, self.rng.choice((1, 1, 2, 3, 4, 5, 99))
        log_index = self.event(self.tx_hash(), "RightRevoked",
                               {"assetId": asset.asset_id, "holder": right.holder, "grantor": grantor,
                                "rightIndex": right.index, "reasonCode": right.reason, "evidenceCid": digest},
                               asset, kind=right.kind, actor=grantor, party=right.holder)
        self.save_version(asset, right, "revoked", log_index)

    def renew(self, asset: SimAsset, right: SimRight) -> None:
        parent = asset.rights[right.parent - 1]
        previous = right.valid_until
        right.valid_until = max(previous, self.block_time) + self.rng.randint(180, 720) * DAY
        if parent.valid_until and right.valid_until > parent.valid_until:
            right.valid_until = parent.valid_until
        log_index = self.event(self.tx_hash(), "RightRenewed",
                               {"assetId": asset.asset_id, "holder": right.holder, "grantor": parent.holder,
                                "rightIndex": right.index, "previousValidUntil": previous,
                                "validUntil": right.valid_until}, asset, kind=right.kind, actor=parent.holder,
                               party=right.holder)
        self.save_version(asset, right, "renewed", log_index)

    # ── the run ──

    def run(self, conninfo: str) -> Dataset:
        """Plays the schedule, streaming events, versions and blocks through three COPYs at once (one
        connection each), then writes the final state: assets, rights, open versions, lineage."""
        slots = self.schedule()
        self.lineage_rows: list[tuple] = []
        with ExitStack() as stack:
            copies = {}
            for table, columns in (("events", EVENT_COLUMNS), ("right_versions", VERSION_COLUMNS),
                                   ("blocks", BLOCK_COLUMNS)):
                conn = stack.enter_context(psycopg.connect(conninfo))
                conn.execute("SET synchronous_commit = off")
                copies[table] = stack.enter_context(
                    conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN"))
            self.events_copy, self.versions_copy, self.blocks_copy = (
                copies["events"], copies["right_versions"], copies["blocks"])
            self.participants_added()
            for moment, is_action, number in slots:
                self.enter_block(self.first_block + 1 + int(moment) // BLOCK_SECONDS)
                if is_action:
                    self.act(self.assets[number])
                else:
                    self.register(self.assets[number])
            for asset in self.assets:  # versions still current: until_* stay null
                for right in asset.rights:
                    self.versions_copy.write_row(right.version)
        with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
            conn.execute("SET synchronous_commit = off")
            with cur.copy(f"COPY assets ({', '.join(ASSET_COLUMNS)}) FROM STDIN") as copy:
                for asset in self.assets:
                    copy.write_row(self.asset_row(asset))
            with cur.copy("COPY lineage (asset_id, source_asset_id, right_index, block_number) FROM STDIN") as copy:
                for row in self.lineage_rows:
                    copy.write_row(row)
            with cur.copy("COPY participants (account, role, status, name, credit_code_hash, endpoint, region, "
                          "registrar_code, added_block, updated_block) FROM STDIN") as copy:
                for account, role, name, credit_code_hash, endpoint, region, code in self.participants:
                    copy.write_row((account, role, 1, name, credit_code_hash, endpoint, region, code,
                                    self.first_block, self.first_block))
        return Dataset(assets=self.assets, hot=self.hot, big_parties=self.big,
                       parties_rights={party: len(rights) for party, rights in self.held.items()},
                       events=self.event_id, rights=sum(len(a.rights) for a in self.assets),
                       versions=self.version_id, blocks=self.blocks, last_block=self.block)

    def asset_row(self, asset: SimAsset) -> tuple:
        """The asset as on_asset_registered writes it, with the fields of its metadata document (the content
        store has every document, so name, summary, industry and metadata_json are filled)."""
        rng = random.Random(f"{SEED} metadata {asset.number}")
        topic, section, division = TOPICS[asset.topic]
        city = CITIES[asset.city]
        name = f"{city}{topic}数据集（{2024 + asset.number % 3}年第{asset.number % 97 + 1}批）"
        document = {
            "schema_version": "datareg/metadata/v1",
            "name": name,
            "summary": f"{city}{topic}数据，按日汇总，每日凌晨更新前一日数据。数据为统计值，不含可识别个人的信息。"
                       f"本数据集共{rng.randrange(10_000, 10_000_000):,}条记录。",
            "applicant": {"name": f"{city}{topic}数据科技有限公司", "type": "legal_person",
                          "credit_code": "9135" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY")
                                                          for _ in range(14)),
                          "contact": {"name": "陈晓峰", "phone": "0592-5123456", "email": "data@example.org"}},
            "industry": {"section": section, "division": division},
            "source_type": "collected_or_generated",
            "geographic_scope": [rng.choice(TERRITORIES)],
            "time_scope": {"start": f"2024-{rng.randrange(1, 13):02d}-01"},
            "update_frequency": rng.choice(FREQUENCIES),
            "volume": {"records": rng.randrange(1000, 10**7), "bytes": rng.randrange(10**5, 10**10)},
            "form": "structured",
            "classification": ("general", "important", "core")[asset.classification],
            "personal_information": "personal" if asset.attributes & 1 else "none",
            **({"personal_information_basis": {"basis": "consent",
                                                "evidence_cid": "QmacUuJ24kAJXLSHfAcMa9QeK4ub1wMMVvpwjjfFwcp85e"}}
               if asset.attributes & 1 else {}),
            "restrictions": {"eligible_user_types": ["legal_person", "other_organisation"], "resale_allowed": False,
                             "export_allowed": bool(asset.attributes & 4)},
            "rights": [{"holder_name": f"{city}{topic}数据科技有限公司", "address": asset.registrant,
                        "kinds": ["holding", "usage", "operating"]}],
            "keywords": [topic, city, "数据资产"],
            "format": "csv",
            "language": "zh-CN",
            "data_fingerprint": asset.content_hash,
        }
        return (asset.asset_id, asset.registrant, asset.submitter, asset.content_hash, asset.content_cid,
                asset.metadata_cid, asset.classification, bool(asset.attributes & 1), bool(asset.attributes & 2),
                bool(asset.attributes & 4), bool(asset.attributes & 8), 1, 1, False, 0, None, None,
                len(asset.rights), name, document["summary"], section + division,
                json.dumps(document, ensure_ascii=False, sort_keys=True), asset.registered_block,
                asset.registered_tx, asset.registered_log_index, asset.registered_at, asset.registered_block)


def participants(rng: random.Random) -> list[tuple]:
    """Two exchanges, a registrar, a regulator and an appraiser: what GET /v1/participants lists."""
    rows = []
    for role, name, endpoint, region, code in (
            (1, "上海数据交易所", "https://api.sde.example", None, None),
            (1, "深圳数据交易所", "https://api.szde.example", None, None),
            (2, "福建省数据登记中心", "", "35", "A"),
            (6, "福建省数据管理局", "", None, None),
            (3, "厦门数据资产评估有限公司", "", None, None)):
        rows.append((to_checksum_address(rng.randbytes(20)), role, name, "0x" + rng.randbytes(32).hex(), endpoint,
                     region, code))
    return rows


# ───────────────────────────── the database ─────────────────────────────


def secondary_indexes(conninfo: str) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of every index of the loaded tables that backs no constraint (primary
    keys and unique constraints stay): exactly what the migrations made, whatever they are today."""
    with psycopg.connect(conninfo) as conn:
        return conn.execute("""
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
            WHERE t.relname = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY 1""", (list(LOADED_TABLES),)).fetchall()


def seed(conninfo: str, args, deployment) -> Dataset:
    timings = {}
    started = time.perf_counter()
    engine = make_engine(conninfo)
    create_schema(engine)
    engine.dispose()
    timings["migrations"] = time.perf_counter() - started

    indexes = secondary_indexes(conninfo)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for name, _ in indexes:
            conn.execute(f"DROP INDEX {name}")
    rng = random.Random(SEED)
    relayer = Account.from_key(dev_key(RELAYER_ACCOUNT)).address
    simulation = Simulation(rng, args.assets, args.events, args.parties, deployment.deploy_block + 1, relayer,
                            participants(rng))
    step = time.perf_counter()
    dataset = simulation.run(conninfo)
    timings["generate and COPY"] = time.perf_counter() - step

    step = time.perf_counter()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            conn.execute(definition)
        # Explicit ids were copied in; the sequences continue after them, as if the indexer had written them.
        for table in ("events", "right_versions"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.execute(
            "INSERT INTO checkpoints (name, chain_id, contract, block_number, block_hash, updated_at) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            (CHECKPOINT, deployment.chain_id, deployment.registry, dataset.last_block,
             Simulation.block_hash_of(dataset.last_block), time.time()))
        if conn.execute("SELECT 1 FROM information_schema.columns WHERE table_name = 'checkpoints' "
                        "AND column_name = 'head_block'").fetchone():
            # The chain head the indexer last saw (migration 0003): a caught-up indexer on QBFT saw its own block.
            conn.execute("UPDATE checkpoints SET head_block = block_number")
    timings["indexes"] = time.perf_counter() - step
    step = time.perf_counter()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    timings["VACUUM ANALYZE"] = time.perf_counter() - step
    timings["total"] = time.perf_counter() - started
    dataset.seconds = timings
    dataset.action_counts = simulation.action_counts
    return dataset


def schema_revision(conninfo: str) -> str:
    with psycopg.connect(conninfo) as conn:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def check_counts(conninfo: str, dataset: Dataset) -> dict[str, int]:
    with psycopg.connect(conninfo) as conn:
        counts = {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                  for table in ("assets", "rights", "right_versions", "events", "blocks", "lineage")}
    expected = {"assets": len(dataset.assets), "rights": dataset.rights, "right_versions": dataset.versions,
                "events": dataset.events, "blocks": dataset.blocks}
    wrong = {t: (counts[t], n) for t, n in expected.items() if counts[t] != n}
    if wrong:
        raise SystemExit(f"row counts differ from what was generated (table: (in database, generated)): {wrong}")
    return counts


# ───────────────────────────── the load ─────────────────────────────


def request_paths(dataset: Dataset, count: int) -> dict[str, list[str]]:
    """Paths per case, drawn with a fixed seed."""
    rng = random.Random(f"{SEED} paths")
    assets, hot = dataset.assets, [dataset.assets[i] for i in dataset.hot]

    def history(asset: SimAsset, pages: str) -> str:
        last = max(0, (asset.events - 1) // 100)
        if pages == "hot":
            page = rng.choice((0, last // 2, last, rng.randint(0, last)))
        else:
            page = rng.randint(0, last)
        return f"/v1/assets/{asset.asset_id}/history?limit=100&offset={page * 100}"

    def party_page(party: str, big: bool) -> str:
        page = rng.randint(0, (dataset.parties_rights[party] - 1) // 100) if big else 0
        return f"/v1/parties/{party}/rights?limit=101&offset={page * 100}"

    holders = sorted(dataset.parties_rights)
    paths = {
        "detail": [f"/v1/assets/{(rng.choice(hot) if rng.random() < 0.05 else rng.choice(assets)).asset_id}"
                   for _ in range(count)],
        "history": [history(rng.choice(hot), "hot") if rng.random() < 0.2 else history(rng.choice(assets), "any")
                    for _ in range(count)],
        "rights": [party_page(rng.choice(dataset.big_parties), True) if rng.random() < 0.05
                   else party_page(rng.choice(holders), False) for _ in range(count)],
        "detail_hot": [f"/v1/assets/{rng.choice(hot).asset_id}" for _ in range(count)],
        "history_hot": [history(rng.choice(hot), "hot") for _ in range(count)],
        "rights_big": [party_page(rng.choice(dataset.big_parties), True) for _ in range(count)],
        "baseline": ["/v1/participants"],
    }
    return paths


def other_paths(paths: dict[str, list[str]], count: int) -> dict[str, list[str]]:
    """Paths of the other read routes whose cost could grow with the index, drawn (with a fixed seed) from the
    assets and parties of the three main cases, so that a database seeded before these cases existed is measured
    with them too (--database): searches by text, pages of the asset list (by registration, by holder), an asset's
    rights and lineage (95% random assets, 5% the hot ones), and the lists of listings, trades, public-data
    authorisations and an asset's finance records, which the seeding leaves empty (their cost is the framework's
    and one query's)."""
    rng = random.Random(f"{SEED} other paths")
    ids = [p.split("/")[3] for p in paths["detail"]]
    hot = sorted({p.split("/")[3] for p in paths["detail_hot"]})
    parties = sorted({p.split("/")[3] for p in paths["rights"]})

    def asset() -> str:
        return rng.choice(hot) if rng.random() < 0.05 else rng.choice(ids)

    words = [t[0] for t in TOPICS] + list(CITIES) + [t[0][:1] for t in TOPICS] + ["hourly", "no such words"]
    return {
        "search": [f"/v1/assets?q={quote(rng.choice(words))}" for _ in range(count)],
        "assets": [rng.choice((f"/v1/assets?offset={20 * rng.randint(0, 50)}",
                               f"/v1/assets?classification={rng.choice(('general', 'important', 'core'))}",
                               f"/v1/assets?registrant={rng.choice(parties)}",
                               f"/v1/assets?holder={rng.choice(parties)}",
                               f"/v1/assets?holder={rng.choice(parties)}&kind=usage")) for _ in range(count)],
        "asset_rights": [f"/v1/assets/{asset()}/rights?limit=100" for _ in range(count)],
        "lineage": [f"/v1/assets/{asset()}/lineage" for _ in range(count)],
        "empty_lists": [rng.choice(("/v1/listings", f"/v1/listings?asset={asset()}", "/v1/trades",
                                    f"/v1/trades?asset={asset()}", "/v1/authorisations",
                                    f"/v1/assets/{asset()}/finance-remarks", f"/v1/assets/{asset()}/accounting"))
                        for _ in range(count)],
    }


CASES = (  # (key, label, whether the p99 target applies)
    ("baseline", "baseline: GET /v1/participants", False),
    ("detail", "asset detail", True),
    ("history", "history page (100)", True),
    ("rights", "party rights (page of 101)", True),
    ("detail_hot", "  asset detail, hot assets only", False),
    ("history_hot", "  history page, hot assets only", False),
    ("rights_big", "  party rights, big parties only", False),
    ("search", "asset search by text (?q=)", True),
    ("assets", "asset list pages and filters", True),
    ("asset_rights", "an asset's rights (page of 100)", True),
    ("lineage", "lineage graph", True),
    ("empty_lists", "listings/trades/auths/finance (empty)", True),
    ("baseline", "baseline again", False),
)

# Runs in each wrk thread: a random path per request from the file named by the first argument, with a
# fixed seed per thread; at the end, one line of JSON with the latency percentiles (microseconds).
WRK_SCRIPT = r"""
local thread_count = 0
function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  math.randomseed(1000 + thread_number)
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end

function done(summary, latency, requests)
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "p50": %d, "p90": %d, "p99": %d, "max": %d, ' ..
    '"status_errors": %d, "timeouts": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, summary.errors.status, summary.errors.timeout, summary.errors.connect,
    summary.errors.read, summary.errors.write))
end
"""


def wrk(script: Path, url: str, paths_file: Path, threads: int, connections: int, seconds: int) -> dict:
    threads = min(threads, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "120s", "-s", str(script),
               url, "--", str(paths_file)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next((ln for ln in out.splitlines() if ln.startswith("WRK_RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no result:\n{out}")
    result = json.loads(line[len("WRK_RESULT "):])
    errors = {k: result[k] for k in ("status_errors", "timeouts", "connect_errors", "read_errors", "write_errors")
              if result[k]}
    if errors:
        raise SystemExit(f"wrk saw errors on {paths_file.name}: {errors}")
    return result


def wait_until_idle(conninfo: str, timeout: float = 900) -> None:
    """Waits until the API has finished every request, so that no measurement pays for the last one's
    leftovers: wrk stops at its deadline, but the API goes on with the requests it had already accepted. A
    request holds its database connection in a transaction from its first query to its end, so the API is
    idle when no connection to the database is active or idle in a transaction."""
    deadline = time.monotonic() + timeout
    quiet = 0
    with psycopg.connect(conninfo, autocommit=True) as conn:
        while quiet < 3 and time.monotonic() < deadline:
            busy = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                "AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')"
                                ).fetchone()[0]
            quiet = 0 if busy else quiet + 1
            time.sleep(0.05)


def cpu_used(api: subprocess.Popen, conninfo: str) -> dict[tuple[str, int], float]:
    """CPU seconds used so far by each of the API's processes (the process and its workers: its own session) and
    each PostgreSQL backend connected to the benchmark's database, by ("api" | "pg", pid): what a measurement
    costs is the growth of each (cpu_cost), whatever else the shared machine runs."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        backends = {row[0] for row in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")}
    used = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        if int(fields[3]) == api.pid:  # the session the API was started in (start_new_session)
            used[("api", int(entry.name))] = seconds
        elif int(entry.name) in backends:
            used[("pg", int(entry.name))] = seconds
    return used


def cpu_cost(before: dict[tuple[str, int], float], after: dict[tuple[str, int], float], requests: int
             ) -> tuple[float, float]:
    """(API, PostgreSQL) CPU milliseconds per request between two cpu_used readings: each process's growth, a
    backend opened meanwhile counted from zero (the pool opens connections under load; one closed meanwhile is
    not counted, a few milliseconds at most)."""
    cost = {"api": 0.0, "pg": 0.0}
    for key, seconds in after.items():
        cost[key[0]] += seconds - before.get(key, 0.0)
    return cost["api"] * 1000 / max(requests, 1), cost["pg"] * 1000 / max(requests, 1)


def start_api(tmp: Path, conninfo: str, rpc_url: str, workers: int = 1, code: Path = ROOT
              ) -> tuple[subprocess.Popen, str]:
    api_port = port()
    api = spawn(["api", "--port", str(api_port), "--workers", str(workers)], service_env(tmp, rpc_url, conninfo),
                tmp / "api.log", code=code)
    url = f"http://127.0.0.1:{api_port}"
    wait_for_api(url, api, tmp / "api.log", path="/v1/participants")
    if workers > 1:
        time.sleep(3)  # the first worker answers; the others start (and migrate) on their own
    return api, url


def stop_api(api: subprocess.Popen) -> None:
    """Stops the API and, with several workers, the workers too (its own process group)."""
    if api.poll() is None:
        api.terminate()
        try:
            api.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(api.pid, 9)
            api.wait()


def check_paths(url: str, paths: dict[str, list[str]]) -> None:
    """Every case answers 200 on a sample of its paths before any is timed."""
    with httpx.Client(base_url=url, timeout=300) as http:
        for case_paths in paths.values():
            for path in case_paths[:3]:
                response = http.get(path)
                if response.status_code != 200:
                    raise SystemExit(f"GET {path} answered {response.status_code}: {response.text[:300]}")


def warm_cache(conninfo: str) -> str:
    """Reads every table and index of the database once into the operating system's cache (pg_prewarm in its
    'read' mode: PostgreSQL's own buffers are left alone), as a server that has been answering for a while has
    them; on a shared machine the cache may have been emptied since seeding, and the first reads of each page
    from disk (about 0.1 ms each) would otherwise be measured as the queries' cost. Returns what it did."""
    started = time.perf_counter()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        except psycopg.Error as exc:
            return f"the OS cache was not warmed (pg_prewarm: {str(exc).strip()})"
        blocks = conn.execute(
            "SELECT coalesce(sum(pg_prewarm(c.oid, 'read')), 0) FROM pg_class c JOIN pg_namespace n ON n.oid = "
            "c.relnamespace WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 'i', 't', 'm')"
        ).fetchone()[0]
    return (f"the database's {blocks * 8 / 1024:,.0f} MB read into the OS cache (pg_prewarm 'read') in "
            f"{time.perf_counter() - started:.1f} s")


def saved_dataset_file(name: str) -> Path:
    """Where a kept database's summary is saved (the request paths drawn and the header lines), so that a later
    run can measure it again with --database, without seeding."""
    return Path(tempfile.gettempdir()) / f"{name}.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--parties", type=int, default=3_000)
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 8],
                        help="wrk -c, one round of every case per value")
    parser.add_argument("--workers", type=int, nargs="+", default=[1],
                        help="uvicorn worker processes of the API (`datareg api --workers N`); every round of "
                        "--connections per value")
    parser.add_argument("--threads", type=int, default=2, help="wrk -t")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of the same load before each measurement")
    parser.add_argument("--min-requests", type=int, default=20,
                        help="a case that completes fewer requests in --duration is measured again for --max-duration")
    parser.add_argument("--max-duration", type=int, default=60)
    parser.add_argument("--paths", type=int, default=10_000, help="paths drawn per case")
    parser.add_argument("--keep-database", action="store_true",
                        help="do not drop the database (drop it yourself); its summary is saved for --database")
    parser.add_argument("--database", metavar="NAME",
                        help="measure a database an earlier --keep-database run seeded (bench_queries_...), "
                        "without seeding; it is kept. The API migrates it to the newest schema at start.")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "queries.txt")
    parser.add_argument("--code", type=Path, default=ROOT,
                        help="the checkout whose API is measured (default this one): a worktree of the code before "
                        "a change, measured with the same cases in the same session. Its migrations must know the "
                        "database's schema revision.")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: `make install` installs it (Debian package wrk).")
    if any(w < 1 for w in args.workers):
        raise SystemExit("--workers: at least 1")

    load_before = load_average()
    if args.database:
        db = Database(postgres_url(args.database), args.database, lambda: None)
        saved = saved_dataset_file(db.name)
        if not saved.exists():
            raise SystemExit(f"{saved} is missing: --database takes a database seeded by a --keep-database run "
                             "on this machine.")
        args.keep_database = True
    else:
        db = database("postgresql", "queries")
    name, conninfo = db.name, db.conninfo
    api = None
    try:
        with tempfile.TemporaryDirectory() as tmp_name, local_chain(Path(tmp_name) / "anvil.log") as chain:
            tmp = Path(tmp_name)
            rpc_url, deployment = chain.rpc_url, chain.deployment
            deployment.save(tmp / "deployment.json")

            if args.database:
                summary = json.loads(saved.read_text())
                header, paths = summary["header"], summary["paths"]
                if (summary["assets"], summary["events"]) != (args.assets, args.events):
                    args.assets, args.events = summary["assets"], summary["events"]
                header[0] = f"Database {name}, seeded by an earlier run: " + header[0]
                print("\n".join(header), flush=True)
            else:
                print(f"Seeding {name}: {args.assets:,} assets, {args.events:,} events, {args.parties:,} parties ...",
                      flush=True)
                dataset = seed(conninfo, args, deployment)
                counts = check_counts(conninfo, dataset)
                held = sorted(dataset.parties_rights.values())
                events_per_asset = sorted(a.events for a in dataset.assets)
                seeding = ", ".join(f"{k} {v:.1f} s" for k, v in dataset.seconds.items())
                header = [
                    f"Seeded in {dataset.seconds['total']:.1f} s ({seeding}).",
                    "Rows: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()) + ".",
                    f"Events per asset: median {events_per_asset[len(events_per_asset) // 2]}, "
                    f"99th percentile {events_per_asset[int(len(events_per_asset) * 0.99)]}, hot assets "
                    + ", ".join(f"{dataset.assets[i].events:,}" for i in dataset.hot) + ".",
                    f"Rights held or once held per party: {len(held):,} parties, median {held[len(held) // 2]}, "
                    f"big parties " + ", ".join(f"{dataset.parties_rights[p]:,}" for p in dataset.big_parties) + ".",
                    "Actions: " + ", ".join(f"{k} {v:,}" for k, v in dataset.action_counts.items()) + ".",
                ]
                print("\n".join(header), flush=True)
                paths = request_paths(dataset, args.paths)
                if args.keep_database:
                    saved_dataset_file(name).write_text(json.dumps(
                        {"assets": args.assets, "events": args.events, "header": header, "paths": paths}))

            paths.update(other_paths(paths, args.paths))
            script = tmp / "paths.lua"
            script.write_text(WRK_SCRIPT)
            files = {}
            for key, case_paths in paths.items():
                files[key] = tmp / f"{key}.paths"
                files[key].write_text("\n".join(case_paths) + "\n")

            columns = (f"{'request':<36}{'workers':>8}{'conns':>6}{'n':>7}{'req/s':>9}{'median ms':>11}{'p90 ms':>9}"
                       f"{'p99 ms':>9}{'max ms':>9}{'KB/resp':>9}{'API ms':>8}{'PG ms':>8}{'req/s/core':>11}  "
                       f"p99 < {TARGET_P99_MS:g} ms")
            lines = [columns]
            warmed = []
            for workers in args.workers:
                # The API migrates at start too: the revision is read after it, so it is the one measured.
                api, url = start_api(tmp, conninfo, rpc_url, workers, args.code)
                warmed.append(f"workers={workers}: {warm_cache(conninfo)}")
                print(f"Before the round with {warmed[-1]}.", flush=True)
                if workers == args.workers[0]:
                    where = "" if args.code == ROOT else f" in {args.code}"
                    header.append(f"Code at {code_version(code=args.code)}{where}; schema at Alembic revision "
                                  f"{schema_revision(conninfo)}.")
                    print(header[-1], flush=True)
                    setting = (f"wrk -t{args.threads} -d{args.duration}s (after {args.warmup} s of warm-up; "
                               f"-d{args.max_duration}s when fewer than {args.min_requests} requests complete), "
                               f"the API as `datareg api --workers N` (uvicorn, N worker processes), PostgreSQL on "
                               f"loopback, {os.cpu_count()} cores shared by wrk, the API and PostgreSQL.")
                    print(setting + "\n\n" + columns, flush=True)
                check_paths(url, paths)
                for connections in args.connections:
                    for key, label, target in CASES:
                        if args.warmup:
                            wrk(script, url, files[key], args.threads, connections, args.warmup)
                            wait_until_idle(conninfo)
                        before = cpu_used(api, conninfo)
                        r = wrk(script, url, files[key], args.threads, connections, args.duration)
                        wait_until_idle(conninfo)
                        if r["requests"] < args.min_requests and args.max_duration > args.duration:
                            # Too few answers for percentiles: once more, for longer.
                            before = cpu_used(api, conninfo)
                            r = wrk(script, url, files[key], args.threads, connections, args.max_duration)
                            wait_until_idle(conninfo)
                        after = cpu_used(api, conninfo)
                        api_ms, pg_ms = cpu_cost(before, after, r["requests"])
                        if r["requests"]:
                            p99 = r["p99"] / 1000
                            verdict = ("yes" if p99 < TARGET_P99_MS else "NO") if target else ""
                            line = (f"{label:<36}{workers:>8}{connections:>6}{r['requests']:>7}"
                                    f"{r['requests'] / (r['duration_us'] / 1e6):>9.1f}{r['p50'] / 1000:>11.1f}"
                                    f"{r['p90'] / 1000:>9.1f}{p99:>9.1f}{r['max'] / 1000:>9.1f}"
                                    f"{r['bytes'] / r['requests'] / 1024:>9.1f}{api_ms:>8.1f}{pg_ms:>8.1f}"
                                    f"{1000 / max(api_ms + pg_ms, 0.01):>11.0f}  {verdict}")
                        else:
                            line = (f"{label:<36}{workers:>8}{connections:>6}{0:>7}  no request completed within "
                                    f"{max(args.duration, args.max_duration)} s  {'NO' if target else ''}")
                        print(line, flush=True)
                        lines.append(line)
                stop_api(api)
                api = None
            load_after = load_average()
            loads = (f"Before the run, {load_before}; after, {load_after}.\n"
                     f"Before each round, {'; '.join(warmed)}.")
            print(loads)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            command = "scripts/bench_queries.py " + " ".join(sys.argv[1:])
            args.out.write_text(f"{command.strip()}\n{args.assets:,} assets, {args.events:,} events in PostgreSQL.\n"
                                + "\n".join(header) + "\n" + setting + "\n" + loads + "\n\n" + "\n".join(lines)
                                + "\n")
            print(f"\nWritten to {args.out}.")
    finally:
        if api is not None:
            stop_api(api)
        if args.keep_database:
            print(f"Kept the database: {conninfo} (measure it again with --database {name}; drop it with "
                  f"DROP DATABASE \"{name}\" WITH (FORCE)).")
        else:
            db.drop()


if __name__ == "__main__":
    main()
