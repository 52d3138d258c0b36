"""Text clean-up applied identically at training and prediction time (it is part of the saved Pipeline)."""

from __future__ import annotations

import html
import re
import unicodedata

_TAGS = re.compile(r"<[^>]+>")
_URLS = re.compile(r"(?:https?://|www\.)\S+")
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")


def normalise_text(value: str) -> str:
    """NFKC, casefold, strip HTML and URLs, and fold every number to ``0``.

    Numbers are model numbers, lot codes, sizes and dates: folding them stops the classifier from
    memorising particular records while keeping the shape ("0 oz", "0ml") that does generalise.
    """
    text = html.unescape(value or "")
    text = _TAGS.sub(" ", text)
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _URLS.sub(" ", text)
    text = _DIGITS.sub("0", text)
    return _SPACES.sub(" ", text).strip()


def join_text(*parts: object) -> str:
    """Join non-empty parts with `` ; `` (the separator carries no meaning for the model)."""
    return " ; ".join(str(p).strip() for p in parts if p is not None and str(p).strip())
