"""Firm names → display name + match key; retailer strings → platform/retailer names.

Manufacturer, e-commerce operator (shop) and platform are named in the monitoring scheme (5.4.1 b, c) and in
the assessment report (5.7.1 b, c, d); the same firm must get one key whatever the source spelling:

* CPSC: ``"Peony Design Co., of Howell, MI"``, ``"Frigidaire, a division of Electrolux Home Products Inc., of
  Augusta, Ga."``, ``"ABL Group, Inc. dba Upperluxe and Modera Store, of Brick, New Jersey"``,
  ``"GE Consumer &amp; Industrial, of Louisville, Ky."``, ``"Simplicity Inc. (firm is no longer in business)"``
* Chinese spot checks: ``"广东壹号食品股份有限公司"``, ``"北京盒马网络科技有限公司富丰桥分公司"``,
  ``"来威（天津）润滑油有限公司"`` (full-width brackets), ``"漳州市龙文区董世川豆制品店 "``

The *display* name is the cleaned legal name (location tail, "a division of …" and notes removed, legal form
kept). The *key* is for matching: case-folded, legal forms (Inc., Co., Ltd., GmbH, 有限公司, 集团 …) dropped,
bracketed parts dropped, leading Chinese place names dropped and a branch (分公司/店) reduced to its parent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from transforms.normalise.regions import strip_leading_divisions
from transforms.normalise.text import clean_text, has_cjk


@dataclass(frozen=True, slots=True)
class FirmName:
    display: str
    key: str
    trade_names: tuple[str, ...] = ()


# "X, of City, State" or "X of City, State." — CPSC appends the firm's seat. A bare "of London" (as in the
# brand "Lewis of London") has neither the comma before nor the "City, State" shape after, so it stays.
_SEAT_AFTER_COMMA = re.compile(r",\s*of\s+.*$", re.IGNORECASE)
_SEAT_CITY_STATE = re.compile(r"\s+of\s+[A-Z][\w.' -]*,\s*[A-Z][\w. ]*\.?\s*$")
_DIVISION_OF = re.compile(r",\s*(?:a|an)\s+(?:division|subsidiary|unit|\w+\s+company)\b.*$", re.IGNORECASE)
_DOING_BUSINESS_AS = re.compile(r"[,\s]+\(?(?:dba|d/b/a/?|doing business as)\s+", re.IGNORECASE)
_LEGAL_FORM_THEN_PLACE = re.compile(
    r"(\b(?:ltd|inc|llc|co|corp|gmbh|limited|company|corporation|s\.?p\.?a|s\.?r\.?l|s\.?a)\.?),?\s+of\s+.+$",
    re.IGNORECASE,
)
# German producer strings (lebensmittelwarnung.de) run on into the address or "Vertrieb über …":
# "KoRo Handels GmbH Koppenplatz 9 10115 Berlin", "One World Foods, Inc./USA". Cut after the legal form.
_LEGAL_FORM_TOKEN = re.compile(
    r"\b(?:GmbH\s*(?:&|und)\s*Co\.?\s*(?:KG)?|GmbH|mbH|AG|KG|GbR|OHG|e\.\s?K\.|UG|s\.r\.o\.|Ltd\.?|Inc\.?|S\.A\.)(?!\w)",
    re.IGNORECASE,
)
_ADDRESS_OR_SALES_NOTE = re.compile(r"\d|^\s*(?:[,/]|vertrieb|über|ueber)", re.IGNORECASE)
_LEADING_FIRMA = re.compile(r"^(?:Fa\.|Firma)\s+", re.IGNORECASE)
_NOTES = re.compile(r"\s*\((?:[^)]*\b(?:business|formerly|now)\b[^)]*)\)", re.IGNORECASE)
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_ENGLISH_LEGAL_FORMS = (
    r"incorporated|inc|l\.?l\.?c|l\.?l\.?p|ltd|limited|co|company|corp|corporation|gmbh(?:\s*(?:&|und)\s*co\.?(?:\s*kg)?)?|"
    r"ag|kg|s\.?\s?a|s\.?p\.?a|s\.?r\.?l|s\.?a\.?r\.?l|s\.?a\.?s|plc|l\.?p|b\.?v|n\.?v|pty|pte|oy|ab|ulc|group|"
    r"holdings?|mfg|mbh|gbr|ohg|e\.\s?k|ug|se|s\.r\.o"
)
_ENGLISH_SUFFIX = re.compile(r"(?:[\s,]+(?:" + _ENGLISH_LEGAL_FORMS + r")\.?)+\s*$", re.IGNORECASE)
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
# Order matters: the longest legal form first so 股份有限公司 is not left as 股份.
_CHINESE_LEGAL_FORMS = ("集团股份有限公司", "集团有限公司", "股份有限公司", "有限责任公司", "有限公司", "集团", "公司")
_CHINESE_BRANCH = re.compile(
    r"(?:有限责任公司|股份有限公司|有限公司|公司).+?(?:分公司|分店|店|中心|厂|营业部|经营部|门市部|分部)$"
)
_KEY_PUNCTUATION = re.compile(r"[^\w\s]|_")
_PLACEHOLDERS = frozenset({"", "/", "-", "N/A", "n/a", "NA", "无", "不详", "未知", "null", "None"})
# NFKC has already turned the full-width colon and semicolon into ":" and ";".
# The commissioning firm (委托单位, the nominal producer responsible for the product) wins over the contract
# manufacturer (受委托单位) and the distributor (经销商).
_PRODUCER_LABEL = re.compile(
    r"(?:生产商|生产企业|生产者|制造商|标称生产企业|(?<!受)委托单位|(?<!受)委托方)\s*:\s*([^;]+)"
)
_ANY_LABEL = re.compile(r"^[^:;]{1,8}:\s*([^;]+)")
_APOSTROPHES = re.compile(r"(?<=\w)'(?=\w)")


def normalise_firm(name: object) -> FirmName | None:
    """Return the display name and match key of a firm, or ``None`` when ``name`` is empty or a placeholder."""
    text = _firm_text(name)
    if not text:
        return None
    legal_name, trade_names = _split_trade_names(text)
    display = _display_name(legal_name)
    key = firm_key(display)
    if not key:
        return None
    return FirmName(display=display, key=key, trade_names=tuple(filter(None, map(_display_name, trade_names))))


def firm_key(name: object) -> str:
    """Return the match key of a firm name ("Sensio Inc., of New York" → "sensio"); "" when nothing is left."""
    text = _display_name(_firm_text(name))
    if has_cjk(text):
        return _chinese_key(text)
    text = _BRACKETED.sub(" ", text)
    text = _LEADING_THE.sub("", text)
    previous = None
    while previous != text:  # "Co., Ltd." and "Inc. LLC" stack
        previous = text
        text = _ENGLISH_SUFFIX.sub("", text).strip(" ,.")
    text = _APOSTROPHES.sub("", text)
    return " ".join(_KEY_PUNCTUATION.sub(" ", text).casefold().split())


def _firm_text(name: object) -> str:
    """Cleaned firm text: first line only, the producer picked out of labelled cells, "" for placeholders."""
    text = clean_text(_first_line(name)).strip('"').strip()
    labelled = _PRODUCER_LABEL.search(text) or (_ANY_LABEL.match(text) if has_cjk(text) else None)
    if labelled:  # "经销商：连云港…有限公司；生产商：舟山…有限公司" names the distributor and the producer
        text = labelled.group(1).strip()
    return "" if text in _PLACEHOLDERS else text


def _first_line(name: object) -> object:
    """Multi-line producer cells hold the firm on the first line and the address below it."""
    if isinstance(name, str) and "\n" in name:
        return next((line for line in name.splitlines() if line.strip()), "")
    return name


def _display_name(text: str) -> str:
    text = _LEADING_FIRMA.sub("", text)
    text = _NOTES.sub("", text)
    text = _DIVISION_OF.sub("", text)
    text = _SEAT_AFTER_COMMA.sub("", text)
    text = _SEAT_CITY_STATE.sub("", text)
    text = _LEGAL_FORM_THEN_PLACE.sub(r"\1", text)
    text = _cut_after_legal_form(text)
    return text.strip(" ,;/")


def _cut_after_legal_form(text: str) -> str:
    for match in _LEGAL_FORM_TOKEN.finditer(text):
        rest = text[match.end() :]
        if rest.strip() and _ADDRESS_OR_SALES_NOTE.search(rest):
            return text[: match.end()]
    return text


def _split_trade_names(text: str) -> tuple[str, list[str]]:
    parts = _DOING_BUSINESS_AS.split(text, maxsplit=1)
    if len(parts) == 1:
        return text, []
    legal_name, rest = parts
    seatless = _display_name(rest)
    seatless = _BRACKETED.sub("", seatless).rstrip(")")
    trade_names = [part.strip(' "') for part in re.split(r"\s+and\s+|,\s*", seatless) if part.strip(' "')]
    return legal_name, trade_names


def _chinese_key(text: str) -> str:
    text = text.replace(" ", "")
    text = strip_leading_divisions(text, include_short_names=True)
    text = _BRACKETED.sub("", text)
    branch = _CHINESE_BRANCH.search(text)
    if branch:
        text = text[: branch.start()]
    for form in _CHINESE_LEGAL_FORMS:
        if text.endswith(form) and len(text) > len(form):
            text = text[: -len(form)]
            break
    return _KEY_PUNCTUATION.sub("", text).casefold()
