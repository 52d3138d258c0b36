"""Country names, codes and "Made in …" phrases → ISO 3166-1 alpha-2.

The country of manufacture decides whether a foreign safety problem may concern the domestic market
(5.1.2 e) and is one of the facts kept with each risk record (5.2.1). Real values seen: CPSC
``ManufacturerCountries`` ("China", "Korea", "Hong Kong"), the CPSC CSV "Manufactured In" column
("Mexico and Korea", "Germany and U.S.", "Assembled in Mexico", "China (rack and tea light), Indonesia (ceramic
dish)", "Mexico."), German producer addresses (lebensmittelwarnung.de) and Chinese text.

English names come from ``pycountry`` (ISO 3166-1 data); a small alias table adds the everyday English forms
that ISO spells differently (Vietnam, Taiwan, Russia, England, Korea = South Korea as in CPSC data), German and
Chinese names. A few US state names that are also country names ("New Jersey", "New Mexico", "Georgia" inside
a longer text) and the word "fine china" are blocked so that CPSC addresses like "of Atlanta, Georgia" do not
turn into a country.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import pycountry

from transforms.normalise.text import clean_text, has_cjk

_NOT_A_COUNTRY = ""

_ALIASES: dict[str, str] = {
    # English forms that ISO 3166 spells differently, plus usual abbreviations
    "usa": "US", "u.s.": "US", "u.s.a.": "US", "u.s.a": "US", "united states of america": "US", "america": "US",
    "uk": "GB", "u.k.": "GB", "britain": "GB", "great britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "korea": "KR", "south korea": "KR", "republic of korea": "KR",
    "north korea": "KP", "vietnam": "VN", "taiwan": "TW", "russia": "RU", "czech republic": "CZ", "turkey": "TR",
    "holland": "NL", "the netherlands": "NL", "iran": "IR", "syria": "SY", "laos": "LA", "moldova": "MD",
    "bolivia": "BO", "venezuela": "VE", "tanzania": "TZ", "macau": "MO", "macao": "MO", "hong kong sar": "HK",
    "prc": "CN", "p.r.c.": "CN", "p.r. china": "CN", "pr china": "CN", "mainland china": "CN",
    "people's republic of china": "CN", "ivory coast": "CI", "swaziland": "SZ", "burma": "MM",
    # German
    "deutschland": "DE", "österreich": "AT", "oesterreich": "AT", "schweiz": "CH", "frankreich": "FR",
    "italien": "IT", "spanien": "ES", "niederlande": "NL", "belgien": "BE", "polen": "PL", "tschechien": "CZ",
    "dänemark": "DK", "schweden": "SE", "norwegen": "NO", "finnland": "FI", "griechenland": "GR",
    "türkei": "TR", "vereinigte staaten": "US", "vereinigtes königreich": "GB", "großbritannien": "GB",
    "irland": "IE", "ungarn": "HU", "rumänien": "RO", "bulgarien": "BG", "kroatien": "HR", "slowenien": "SI",
    "slowakei": "SK", "luxemburg": "LU", "russland": "RU", "südkorea": "KR", "indien": "IN",
    "indonesien": "ID", "mexiko": "MX", "kanada": "CA", "brasilien": "BR", "argentinien": "AR",
    "ägypten": "EG", "marokko": "MA", "südafrika": "ZA", "neuseeland": "NZ", "australien": "AU",
    "litauen": "LT", "lettland": "LV", "estland": "EE", "serbien": "RS", "albanien": "AL", "zypern": "CY",
    "hongkong": "HK", "volksrepublik china": "CN", "vietnam (sozialistische republik)": "VN",
    # Chinese
    "中国": "CN", "中华人民共和国": "CN", "内蒙古": "CN", "中国大陆": "CN", "中国台湾": "TW", "台湾": "TW",
    "中国香港": "HK", "香港": "HK", "中国澳门": "MO", "澳门": "MO", "美国": "US", "德国": "DE", "日本": "JP",
    "韩国": "KR", "朝鲜": "KP", "英国": "GB", "法国": "FR", "意大利": "IT", "西班牙": "ES", "荷兰": "NL",
    "比利时": "BE", "瑞士": "CH", "奥地利": "AT", "瑞典": "SE", "丹麦": "DK", "挪威": "NO", "芬兰": "FI",
    "波兰": "PL", "捷克": "CZ", "匈牙利": "HU", "葡萄牙": "PT", "希腊": "GR", "爱尔兰": "IE", "俄罗斯": "RU",
    "乌克兰": "UA", "土耳其": "TR", "印度": "IN", "越南": "VN", "泰国": "TH", "马来西亚": "MY", "新加坡": "SG",
    "印度尼西亚": "ID", "印尼": "ID", "菲律宾": "PH", "澳大利亚": "AU", "澳洲": "AU", "新西兰": "NZ",
    "加拿大": "CA", "墨西哥": "MX", "巴西": "BR", "阿根廷": "AR", "智利": "CL", "南非": "ZA", "埃及": "EG",
    "以色列": "IL", "沙特阿拉伯": "SA", "阿联酋": "AE", "蒙古": "MN", "柬埔寨": "KH", "缅甸": "MM",
    "孟加拉国": "BD", "巴基斯坦": "PK", "斯里兰卡": "LK",
    # Blocked: US states and words that contain a country name
    "new jersey": _NOT_A_COUNTRY, "new mexico": _NOT_A_COUNTRY, "georgia": _NOT_A_COUNTRY,
    "fine china": _NOT_A_COUNTRY, "turkey breast": _NOT_A_COUNTRY, "guinea pig": _NOT_A_COUNTRY,
}  # fmt: skip

# Whole values that are a country although the same word inside a longer text is not ("Georgia" alone).
_WHOLE_VALUE_ONLY = {"georgia": "GE"}
_MADE_IN = re.compile(r"^(?:made|manufactured|assembled|produced|hergestellt|herkunft)\s+in\s*:?\s*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Index:
    names: dict[str, str]
    latin: re.Pattern[str]
    cjk: re.Pattern[str]


def country_code(text: object) -> str | None:
    """Return the ISO 3166-1 alpha-2 code of the first country named in ``text``, or ``None``."""
    codes = country_codes(text)
    return codes[0] if codes else None


def country_codes(text: object) -> list[str]:
    """Return the alpha-2 codes of every country named in ``text``, in order of appearance, without repeats."""
    cleaned = clean_text(text)
    if not cleaned:
        return []
    whole = _whole_value_code(cleaned)
    if whole:
        return [whole]
    index = _index()
    lowered = cleaned.lower()
    found = [(m.start(), index.names[m.group()]) for m in index.latin.finditer(lowered)]
    if has_cjk(cleaned):
        found += [(m.start(), index.names[m.group()]) for m in index.cjk.finditer(cleaned)]
    ordered: list[str] = []
    for _, code in sorted(found):
        if code and code not in ordered:
            ordered.append(code)
    return ordered


def _whole_value_code(text: str) -> str | None:
    value = _MADE_IN.sub("", text).strip(" .;,")
    lowered = value.lower()
    if lowered in _WHOLE_VALUE_ONLY:
        return _WHOLE_VALUE_ONLY[lowered]
    if re.fullmatch(r"[A-Za-z]{2,3}", value):
        # A bare code. Only upper-case input is trusted for two letters ("us" or "in" in lower case are words).
        if len(value) == 2 and not value.isupper():
            return None
        record = pycountry.countries.get(alpha_2=value.upper()) if len(value) == 2 else None
        record = record or (pycountry.countries.get(alpha_3=value.upper()) if len(value) == 3 else None)
        if record is not None:
            return record.alpha_2
    return _index().names.get(lowered) or None


@cache
def _index() -> _Index:
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            value = getattr(country, attribute, None)
            if value:
                names[value.lower()] = country.alpha_2
    names.update(_ALIASES)
    latin = sorted((name for name in names if not has_cjk(name)), key=len, reverse=True)
    cjk = sorted((name for name in names if has_cjk(name)), key=len, reverse=True)
    # "安泰国际" (an "international" trading firm) must not read as 泰国: a name ending in 国 followed by 际 is skipped.
    cjk_alternatives = [re.escape(name) + ("(?!际)" if name.endswith("国") else "") for name in cjk]
    return _Index(
        names=names,
        latin=re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(name) for name in latin) + r")(?![\w])"),
        cjk=re.compile("|".join(cjk_alternatives)),
    )
