"""Realistic sample assets that `make run` registers so a new user has something to look at.

They are registered by development accounts 2-4 (not account 0, the user's development key), so the
README's `datareg register examples/...` commands still register something new.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

from eth_account import Account

from registry.chain.client import RegistryClient
from registry.chain.keys import create_keystore
from registry.chain.operations import AddParticipant, ConfigureRegistrar, Qualify
from registry.chain.types import RightKind
from registry.devchain import DEPLOYER_ACCOUNT, dev_key
from registry.metadata import parse_metadata
from registry.prepare import prepare_registration

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

SAMPLES = [
    {
        "account": 2,
        "name": "上海港集装箱码头作业效率月度统计",
        "summary": "上海港主要集装箱码头的船舶在港时间、岸桥作业效率和堆场周转率月度统计，按码头和航线汇总，"
        "用于航运物流研究与供应链金融风控。不含个人信息。",
        "applicant": "上海申港航运数据服务有限公司",
        "credit_code": "91310115MA1K4B8X23",
        "industry": {"section": "G", "division": "55"},
        "region": ["31"],
        "classification": "general",
        "rows": "terminal,month,vessel_calls,avg_berth_hours,crane_moves_per_hour\n"
        + "".join(f"T{t},2024-{m:02d},{300 + 7 * t + m},{18 + t % 5}.{m},{28 + t % 4}\n"
                  for t in range(1, 7) for m in range(1, 13)),
    },
    {
        "account": 3,
        "name": "贵州省山区县逐小时气象观测数据",
        "summary": "贵州省山区县自动气象站逐小时气温、降水、风速和相对湿度观测数据，经质量控制后发布，"
        "可用于农业保险定价与山洪风险预警模型训练。",
        "applicant": "贵州黔云气象数据有限公司",
        "credit_code": "91520115MA6H2Q7R36",
        "industry": {"section": "M", "division": "74"},
        "region": ["52"],
        "classification": "important",
        "rows": "station,hour,temp_c,precip_mm,wind_ms,rh\n"
        + "".join(f"GZ{s:03d},2024-07-01T{h:02d},{21 + (s + h) % 9},{(s * h) % 7}.{h % 10},{1 + s % 6},{70 + h % 25}\n"
                  for s in range(1, 9) for h in range(24)),
    },
    {
        "account": 4,
        "name": "海南离岛免税消费客流统计",
        "summary": "海南离岛免税店按日、门店和商品大类汇总的客流与销售额统计，已做聚合脱敏处理，"
        "用于旅游消费趋势分析与商圈规划。",
        "applicant": "海南琼州消费数据科技有限公司",
        "credit_code": "91460100MA5T9W4K8L",
        "industry": {"section": "F", "division": "52"},
        "region": ["46"],
        "classification": "general",
        "rows": "date,store,category,visitors,sales_cny\n"
        + "".join(f"2024-10-{d:02d},S{s},{c},{800 + 37 * d + 11 * s},{120000 + 997 * d * s}\n"
                  for d in range(1, 11) for s in range(1, 4) for c in ("cosmetics", "watches", "liquor")),
    },
]


def _document(sample: dict, address: str, data: bytes) -> dict:
    doc = copy.deepcopy(json.loads((EXAMPLES / "traffic-flow.json").read_text()))
    doc.update(name=sample["name"], summary=sample["summary"], industry=sample["industry"],
               geographic_scope=sample["region"], classification=sample["classification"])
    doc["applicant"].update(name=sample["applicant"], credit_code=sample["credit_code"])
    doc["rights"] = [{"holder_name": sample["applicant"], "credit_code": sample["credit_code"],
                      "address": address, "kinds": ["holding", "usage", "operating"]}]
    doc["volume"] = {"records": data.count(b"\n") - 1, "bytes": len(data)}
    doc["keywords"] = []
    doc.pop("data_fingerprint", None)
    return doc


PARTICIPANTS = [  # (development account, role, keystore name, name, unified social credit code)
    (4, "exchange", "exchange-a", "上海数据交易所", "91310000MA1FL70B7K"),
    (5, "exchange", "exchange-b", "深圳数据交易所", "91440300MA5H1WXX6U"),
    (6, "registrar", "registrar", "福建省数据资产登记中心", "12350000MB1234567X"),
    (7, "regulator", "regulator", "福建省数据管理局", "11350000MB0000001A"),
    (3, "appraiser", "appraiser", "厦门数据资产评估有限公司", "91350200MA8ABCDE1F"),
    (8, "data_authority", "authority", "厦门市大数据管理局", "11350200MB0000000X"),  # public data (issue 21)
]


def admit_participants(client: RegistryClient, key_dir: Path) -> list[tuple[str, str, str, Path]]:
    """The council (development account 9) admits two exchanges, a registrar (code 35A), a regulator, an
    appraiser (with its appraisal licence on record) and a public-data authority, and writes each one's development
    keystore (and the admin's) so every role can be tried."""
    admin = Account.from_key(dev_key(DEPLOYER_ACCOUNT))
    _keystore(key_dir / "admin.json", DEPLOYER_ACCOUNT)
    admitted = []
    for index, role, key_name, name, code in PARTICIPANTS:
        address = Account.from_key(dev_key(index)).address
        client.execute(AddParticipant(address, role, name, code), admin)
        if role == "appraiser":  # a service provider acts only under a qualification the council records
            client.execute(Qualify(address, "licence", issuer="福建省财政厅", number="PG-35-0001",
                                   scope="数据资产评估"), admin)
        admitted.append((address, role, name, _keystore(key_dir / f"{key_name}.json", index)))
    client.execute(ConfigureRegistrar(Account.from_key(dev_key(6)).address, "35", "A"), admin)
    return admitted


def _keystore(path: Path, index: int) -> Path:
    path.unlink(missing_ok=True)
    create_keystore(path, "", dev_key(index), development=True)
    return path


def register_samples(client: RegistryClient, store, data_dir: Path) -> list[tuple[str, str]]:
    """Registers the samples (skipping any already registered); returns (asset id, name) pairs."""
    registered = []
    for sample in SAMPLES:
        account = Account.from_key(dev_key(sample["account"]))
        data = sample["rows"].encode()
        path = data_dir / "samples" / f"sample-{sample['account']}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        document = parse_metadata(_document(sample, account.address, data))
        prepared = prepare_registration(path, document, account.address,
                                        [(account.address, k) for k in RightKind])
        store.put(prepared.metadata_bytes)
        result = client.register(prepared.registration, account)
        registered.append((result.asset_ids[0], document.name))
    return registered
