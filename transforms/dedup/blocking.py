"""Candidate pairs without comparing all pairs: rare-token blocks scanned by a sorted neighbourhood window.

Every record gets a few *blocking keys*: its firm and brand words (also written without spaces, "wal mart" →
"walmart", so "Wal-Mart" meets "Walmart"), the first word of its title, the rarest other words of its title and
product that occur in at least one other record (a word seen once cannot link anything), and each GTIN. Reports
of one event share such words: the firm, the brand, a model number.

Inside a block the records are sorted by publication date and each is paired with the next ``window`` records
only (sorted-neighbourhood method). Reports of one event are published within days of each other, so they sit
next to each other in the date order even in a block of thousands; blocks smaller than the window are compared
all-pairs. Neighbours more than a month apart are dropped (their score cannot reach a threshold, see
:mod:`similarity`). A second, narrower pass sorts each block by the product words, for records without a date.
The number of candidate pairs is at most ``records × keys_per_record × (window + 2)``: linear in the input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from transforms.dedup.prepare import MatchFeatures

# Same limit as the last step of similarity.DATE_FACTORS; kept here to avoid a circular import.
MAX_DAY_GAP = 31.0
KEYS_PER_RECORD = 4
WINDOW = 5
_PRODUCT_PASS_WINDOW = 2
_MIN_TOKEN_LENGTH = 3  # firm words and first words are exempt: "ge", "lg" are firms
_MIN_MAX_BLOCK = 1000
_MIN_KEYS = 2
_FIRM_WORD, _FIRST_WORD, _OTHER_WORD = 0, 1, 2  # blocking-key priorities, best first
_SMALL_NUMBER = re.compile(r"\d{1,3}")


@dataclass(frozen=True, slots=True)
class CandidatePairs:
    left: np.ndarray  # int64 positions, left < right
    right: np.ndarray

    def __len__(self) -> int:
        return len(self.left)


def candidate_pairs(
    features: MatchFeatures,
    *,
    keys_per_record: int = KEYS_PER_RECORD,
    window: int = WINDOW,
    max_day_gap: float | None = MAX_DAY_GAP,
) -> CandidatePairs:
    """Return the unique candidate pairs (positions into ``features``) to score.

    Pairs of dated records more than ``max_day_gap`` days apart are not returned: :mod:`similarity` caps their
    score at ``FAR_DATE_FACTOR``, below any useful threshold. ``None`` keeps them.
    """
    if len(features) < 2:
        return CandidatePairs(np.empty(0, np.int64), np.empty(0, np.int64))
    records, keys = _blocking_keys(features, keys_per_record)
    if len(records) == 0:
        return CandidatePairs(np.empty(0, np.int64), np.empty(0, np.int64))
    # Pass 1, by date: unknown dates sort last (+inf) so dated records of a block stay adjacent to each other.
    days = np.nan_to_num(features.days[records], nan=np.inf)
    by_date = np.lexsort((records, days, keys))
    passes = [(by_date, window, False)]
    if np.isnan(features.days).any():
        # Pass 2, by product words, for records without a date (sorted last in pass 1).
        product_rank = pd.factorize(features.sorted_product, sort=True)[0][records]
        passes.append((np.lexsort((records, product_rank, keys)), _PRODUCT_PASS_WINDOW, True))
    lefts: list[np.ndarray] = []
    rights: list[np.ndarray] = []
    for order, pass_window, undated_only in passes:
        sorted_keys, sorted_records = keys[order], records[order]
        for offset in range(1, pass_window + 1):
            same_block = sorted_keys[:-offset] == sorted_keys[offset:]
            if not same_block.any():
                break
            left, right = sorted_records[:-offset][same_block], sorted_records[offset:][same_block]
            gap = np.abs(features.days[left] - features.days[right])
            if undated_only:  # the date pass has already seen every dated pair that can still match
                keep = np.isnan(gap)
            elif max_day_gap is not None:
                keep = ~(gap > max_day_gap)
            else:
                keep = slice(None)
            lefts.append(left[keep])
            rights.append(right[keep])
    if not lefts:
        return CandidatePairs(np.empty(0, np.int64), np.empty(0, np.int64))
    return _unique_pairs(np.concatenate(lefts), np.concatenate(rights), len(features))


def _blocking_keys(features: MatchFeatures, keys_per_record: int) -> tuple[np.ndarray, np.ndarray]:
    """Return parallel int64 arrays (record position, key code) of every record's blocking keys.

    Keys are words, chosen per record in this order until ``keys_per_record`` are taken: its firm/brand words
    (first word of each key, and the spaceless key), the first word of the title (CPSC headings open with the
    firm: "Viking Range Recalls …"), then the rarest other words. A word must occur in at least two records to
    link anything. Words in more than ``max(1000, records / 100)`` records (product types such as "stroller" in
    a big crawl) are too common to tell events apart and are used only by a record that has fewer than two
    other keys. GTINs are added as keys of their own.
    """
    size = len(features)
    vocabulary = features.vocabulary
    name_counts = np.diff(features.name_offsets)
    word_records = np.repeat(np.arange(size, dtype=np.int64), name_counts)
    word_priority = np.full(len(word_records), _OTHER_WORD, dtype=np.int8)
    word_priority[features.name_offsets[:-1][name_counts > 0]] = _FIRST_WORD

    # First word of each tested firm/brand key; spaceless keys ("walmart") are single words already.
    key_rows, key_slots = np.nonzero(features.key_word_codes[:, :, 0] >= 0)
    key_first_words = features.key_word_codes[key_rows, key_slots, 0]

    codes = np.concatenate([key_first_words, features.name_codes])
    records = np.concatenate([key_rows.astype(np.int64), word_records])
    priority = np.concatenate([np.full(len(key_rows), _FIRM_WORD, dtype=np.int8), word_priority])

    # One row per (record, word), keeping the word's best priority.
    order = np.lexsort((priority, codes, records))
    records, codes, priority = records[order], codes[order], priority[order]
    first = np.r_[True, (records[1:] != records[:-1]) | (codes[1:] != codes[:-1])]
    records, codes, priority = records[first], codes[first], priority[first]

    lengths = np.fromiter(map(len, vocabulary), dtype=np.int64, count=len(vocabulary))
    small_number = np.fromiter((bool(_SMALL_NUMBER.fullmatch(word)) for word in vocabulary), bool, len(vocabulary))
    frequency = np.bincount(codes, minlength=len(vocabulary))
    max_block = max(_MIN_MAX_BLOCK, size // 100)
    usable = (
        ((lengths[codes] >= _MIN_TOKEN_LENGTH) | (priority < _OTHER_WORD))
        & ~small_number[codes]
        & (frequency[codes] >= 2)
    )
    records, codes, priority = records[usable], codes[usable], priority[usable]
    too_common = frequency[codes] > max_block

    # Best keys first within each record: not too common, then priority, then rarity.
    order = np.lexsort((codes, frequency[codes], priority, too_common, records))
    records, codes, too_common = records[order], codes[order], too_common[order]
    group_start = np.r_[True, records[1:] != records[:-1]]
    starts = np.flatnonzero(group_start)
    rank = np.arange(len(records)) - np.repeat(starts, np.diff(np.r_[starts, len(records)]))
    # A too-common word only serves a record that has no better key: the window still bounds its pairs.
    keep = (rank < keys_per_record) & (~too_common | (rank < _MIN_KEYS))
    records, codes = records[keep], codes[keep]

    gtin_rows, gtin_columns = np.nonzero(features.gtins >= 0)
    gtin_codes = features.gtins[gtin_rows, gtin_columns] + len(vocabulary)  # a key space of their own
    return np.concatenate([records, gtin_rows.astype(np.int64)]), np.concatenate([codes, gtin_codes]).astype(np.int64)


def _unique_pairs(left: np.ndarray, right: np.ndarray, size: int) -> CandidatePairs:
    low = np.minimum(left, right).astype(np.int64)
    high = np.maximum(left, right).astype(np.int64)
    keep = low != high
    encoded = np.sort(low[keep] * size + high[keep])  # sort + neighbour test: faster than np.unique's hashing here
    encoded = encoded[np.r_[True, encoded[1:] != encoded[:-1]]] if len(encoded) else encoded
    return CandidatePairs(encoded // size, encoded % size)
