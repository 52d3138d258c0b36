"""Parse the date spellings met in collected risk information (5.2.1) into a UTC calendar date.

Sources seen in the real data and handled here:

* ISO 8601 with or without time and zone (CPSC API ``2026-07-09T00:00:00``, complaints ``2025-04-22T12:07:14``)
* ``YYYYMMDD`` (openFDA ``recall_initiation_date``)
* ``MM/DD/YYYY`` (FDA iRES API); a first field above 12 is read as ``DD/MM/YYYY`` instead
* RFC-822 RSS ``pubDate`` with numeric or named zone (``Fri, 17 Oct 2025 21:43:00 EDT``)
* unix seconds (9-11 digits) or milliseconds (12-14 digits) as strings or numbers
* Chinese ``2022年3月5日`` / ``2025年 4月6号``, dotted ``2022.03.05``, slashed ``2022/3/5``
* German ``22.04.2022`` (lebensmittelwarnung.de) and ``22. April 2022``
* English month names (CPSC CSV ``June 20, 1994``, ``Dec. 8, 2002``, ``20 June 1994``)

Rules: a value with a time of day is converted to UTC before the date is taken (so an RSS item stamped
``21:43 EDT`` lands on the next UTC day); a naive time is read in ``default_tz`` (UTC unless told otherwise,
e.g. ``Asia/Shanghai`` for Chinese sites). A bare calendar date is returned as is: it names a day, not an instant.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from email.utils import parsedate_to_datetime

from transforms.normalise.text import clean_text

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PLAUSIBLE_YEARS = range(1900, 2101)

_MONTHS = {
    # English, full and abbreviated
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
    # German (lebensmittelwarnung.de detail pages)
    "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "maerz": 3, "mai": 5, "juni": 6, "juli": 7,
    "oktober": 10, "okt": 10, "dezember": 12, "dez": 12,
}  # fmt: skip

_TIME = r"(?:[ T]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?)?\s*$"
_NUMERIC_YMD = re.compile(r"^(?P<y>\d{4})(?P<sep>[./-])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})" + _TIME)
_NUMERIC_XXY = re.compile(r"^(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})" + _TIME)
_CHINESE = re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?")
_MONTH_FIRST = re.compile(r"^(?P<mon>[^\W\d_]+)\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})\b")
_DAY_FIRST = re.compile(r"^(?P<d>\d{1,2})(?:st|nd|rd|th)?\.?\s+(?P<mon>[^\W\d_]+)\.?,?\s+(?P<y>\d{4})\b")
_RFC822_START = re.compile(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}")


def parse_date(value: object, *, strict: bool = False, default_tz: tzinfo = UTC) -> date | None:
    """Return the UTC calendar date of ``value``, or ``None`` for empty input.

    Unrecognised input returns ``None``, or raises ``ValueError`` naming the value when ``strict`` is true.
    ``datetime``/``date`` objects and numbers (unix seconds or milliseconds) are accepted as well as strings.
    """
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, datetime):
        return _to_utc_date(value, default_tz)
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        parsed = _parse_digits(str(int(value)))
        if parsed is None and strict:
            raise ValueError(f"unrecognised date: {value!r}")
        return parsed
    text = clean_text(value)
    if not text:
        return None
    parsed = _parse_text(text, default_tz)
    if parsed is None and strict:
        raise ValueError(f"unrecognised date: {value!r}")
    return parsed


def _parse_text(text: str, default_tz: tzinfo) -> date | None:
    if text.isdigit():
        return _parse_digits(text)
    for parser in (_parse_iso, _parse_rfc822, _parse_numeric, _parse_chinese, _parse_month_name):
        parsed = parser(text, default_tz)
        if parsed is not None:
            return parsed
    return None


def _parse_digits(text: str) -> date | None:
    if len(text) == 8:  # YYYYMMDD; a unix timestamp of 8 digits would be 1970, never seen in recall data
        return _safe_date(int(text[:4]), int(text[4:6]), int(text[6:]))
    if 9 <= len(text) <= 11:
        seconds = int(text)
    elif 12 <= len(text) <= 14:
        seconds = int(text) // 1000
    else:
        return None
    return (_EPOCH + timedelta(seconds=seconds)).date()


def _parse_iso(text: str, default_tz: tzinfo) -> date | None:
    candidate = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    has_time = len(text) > 10
    return _to_utc_date(parsed, default_tz) if has_time else parsed.date()


def _parse_rfc822(text: str, default_tz: tzinfo) -> date | None:
    if not _RFC822_START.match(text):
        return None
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return _to_utc_date(parsed, default_tz)


def _parse_numeric(text: str, default_tz: tzinfo) -> date | None:
    match = _NUMERIC_YMD.match(text)
    if match:
        year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
    else:
        match = _NUMERIC_XXY.match(text)
        if not match:
            return None
        first, second, year = int(match["a"]), int(match["b"]), int(match["y"])
        # "/" is the US order (FDA: 04/14/2026); "." and "-" are day-first (German 22.04.2022).
        month_first = match["sep"] == "/"
        if month_first and first > 12 >= second:
            month_first = False  # 25/12/2022 cannot be month-first
        month, day = (first, second) if month_first else (second, first)
    return _with_optional_time(year, month, day, match, default_tz)


def _parse_chinese(text: str, default_tz: tzinfo) -> date | None:
    match = _CHINESE.search(text)
    if not match:
        return None
    return _safe_date(int(match["y"]), int(match["m"]), int(match["d"]))


def _parse_month_name(text: str, default_tz: tzinfo) -> date | None:
    for pattern in (_MONTH_FIRST, _DAY_FIRST):
        match = pattern.match(text)
        if match and match["mon"].lower() in _MONTHS:
            return _safe_date(int(match["y"]), _MONTHS[match["mon"].lower()], int(match["d"]))
    return None


def _with_optional_time(year: int, month: int, day: int, match: re.Match[str], default_tz: tzinfo) -> date | None:
    calendar_day = _safe_date(year, month, day)
    if calendar_day is None or match["hour"] is None:
        return calendar_day
    try:
        clock = time(int(match["hour"]), int(match["minute"]), int(match["second"] or 0))
    except ValueError:
        return None
    return _to_utc_date(datetime.combine(calendar_day, clock), default_tz)


def _to_utc_date(moment: datetime, default_tz: tzinfo) -> date:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=default_tz)
    return moment.astimezone(UTC).date()


def _safe_date(year: int, month: int, day: int) -> date | None:
    if year not in _PLAUSIBLE_YEARS:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None
