"""Map Chinese place names in free text or addresses to GB/T 2260 administrative-division codes.

The monitoring plan fixes the regions to watch (5.1.1) and the analysis result states the scope concerned
(5.3.1), so producer and seller addresses are coded to a 6-digit division: ``440000`` 广东省, ``440300`` 深圳市.

``data/cn_divisions.csv`` lists all 34 provincial units, the prefecture-level units of every province and the
districts of Beijing and Shanghai. Each row has the full name, unambiguous short forms (``深圳``, ``延边州``)
and pinyin spellings for English texts (CPSC: "Art-Tech R/C Hobby Co., Ltd. of Shenzhen, China"). Short forms
that are also ordinary words (大同, 普洱茶's 普洱, 三明治's 三明, 来宾, 安康 …) are deliberately left out.

Matching reads the text left to right (addresses go from the largest unit to the smallest) and keeps a chain of
divisions, each inside the previous one; a later name that is not inside the chain is ignored, so
``厦门市中山路`` stays 厦门市 and does not jump to 中山市. The deepest division of the chain wins.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from transforms.normalise.text import clean_text

_LEVEL_DEPTH = {"province": 1, "prefecture": 2, "district": 3}


@dataclass(frozen=True, slots=True)
class Division:
    code: str
    name: str
    level: str

    @property
    def depth(self) -> int:
        return _LEVEL_DEPTH[self.level]

    def contains(self, other: Division) -> bool:
        """True when ``other`` lies inside this division (GB/T 2260 codes nest by digit pairs)."""
        if other.depth <= self.depth:
            return False
        significant = 2 * self.depth
        return other.code[:significant] == self.code[:significant]


@dataclass(frozen=True, slots=True)
class _Matcher:
    chinese: re.Pattern[str]
    pinyin: re.Pattern[str]
    by_chinese: dict[str, Division]
    by_pinyin: dict[str, Division]
    by_code: dict[str, Division]
    full_names: re.Pattern[str]


_COUNTY = re.compile(r"[\u4e00-\u9fff]{1,4}?(?:自治县|县|区|旗)")


def region_code(text: object) -> str | None:
    """Return the GB/T 2260 code of the most specific division named in ``text``, or ``None``."""
    division = find_division(text)
    return division.code if division else None


def region_name(code: str) -> str | None:
    """Return the official name of a division code (``"440300"`` → ``"深圳市"``)."""
    division = _matcher().by_code.get(code)
    return division.name if division else None


def find_division(text: object) -> Division | None:
    """Return the deepest division of the nested chain of place names found in ``text``."""
    cleaned = clean_text(text)
    if not cleaned:
        return None
    chain: list[Division] = []
    for division in _mentions(cleaned):
        if not chain or chain[-1].contains(division):
            chain.append(division)
    return chain[-1] if chain else None


def strip_leading_divisions(text: str, *, include_short_names: bool = False) -> str:
    """Remove the place names that open a Chinese firm name (``漳州市龙文区董世川豆制品店`` → ``董世川豆制品店``).

    Full official names (with 省/市/自治区/区 …) are removed, then at most one county or district (``XX县``/``XX区``)
    right after them. With ``include_short_names`` short forms go too (``浙江鸿翔食品`` → ``鸿翔食品``) as long as
    at least four characters remain, since the core name (字号) of a Chinese firm follows the place name.
    """
    matcher = _matcher()
    pattern = matcher.chinese if include_short_names else matcher.full_names
    position = 0
    while True:
        match = pattern.match(text, position)
        if not match or len(text) - match.end() < 4:
            break
        position = match.end()
    if position:
        county = _COUNTY.match(text, position)
        if county and county.end() < len(text):
            position = county.end()
    return text[position:] if position < len(text) else text


def _mentions(text: str) -> list[Division]:
    matcher = _matcher()
    found: list[tuple[int, Division]] = []
    for match in matcher.chinese.finditer(text):
        found.append((match.start(), matcher.by_chinese[match.group()]))
    # Pinyin spellings may carry apostrophes (Xi'an) or not (Xian): compare without them.
    ascii_text = text.replace("'", "").lower()
    for match in matcher.pinyin.finditer(ascii_text):
        found.append((match.start(), matcher.by_pinyin[match.group()]))
    # Chinese and pinyin offsets differ slightly once apostrophes are gone; the order is what matters.
    found.sort(key=lambda item: item[0])
    return [division for _, division in found]


@cache
def _matcher() -> _Matcher:
    by_chinese: dict[str, Division] = {}
    by_pinyin: dict[str, Division] = {}
    by_code: dict[str, Division] = {}
    full_city_names: list[str] = []
    data = resources.files("transforms.normalise").joinpath("data/cn_divisions.csv")
    with data.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            division = Division(code=row["code"], name=row["name"], level=row["level"])
            by_code[division.code] = division
            by_chinese[division.name] = division
            if division.name.endswith("市"):
                full_city_names.append(division.name)
            for short in filter(None, row["short_name"].split("|")):
                by_chinese[short] = division
            for spelling in filter(None, row["pinyin"].split("|")):
                by_pinyin[spelling.replace("'", "").lower()] = division
    chinese_alternatives = []
    for name in sorted(by_chinese, key=len, reverse=True):
        escaped = re.escape(name)
        # "吉林市场监管局" is the Jilin *province* market regulator, not 吉林市: 市 followed by 场 is 市场 (market).
        chinese_alternatives.append(escaped + "(?!场)" if name in full_city_names else escaped)
    pinyin_alternatives = [re.escape(name) for name in sorted(by_pinyin, key=len, reverse=True)]
    return _Matcher(
        chinese=re.compile("|".join(chinese_alternatives)),
        pinyin=re.compile(r"\b(?:" + "|".join(pinyin_alternatives) + r")\b"),
        by_chinese=by_chinese,
        by_pinyin=by_pinyin,
        by_code=by_code,
        full_names=re.compile(
            "|".join(re.escape(d.name) for d in sorted(by_code.values(), key=lambda d: -len(d.name)))
        ),
    )
