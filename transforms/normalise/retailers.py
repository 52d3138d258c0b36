"""Pull e-commerce platform and retailer names out of "sold at" sentences.

The platform and the shop are part of every monitoring scheme and assessment report (5.4.1 b, 5.7.1 b/c).
CPSC writes them as prose: "Online at Etsy.com from October 2025 through July 2026 for between $15 and $45.",
"Target, Walmart, Kohls and other stores nationwide and online at www.target.com, www.walmart.com …",
"Lowe’s, Home Depot and other stores …"; Chinese complaints name 天猫超市, 京东, 拼多多, 抖音 ….

Known platforms and chains are recognised by alias and returned under one canonical name; any other web
domain ("ErgoBaby.com", "www.babybay.us") is returned as the lower-cased domain, since a shop's own web site is
itself a sales channel. Generic phrases ("mass merchandisers", "specialty stores") are not names and are ignored.
"""

from __future__ import annotations

import re
from functools import cache

from transforms.normalise.text import clean_text, has_cjk

# canonical name → aliases (regular expressions, matched case-insensitively on word boundaries)
_KNOWN: dict[str, tuple[str, ...]] = {
    "Amazon": (r"amazon(?:\.com)?",),
    "Walmart": (r"wal-?\s?mart(?:\.com)?",),
    "Etsy": (r"etsy(?:\.com)?",),
    "Target": (r"target(?:\.com)?(?=\s*(?:stores?|,|\.|and|$|\s+from|\s+nationwide))", r"target\.com"),
    "Home Depot": (r"(?:the\s+)?home\s?depot(?:\.com)?",),
    "Lowe's": (r"lowe'?s(?:\.com)?",),
    "Best Buy": (r"best\s?buy(?:\.com)?",),
    "Costco": (r"costco(?:\.com)?",),
    "Kohl's": (r"kohl'?s(?:\.com)?",),
    "Macy's": (r"macy'?s(?:\.com)?",),
    "Sears": (r"sears(?:\.com)?",),
    "Kmart": (r"k-?mart",),
    "Toys R Us": (r"toys\s*\"?'?r'?\"?\s*us", r"toysrus(?:\.com)?"),
    "Babies R Us": (r"babies\s*\"?'?r'?\"?\s*us",),
    "Buy Buy Baby": (r"buy\s?buy\s?baby",),
    "Bed Bath & Beyond": (r"bed\s*bath\s*(?:&|and)\s*beyond", r"bedbathandbeyond\.com", r"bedbath\.com"),
    "JCPenney": (r"j\.?\s?c\.?\s?penney",),
    "QVC": (r"qvc(?:\.com)?",),
    "HSN": (r"hsn",),
    "Wayfair": (r"wayfair(?:\.com)?",),
    "eBay": (r"ebay(?:\.com)?",),
    "Temu": (r"temu(?:\.com)?",),
    "Shein": (r"shein(?:\.com)?",),
    "AliExpress": (r"aliexpress(?:\.com)?",),
    "TikTok Shop": (r"tiktok(?:\s*shop)?",),
    "Walgreens": (r"walgreens",),
    "CVS": (r"cvs",),
    "Dollar General": (r"dollar general",),
    "Dollar Tree": (r"dollar tree",),
    "Family Dollar": (r"family dollar",),
    "Aldi": (r"aldi",),
    "Lidl": (r"lidl",),
    "Kroger": (r"kroger",),
    "Meijer": (r"meijer",),
    "Menards": (r"menards",),
    "Ace Hardware": (r"ace hardware", r"acehardware\.com"),
    "Nordstrom": (r"nordstrom",),
    "TJ Maxx": (r"t\.?j\.?\s?maxx",),
    "Marshalls": (r"marshalls",),
    "Burlington": (r"burlington(?: coat factory)?",),
    "Big Lots": (r"big lots",),
    "Sam's Club": (r"sam'?s club",),
    "Overstock": (r"overstock(?:\.com)?",),
    "Newegg": (r"newegg(?:\.com)?",),
    "Tractor Supply": (r"tractor supply",),
    "Harbor Freight": (r"harbor freight",),
    "Hobby Lobby": (r"hobby lobby",),
    "Michaels": (r"michaels",),
    "REI": (r"rei",),
    "Pottery Barn": (r"pottery barn(?: kids)?",),
    "Crate & Barrel": (r"crate\s*(?:&|and)\s*barrel",),
    "Williams Sonoma": (r"williams[- ]sonoma",),
    "Staples": (r"staples",),
    "天猫": (r"天猫(?:超市|旗舰店)?", r"tmall(?:\.com)?"),
    "淘宝": (r"淘宝(?:网)?", r"taobao(?:\.com)?"),
    "京东": (r"京东(?:商城|超市|自营)?", r"jd\.com"),
    "拼多多": (r"拼多多", r"pinduoduo"),
    "抖音": (r"抖音(?:商城|电商)?", r"douyin"),
    "快手": (r"快手", r"kuaishou"),
    "唯品会": (r"唯品会", r"vipshop"),
    "苏宁易购": (r"苏宁(?:易购)?", r"suning"),
    "小红书": (r"小红书", r"xiaohongshu"),
    "1688": (r"1688(?:\.com)?",),
}

_NEVER = r"(?!x)x"
_WWW = re.compile(r"\bwww\.", re.IGNORECASE)
_DOMAIN = re.compile(r"\b(?:www\.)?([a-z0-9][a-z0-9-]*\.(?:com|net|org|us|co\.uk|de|cn|ca|shop|store))\b", re.I)


def retailer_names(text: object) -> list[str]:
    """Return the platforms/retailers named in a "sold at" text, in order of appearance, without repeats."""
    # "www.target.com" is Target: drop the "www." so that the alias' word boundary holds.
    cleaned = _WWW.sub("", clean_text(text))
    if not cleaned:
        return []
    found: list[tuple[int, str]] = []
    taken: list[range] = []
    for pattern in _patterns():
        for match in pattern.finditer(cleaned):
            canonical = next(name for name, group in zip(_KNOWN, match.groups(), strict=True) if group is not None)
            found.append((match.start(), canonical))
            taken.append(range(match.start(), match.end()))
    for match in _DOMAIN.finditer(cleaned):
        if not any(match.start() in span for span in taken):
            found.append((match.start(), match.group(1).lower()))
    names: list[str] = []
    for _, name in sorted(found):
        if name not in names:
            names.append(name)
    return names


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """One pattern for Latin aliases (on word boundaries) and one for Chinese ones (CJK text has no spaces).

    Both patterns have one group per canonical name, in ``_KNOWN`` order, so the matching group names the retailer.
    """
    latin_groups = []
    cjk_groups = []
    for aliases in _KNOWN.values():
        latin = [alias for alias in aliases if not has_cjk(alias)]
        cjk = [alias for alias in aliases if has_cjk(alias)]
        latin_groups.append("(" + "|".join(latin or [_NEVER]) + ")")
        cjk_groups.append("(" + "|".join(cjk or [_NEVER]) + ")")
    # (?<![\w.-]) keeps "walmart" from matching inside "somewalmart.com".
    latin_pattern = re.compile(r"(?<![\w.-])(?:" + "|".join(latin_groups) + r")(?![\w-])", re.IGNORECASE)
    return latin_pattern, re.compile("|".join(cjk_groups))
