"""Turn canonical fields into the normalised features that blocking and scoring compare.

Built for a million records: text is normalised by one tight scalar pass per cell (``str.translate`` and a set
look-up, cheaper than several pandas regex passes), and firm names, model cells and dates are processed once per
*distinct* value, then broadcast. Per-record lists (firm keys) are stored flat with offsets, and model numbers /
GTINs as small integer matrices, so that scoring can stay vectorised.
"""

from __future__ import annotations

import html
import re
import string
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from transforms.normalise.dates import parse_date
from transforms.normalise.firms import firm_key
from transforms.normalise.gtin import split_gtins
from transforms.normalise.models import extract_models, split_models

# Words that every recall title carries ("X Recalls Y Due to Fire Hazard", "X retira Y por peligro de incendio")
# and function words: they say nothing about *which* event a record reports.
_STOP_WORDS_TEXT = (
    "recall recalls recalled recalling recalls announce announces announced cpsc firm firms the of and by for a "
    "an in on at with from to due hazard hazards risk risks serious injury injuries death deaths fire burn burns "
    "shock electrocution fall falls choking laceration entrapment strangulation suffocation impact tip over sold "
    "exclusively consumer consumers product products about "
    "retira retiran retirada del de la el los las por debido peligro mercado riesgo lesiones incendio quemaduras "
    "caídas y en con para"
)
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
MODEL_SLOTS = 4  # model numbers kept per record for the overlap test
GTIN_SLOTS = 4
MAX_FIRM_KEYS = 4  # firm/brand keys per record (CPSC cells list up to a dozen brands; the first few identify it)
WORD_SLOTS = 16  # firm/brand words then name words kept per record for the firm-in-other-record test
KEY_SLOTS = 3  # firm/brand keys per record tested against the other record's words
KEY_WORDS = 3  # words per key

_ASCII_TO_SPACE = str.maketrans({char: " " for char in string.punctuation + "_" if char != "'"} | {"'": ""})
_NON_WORD = re.compile(r"[\W_]+")
_MARKS = str.maketrans({"\u00ae": " ", "\u2122": " ", "\u00a9": " ", "\u2120": " "})
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
_MODEL_HINT = re.compile(r"model|型号", re.IGNORECASE)
_SIMPLE_MODEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-./ ]*")
_MODEL_KEY = re.compile(r"[\W_]+")
_EPOCH_ORDINAL = 719163  # date(1970, 1, 1).toordinal()


@dataclass(frozen=True, slots=True)
class MatchFeatures:
    """Per-record features, positionally aligned with the input frame."""

    name: np.ndarray  # normalised title + product words (object array of str)
    sorted_product: np.ndarray  # words of the name minus the record's own firm/brand words, sorted
    firm: np.ndarray  # firm/brand keys, space separated
    key_values: np.ndarray  # every record's firm/brand keys, flat ("wal mart", "walmart", …)
    key_offsets: np.ndarray  # record i owns key_values[key_offsets[i]:key_offsets[i + 1]]
    vocabulary: np.ndarray  # the distinct words; the codes below index it
    name_codes: np.ndarray  # int64 codes of every record's name words, flat
    name_offsets: np.ndarray  # record i owns name_codes[name_offsets[i]:name_offsets[i + 1]]
    word_codes: np.ndarray  # int64 (records × WORD_SLOTS): codes of the record's firm/brand then name words, -1 pad
    key_word_codes: np.ndarray  # int64 (records × KEY_SLOTS × KEY_WORDS): codes of each key's words, -1 pad
    days: np.ndarray  # publication date as days since 1970-01-01 (float, NaN when unknown)
    models: np.ndarray  # int64 (records × MODEL_SLOTS) codes of model numbers, -1 = none
    gtins: np.ndarray  # int64 (records × GTIN_SLOTS) codes of GTIN-14s, -1 = none

    def __len__(self) -> int:
        return len(self.name)

    def key_counts(self) -> np.ndarray:
        return np.diff(self.key_offsets)


def build_features(canonical: pd.DataFrame) -> MatchFeatures:
    """Compute :class:`MatchFeatures` from a frame made by :func:`transforms.dedup.fields.canonical_frame`."""
    title_and_product = canonical["title"].to_numpy(dtype=object) + " " + canonical["product"].to_numpy(dtype=object)
    name = np.array([normalise_words(text) for text in title_and_product], dtype=object)
    keys_per_record = _firm_keys_per_record(canonical["firm"], canonical["brand"])
    key_counts = np.fromiter(map(len, keys_per_record), dtype=np.int64, count=len(keys_per_record))
    key_offsets = np.concatenate([[0], np.cumsum(key_counts)])
    key_values = np.fromiter(_chain(keys_per_record), dtype=object, count=int(key_offsets[-1]))
    firm = np.array([" ".join(keys) for keys in keys_per_record], dtype=object)
    encoded = _encode_words(name, key_values, key_offsets)
    return MatchFeatures(
        name=name,
        sorted_product=np.array(
            [_sorted_product(n, k) for n, k in zip(name, keys_per_record, strict=True)], dtype=object
        ),
        firm=firm,
        key_values=key_values,
        key_offsets=key_offsets,
        vocabulary=encoded.vocabulary,
        name_codes=encoded.name_codes,
        name_offsets=encoded.name_offsets,
        word_codes=encoded.word_codes,
        key_word_codes=encoded.key_word_codes,
        days=parse_days(canonical["date"]),
        models=_code_matrix(_model_keys_per_record(canonical), MODEL_SLOTS),
        gtins=_code_matrix(_map_distinct(canonical["upc"], _gtins_of_cell), GTIN_SLOTS),
    )


def normalise_words(text: str) -> str:
    """Lower-case words of ``text`` without punctuation, HTML entities or recall boilerplate.

    Chinese runs become overlapping character bigrams (``纸尿裤`` → ``纸尿 尿裤``) so that word-based similarity
    and blocking work on text without spaces; Latin letters or digits written against a Chinese run are a word of
    their own (``Kalomi牌充电宝`` → ``kalomi 牌充 充电 电宝``), so a brand named in a Chinese title matches the
    brand of a report in another language.
    """
    if "&" in text:
        text = html.unescape(text)  # "&#174;", "&amp;"
    if text.isascii():
        text = text.lower().translate(_ASCII_TO_SPACE)
    else:
        # Trademark signs go before NFKC, which would spell "Samsung™" as "samsungtm".
        text = unicodedata.normalize("NFKC", text.translate(_MARKS)).lower().replace("'", "").replace("\u2019", "")
        text = _CJK_RUN.sub(_cjk_bigrams, _NON_WORD.sub(" ", text))
    return " ".join(_singular(word) for word in text.split() if word not in STOP_WORDS)


def _singular(word: str) -> str:
    """Crude English plural folding ("strollers" → "stroller", "ranges" → "range"); keeps "glass", "bus", "chassis"."""
    if len(word) > 3 and word[-1] == "s" and word[-2] not in "siu":
        return word[:-1]
    return word


def parse_days(values: pd.Series) -> np.ndarray:
    """Parse dates to days since the unix epoch (UTC); ISO strings vectorised, other spellings via ``parse_date``."""
    first = values.fillna("").astype(str).str.split(" | ", n=1, regex=False).str[0].str.strip()
    parsed = pd.to_datetime(first, format="ISO8601", errors="coerce", utc=True)
    days = ((parsed - pd.Timestamp("1970-01-01", tz="UTC")) // pd.Timedelta(days=1)).astype("float64")
    days = days.to_numpy(copy=True)
    missing = np.isnan(days) & (first != "").to_numpy()
    if missing.any():
        days[missing] = _map_distinct(first[missing], _days_or_nan).to_numpy(dtype="float64")
    return days


def _days_or_nan(value: str) -> float:
    day = parse_date(value)
    return float(day.toordinal() - _EPOCH_ORDINAL) if day else np.nan


def _firm_keys_per_record(firms: pd.Series, brands: pd.Series) -> list[tuple[str, ...]]:
    """Each record's firm keys then brand keys, without repeats, at most ``MAX_FIRM_KEYS``."""
    cache: dict[str, tuple[str, ...]] = {}

    def keys_of_cell(cell: str) -> tuple[str, ...]:
        keys: list[str] = []
        for part in cell.split(" | "):
            if part not in cache:
                cache[part] = _keys_of_name(part)
            keys.extend(key for key in cache[part] if key not in keys)
        return tuple(keys)

    firm_keys = _map_distinct(firms.fillna("").astype(str), keys_of_cell)
    brand_keys = _map_distinct(brands.fillna("").astype(str), keys_of_cell)
    combined = []
    for from_firm, from_brand in zip(firm_keys, brand_keys, strict=True):
        if not from_brand:
            combined.append(from_firm[:MAX_FIRM_KEYS])
        else:
            combined.append(tuple(dict.fromkeys(from_firm + from_brand))[:MAX_FIRM_KEYS])
    return combined


def _keys_of_name(name: str) -> tuple[str, ...]:
    """A firm's key in match words, plus its spaceless spelling when it has two or three words."""
    if not name.strip():
        return ()
    key = normalise_words(firm_key(name))
    if not key:
        return ()
    spaceless = key.replace(" ", "")
    return (key, spaceless) if 1 < key.count(" ") + 1 <= 3 else (key,)


def _sorted_product(name: str, firm_keys: tuple[str, ...]) -> str:
    """Name words without the record's own firm/brand words, sorted: token-sort ratio becomes a plain ratio."""
    words = name.split()
    if firm_keys:
        firm_words = {word for key in firm_keys for word in key.split()}
        words = [word for word in words if word not in firm_words] or words
    return " ".join(sorted(words))


@dataclass(frozen=True, slots=True)
class _EncodedWords:
    vocabulary: np.ndarray
    name_codes: np.ndarray
    name_offsets: np.ndarray
    word_codes: np.ndarray
    key_word_codes: np.ndarray


def _encode_words(name: np.ndarray, key_values: np.ndarray, key_offsets: np.ndarray) -> _EncodedWords:
    """Integer-code every name word and key word (one vocabulary) and lay them out for vectorised look-ups."""
    size = len(name)
    name_lists = [text.split() for text in name]
    name_counts = np.fromiter(map(len, name_lists), dtype=np.int64, count=size)
    flat_names = np.fromiter(_chain(name_lists), dtype=object, count=int(name_counts.sum()))

    key_counts = np.diff(key_offsets)
    key_record = np.repeat(np.arange(size), key_counts)
    key_slot = np.arange(len(key_values)) - np.repeat(key_offsets[:-1], key_counts)
    tested = key_slot < KEY_SLOTS
    key_codes_distinct, distinct_keys = pd.factorize(key_values[tested])
    distinct_words = [key.split()[:KEY_WORDS] for key in distinct_keys]
    words_per_key = np.fromiter(map(len, distinct_words), dtype=np.int64, count=len(distinct_words))[key_codes_distinct]
    distinct_offsets = np.concatenate([[0], np.cumsum([len(words) for words in distinct_words])]).astype(np.int64)
    distinct_flat = np.fromiter(_chain(distinct_words), dtype=object, count=int(distinct_offsets[-1]))
    within_key = np.arange(words_per_key.sum()) - np.repeat(np.cumsum(words_per_key) - words_per_key, words_per_key)
    flat_key_words = distinct_flat[np.repeat(distinct_offsets[key_codes_distinct], words_per_key) + within_key]

    codes, vocabulary = pd.factorize(np.concatenate([flat_names, flat_key_words]))
    name_codes, key_word_flat_codes = codes[: len(flat_names)], codes[len(flat_names) :]

    key_word_codes = np.full((size, KEY_SLOTS, KEY_WORDS), -1, dtype=np.int64)
    key_word_codes[
        np.repeat(key_record[tested], words_per_key), np.repeat(key_slot[tested], words_per_key), within_key
    ] = key_word_flat_codes

    # The record's own key words first (they must not be crowded out), then its name words, up to WORD_SLOTS.
    key_words_per_record = np.bincount(np.repeat(key_record[tested], words_per_key), minlength=size)
    word_codes = np.full((size, WORD_SLOTS), -1, dtype=np.int64)
    key_word_record = np.repeat(key_record[tested], words_per_key)
    key_word_position = np.arange(len(key_word_record)) - np.repeat(
        np.cumsum(key_words_per_record) - key_words_per_record, key_words_per_record
    )
    word_codes[key_word_record, key_word_position] = key_word_flat_codes
    name_record = np.repeat(np.arange(size), name_counts)
    name_position = (
        np.arange(len(name_codes)) - np.repeat(np.cumsum(name_counts) - name_counts, name_counts)
    ) + key_words_per_record[name_record]
    fits = name_position < WORD_SLOTS
    word_codes[name_record[fits], name_position[fits]] = name_codes[fits]
    return _EncodedWords(
        vocabulary=np.asarray(vocabulary, dtype=object),
        name_codes=name_codes.astype(np.int64),
        name_offsets=np.concatenate([[0], np.cumsum(name_counts)]).astype(np.int64),
        word_codes=word_codes,
        key_word_codes=key_word_codes,
    )


def _model_keys_per_record(canonical: pd.DataFrame) -> pd.Series:
    """Model numbers from the model field; from "model number …" phrases in the text where the field is empty."""
    explicit = _map_distinct(canonical["model"], _models_of_cell)
    text = canonical["text"]
    needs_text = (canonical["model"] == "") & (text != "")
    if needs_text.any():
        candidates = text[needs_text]
        candidates = candidates[candidates.str.contains(_MODEL_HINT, regex=True)]
        if len(candidates):
            explicit[candidates.index] = _map_distinct(candidates, lambda cell: _model_keys(extract_models(cell)))
    return explicit


def _models_of_cell(cell: str) -> tuple[str, ...]:
    if not cell:
        return ()
    if _SIMPLE_MODEL.fullmatch(cell) and " and " not in cell and " or " not in cell:
        return _model_keys([cell])  # one plain model number: skip the list parser
    return _model_keys(split_models(cell.replace(" | ", ", ")))


def _model_keys(models: Iterable[str]) -> tuple[str, ...]:
    keys = []
    for model in models:
        key = _MODEL_KEY.sub("", model).upper()
        # One- or two-character "models" are list debris ("A", "2"), not identifiers.
        if len(key) >= 3 and key not in keys:
            keys.append(key)
    return tuple(keys)


def _gtins_of_cell(cell: str) -> tuple[str, ...]:
    return tuple(split_gtins(cell.split(" | "))) if cell else ()


def _code_matrix(values_per_record: Iterable[tuple[str, ...]], slots: int) -> np.ndarray:
    """Encode up to ``slots`` strings per record as integer codes (same string → same code), -1 padded."""
    values_per_record = list(values_per_record)
    matrix = np.full((len(values_per_record), slots), -1, dtype=np.int64)
    counts = np.fromiter((min(len(v), slots) for v in values_per_record), dtype=np.int64, count=len(values_per_record))
    if counts.sum() == 0:
        return matrix
    flat = [value for values in values_per_record for value in values[:slots]]
    codes, _ = pd.factorize(np.array(flat, dtype=object))
    rows = np.repeat(np.arange(len(values_per_record)), counts)
    columns = np.arange(len(flat)) - np.repeat(np.cumsum(counts) - counts, counts)
    matrix[rows, columns] = codes
    return matrix


def _cjk_bigrams(run: re.Match[str]) -> str:
    text = run[0]
    # Spaces around the run: a Latin word written against Chinese ("Kalomi牌充电宝") is a word of its own.
    return " " + " ".join(text[i : i + 2] for i in range(len(text) - 1)) + " "


def _chain(groups: list[tuple[str, ...]]) -> Iterable[str]:
    for group in groups:
        yield from group


def _map_distinct(values: pd.Series, function: Callable[[str], object]) -> pd.Series:
    """Apply ``function`` once per distinct value and broadcast the results back (values repeat a lot)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    mapped = np.empty(len(uniques), dtype=object)
    for position, value in enumerate(uniques):
        mapped[position] = function(value)  # element-wise: tuples must stay single objects
    return pd.Series(mapped[codes], index=values.index, dtype=object)
