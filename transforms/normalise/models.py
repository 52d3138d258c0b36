"""Model numbers: clean one, split a list, find them in prose.

The model (规格型号) pins down which products a risk concerns (scope, 5.3.1) and which sample to buy (5.4.1 a).
Sources write models as labelled values ("Model BR-C708S", "型号：HZY4", "No. 25138"), as lists ("U341763,
U341764, U341782 and U341783") or inside descriptions ("with model numbers NS-RGFGSS1 and NS-RGFCGS2.").
Clean form: label removed, surrounding punctuation trimmed, upper case, single spaces.
"""

from __future__ import annotations

import re

from transforms.normalise.text import clean_text

_LABEL = re.compile(
    r"^(?:models?(?:\s*(?:numbers?|nos?\.?|nr\.?|#))?|型号|规格型号|货号|item(?:\s*(?:numbers?|no\.?|#))?|"
    r"art(?:ikel)?\.?\s*-?nr\.?|sku|nos?\.|nr\.|#)\s*[:：#.]?\s*",
    re.IGNORECASE,
)
_EDGE_PUNCTUATION = " .,;:!?\"'()[]{}<>，。；：、（）"
_LIST_SEPARATOR = re.compile(r"\s*(?:[,;，；、]|\band\b|\bor\b|&|和|及|或)\s*", re.IGNORECASE)
# A model code has at least one digit and is written in capitals/digits with - _ . / inside (MT12-03, DASH_V5_5).
_CODE = r"[A-Z0-9][A-Z0-9\-_./]*\d[A-Z0-9\-_./]*|\d[A-Z0-9\-_./]*"
_CODE_LIST = rf"(?:{_CODE})(?:\s*(?:,|;|\band\b|\bor\b|&)\s*(?:{_CODE}))*"
_IN_PROSE = re.compile(
    r"(?:\b[Mm]odel(?:\s+(?:[Nn]umbers?|[Nn]os?\.?|#))?s?(?:\s+(?:starting|beginning)\s+with)?|型号)\s*[:：(]?\s*\"?("
    + _CODE_LIST
    + r")",
)


def clean_model(raw: object) -> str | None:
    """Return a model number without label and edge punctuation, upper-cased ("Model: br-c708s." → "BR-C708S")."""
    text = clean_text(raw)
    previous = None
    while previous != text:  # "Model No. 123" carries two labels
        previous = text
        text = _LABEL.sub("", text).strip(_EDGE_PUNCTUATION)
    text = " ".join(text.split()).upper()
    return text or None


def split_models(raw: object) -> list[str]:
    """Split a list of models ("A100, A200 and B300" → ["A100", "A200", "B300"]), cleaned, without repeats."""
    text = _LABEL.sub("", clean_text(raw))
    models: list[str] = []
    for part in _LIST_SEPARATOR.split(text):
        model = clean_model(part)
        if model and model not in models:
            models.append(model)
    return models


def extract_models(text: object) -> list[str]:
    """Return the model numbers a description names after "model"/"model number(s)"/"型号"."""
    found: list[str] = []
    for match in _IN_PROSE.finditer(clean_text(text)):
        for model in split_models(match.group(1)):
            if model not in found:
                found.append(model)
    return found
