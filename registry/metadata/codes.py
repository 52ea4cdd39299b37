"""The national reference codes metadata is checked against: GB/T 4754-2017 industries, GB/T 2260 provinces,
GB 32100-2015 unified social credit codes and (to keep them out of published documents) GB 11643 ID numbers.
"""
from __future__ import annotations

#: GB/T 4754-2017 sections (门类): letter → (Chinese name, first division, last division). The divisions (大类)
#: run 01–97 without gaps, each section owning one contiguous range.
INDUSTRY_SECTIONS: dict[str, tuple[str, int, int]] = {
    "A": ("农、林、牧、渔业", 1, 5),
    "B": ("采矿业", 6, 12),
    "C": ("制造业", 13, 43),
    "D": ("电力、热力、燃气及水生产和供应业", 44, 46),
    "E": ("建筑业", 47, 50),
    "F": ("批发和零售业", 51, 52),
    "G": ("交通运输、仓储和邮政业", 53, 60),
    "H": ("住宿和餐饮业", 61, 62),
    "I": ("信息传输、软件和信息技术服务业", 63, 65),
    "J": ("金融业", 66, 69),
    "K": ("房地产业", 70, 70),
    "L": ("租赁和商务服务业", 71, 72),
    "M": ("科学研究和技术服务业", 73, 75),
    "N": ("水利、环境和公共设施管理业", 76, 79),
    "O": ("居民服务、修理和其他服务业", 80, 82),
    "P": ("教育", 83, 83),
    "Q": ("卫生和社会工作", 84, 85),
    "R": ("文化、体育和娱乐业", 86, 90),
    "S": ("公共管理、社会保障和社会组织", 91, 96),
    "T": ("国际组织", 97, 97),
}


def section_divisions(section: str) -> list[str]:
    """The two-digit divisions of a GB/T 4754-2017 section, e.g. 'I' → ['63', '64', '65']."""
    _, first, last = INDUSTRY_SECTIONS[section]
    return [f"{number:02d}" for number in range(first, last + 1)]


def section_of_division(division: str) -> str | None:
    """The section a two-digit division belongs to, or None when it is not a division (outside 01–97)."""
    for section, (_, first, last) in INDUSTRY_SECTIONS.items():
        if division.isascii() and division.isdigit() and first <= int(division) <= last:
            return section
    return None


def division_range_text(section: str) -> str:
    """'63–65' for section I, '70' for K: how a section's divisions are quoted in messages."""
    divisions = section_divisions(section)
    return divisions[0] if len(divisions) == 1 else f"{divisions[0]}–{divisions[-1]}"


#: GB/T 2260 province-level codes (the first two digits of every administrative division code).
PROVINCES: dict[str, str] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
    "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区", "46": "海南省",
    "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
    "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
    "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}

#: The 31 characters of a unified social credit code: digits and capitals without I, O, S, V and Z.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
#: GB 32100-2015 weights of the first 17 characters: 3**i mod 31.
_CREDIT_CODE_WEIGHTS = [pow(3, position, 31) for position in range(17)]


def credit_code_check_char(first17: str) -> str:
    """The GB 32100-2015 check character (the 18th) for the first 17 characters of a credit code."""
    total = sum(CREDIT_CODE_ALPHABET.index(char) * weight for char, weight in zip(first17, _CREDIT_CODE_WEIGHTS))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"


def looks_like_resident_id(value: str) -> bool:
    """True for an 18-character GB 11643 citizen identity number (居民身份证号码) with a correct check digit."""
    if len(value) != 18 or not value[:17].isascii() or not value[:17].isdigit():
        return False
    total = sum(int(char) * weight for char, weight in zip(value[:17], _ID_WEIGHTS))
    return value[17].upper() == _ID_CHECK[total % 11]
