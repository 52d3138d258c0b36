"""Low-level text clean-up shared by the normalisers.

Scraped and exported sources (5.2.2 b/d channels) carry HTML entities (``&amp;``, ``&#174;``, ``&nbsp;``),
full-width characters from Chinese pages and stray whitespace. Everything that compares strings goes through
:func:`clean_text` first so that the same firm or product is spelt the same way whatever the channel.
"""

from __future__ import annotations

import html
import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")
# Trademark signs carry no identity: "Insignia®" and "Insignia" are the same brand.
_MARKS = re.compile("[\u00ae\u2122\u00a9\u2120]")
_CURLY_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00b4": "'"})


def clean_text(value: object) -> str:
    """Return ``value`` as display-ready text: HTML entities decoded, NFKC-folded, marks removed, spaces collapsed.

    NFKC turns full-width Latin letters, digits and punctuation (common on Chinese sites) into ASCII and
    ``\\xa0`` into a plain space. ``None`` and NaN become the empty string.
    """
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN from pandas
        return ""
    text = html.unescape(str(value))
    text = unicodedata.normalize("NFKC", text)
    text = _MARKS.sub("", text).translate(_CURLY_QUOTES)
    return _WHITESPACE.sub(" ", text).strip()


def has_cjk(text: str) -> bool:
    """True when ``text`` contains a CJK ideograph (used to pick Chinese-specific rules)."""
    return any("\u4e00" <= char <= "\u9fff" for char in text)
