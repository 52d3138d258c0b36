"""GTIN (EAN/UPC) validation and normalisation.

Bar-code numbers identify the exact product in recalls (CPSC ``ProductUPCs``, usa.gov ``upcs``) and in
listings, so they are the strongest link between a risk record (5.2.1) and a product sold online.

Normal form: **GTIN-14**, i.e. the digits left-padded with zeros to 14. GS1 recommends storing every GTIN in
a 14-digit field; padding is lossless and makes a UPC-A ``012914058022``, the same item written as EAN-13
``0012914058022`` and a GTIN-14 ``00012914058022`` compare equal. Display code can strip leading zeros.

Real-data quirks: usa.gov holds 11-digit UPCs, written either without the leading zero (valid once a zero is
put in front) or, as CPSC notices often print them, without the check digit (the run ``75396312292``,
``75396312293``, ``75396312298`` … cannot all carry valid check digits). An 11-digit value is therefore
zero-padded if that gives a valid UPC-A, and otherwise completed with its computed check digit. Cells also hold
several codes (``"10005650, 10006051"``) and item numbers that are not GTINs (``M0080000``), which give ``None``.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-.]")
_GTIN_LENGTHS = {8, 12, 13, 14}


def is_valid_gtin(code: object) -> bool:
    """True when ``code`` (digits, spaces/dashes allowed) is a GTIN-8/12/13/14 with a correct check digit."""
    digits = _digits(code)
    return digits is not None and len(digits) in _GTIN_LENGTHS and bool(digits.strip("0")) and _check_digit_ok(digits)


def normalise_gtin(code: object) -> str | None:
    """Return ``code`` as a 14-digit GTIN, or ``None`` if it is not a valid GTIN.

    An 11-digit value is a UPC-A short of one digit: the leading zero if that makes it valid, else the check digit.
    All-zero codes are placeholders and give ``None``.
    """
    digits = _digits(code)
    if digits is None or not digits.strip("0"):
        return None
    if len(digits) == 11:
        digits = "0" + digits if _check_digit_ok("0" + digits) else digits + str(_check_digit(digits))
    if len(digits) not in _GTIN_LENGTHS or not _check_digit_ok(digits):
        return None
    return digits.zfill(14)


def split_gtins(text: object) -> list[str]:
    """Return the valid GTIN-14s found in a cell that may list several codes (``"10005650, 10006051"``)."""
    if text is None:
        return []
    values = text if isinstance(text, list | tuple) else re.split(r"[,;/|]|\s{2,}", str(text))
    found: list[str] = []
    for value in values:
        gtin = normalise_gtin(value)
        if gtin and gtin not in found:
            found.append(gtin)
    return found


def _digits(code: object) -> str | None:
    if code is None:
        return None
    text = _SEPARATORS.sub("", str(code).strip())
    return text if text.isdigit() else None


def _check_digit_ok(digits: str) -> bool:
    return _check_digit(digits[:-1]) == int(digits[-1])


def _check_digit(body: str) -> int:
    # GS1 mod-10: from the rightmost data digit leftwards, weights alternate 3, 1, 3, …
    total = sum(int(digit) * (3 if position % 2 == 0 else 1) for position, digit in enumerate(reversed(body)))
    return (10 - total % 10) % 10
