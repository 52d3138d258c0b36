"""Label normalisation and keyword matching shared by the crosswalks.

Source labels arrive in many spellings: full-width characters from Chinese tables (``ｐＨ值``,
``（闭口）``), subscripts (``黄曲霉毒素B₁``), upper-case enum names from Safety Gate
(``ELECTRIC_SHOCK``), stray spaces. One normal form makes an exact look-up possible; keyword
matching then respects word boundaries for Latin words so that ``fan`` does not hit ``fancy``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

_SPACES = re.compile(r"\s+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Characters that continue a Latin word (after casefold): ASCII letters and digits plus Latin-1/Extended-A letters.
_WORD_CHAR = r"0-9a-z\u00c0-\u024f"


def normalise_label(value: str) -> str:
    """NFKC (full-width → half-width), casefold, ``_`` → space, collapse whitespace."""
    text = unicodedata.normalize("NFKC", value).casefold().replace("_", " ")
    return _SPACES.sub(" ", text).strip()


_PUNCTUATION = re.compile(r"[/,&+()\-]+")


def fold_punctuation(key: str) -> str:
    """``audio/video systems & accessories`` → ``audio video systems accessories`` for a second exact try.

    CPSC spells the same type with slashes, commas or ``+`` (in query file names) depending on the channel.
    """
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", key)).strip()


def contains_cjk(value: str) -> bool:
    return bool(_CJK.search(value))


def keyword_matcher(keyword: str, *, whole_word: bool) -> Callable[[str], int]:
    """Return ``find(text) -> position or -1`` for an already normalised keyword.

    CJK keywords and ``whole_word=False`` match as plain substrings (Chinese has no spaces and German
    compounds glue words together). Latin keywords with ``whole_word=True`` need a word boundary on both
    sides, allowing a plural ``s``/``es`` so that ``laceration`` also finds ``lacerations``.
    """
    if not whole_word or contains_cjk(keyword):
        return lambda text: text.find(keyword)
    pattern = re.compile(rf"(?<![{_WORD_CHAR}]){re.escape(keyword)}(?:s|es)?(?![{_WORD_CHAR}])")

    def find(text: str) -> int:
        match = pattern.search(text)
        return match.start() if match else -1

    return find


def split_items(label: str) -> list[str]:
    """Split a list of failed test items into single items.

    Chinese result tables join items with ``、``/``，``/``；`` or ASCII commas (``尿素含量,密度,折光率``) and
    number them (``1、冰点；2、沸点``). English prose is not split: its commas separate clauses, not items.
    """
    separators = r"[、，；;\n]" if not contains_cjk(label) else r"[、，；;,\n]"
    items = []
    for part in re.split(separators, label):
        item = re.sub(r"^\s*\d+\s*[、.．)]\s*", "", part).strip(" *")
        if item:
            items.append(item)
    return items
