"""Score candidate pairs: fuzzy name and firm similarity (rapidfuzz), date proximity, models, GTINs.

All comparisons run over whole pair arrays (``rapidfuzz.process.cpdist`` in C++, numpy on integer word codes),
never per pair in Python.

The score of a pair, in [0, 1]:

1. ``name`` = mean of (a) the token-set ratio of the normalised title + product words and (b) the token-sort
   ratio (a plain ratio of pre-sorted words) of the *product* words, i.e. the name without the record's own
   firm/brand words. Token-set alone says 1.0 whenever one word set contains the other ("gas ranges" ⊂ "wolf gas
   ranges"); (b) lowers that and keeps two different products of one firm ("California Innovations gel packs" /
   "… lunch bags") apart.
2. ``firm`` = the better of the fuzzy token-set ratio between the two records' firm/brand keys and the share of
   the words of a firm/brand key of one record that appear among the other record's words (best key, both
   directions). Sources disagree on *where* the firm is written: the CPSC CSV often has it only in the heading
   ("Viking Range Recalls …"), usa.gov in ``manufacturers``. Unknown when neither record names a firm; then
   ``name`` stands in for it.
3. ``content`` = 0.7 · name + 0.3 · firm, but at most name + 0.15 (a shared firm cannot make two different
   products of that firm one event), raised by a shared model number (+0.15) or GTIN (+0.2), lowered (× 0.7)
   when both records list model numbers and none is shared: two reports of one recall name the same models.
   × 0.6 when the firms disagree: both records name a firm or brand, yet no firm/brand key of either record has
   two thirds of its words anywhere in the other record (firm, brand, title or product words) and the firm
   strings are not spelling variants (fuzzy ratio below 0.75; "Hamilton Beach Brands" / "Hamliton Beach" is 0.78,
   "Nimbus Raven" / "Nimbus Meridian" with their brands 0.59). Many firms recall the same kind of product for
   the same hazard in the same week (power banks for fire, cribs for entrapment); their product words are
   identical once the brand words are removed, so the 0.3 firm weight alone cannot keep them apart. 0.6 puts the
   best such a pair can reach (identical names, firm evidence just under 0.75: 0.7 + 0.3 · 0.75 = 0.925) below
   the threshold (0.925 × 0.6 = 0.555): name likeness alone never merges two firms. Not applied when a model
   number or GTIN is shared (a retailer and a manufacturer reporting one recall name different firms), nor when
   a record names no firm (silence is not disagreement). A firm misspelt in every word of its key is not
   rescued (the fuzzy ratio is only computed for pairs sharing a firm word, to stay affordable).
4. × date factor: published within 3 days → 1; within a month → 0.7; further apart → 0.3 (a re-announcement
   years later is rare, a different recall by the same firm is common); unknown date → 0.75.
5. × 0.7 when both records come from the same source and are not identical: one feed rarely reports the same
   event twice in different words, while same-day recalls by one firm in one feed are common. Identical records
   published within a day (the same usa.gov item filed under two categories) score 1.

The weights and factors were set by inspecting errors on the real CPSC records (see :mod:`matcher`), the
firm-disagreement factor on SYNTHETIC batches of same-kind, same-hazard, same-week recalls by different firms
(pairwise precision 0.29 → 0.93 there). In the real CPSC records every true pair in which both records name a
firm shares a firm key, so the factor leaves the figures at the fitted threshold as they were and only raises
precision at thresholds of 0.45 and below; only the threshold is fitted, on the tuning split.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from transforms.dedup.blocking import MAX_DAY_GAP, CandidatePairs
from transforms.dedup.prepare import MatchFeatures

FIRM_LIFT_CAP = 0.15
NAME_WEIGHT = 0.7
FIRM_WEIGHT = 0.3
SHARED_MODEL_BONUS = 0.15
DISJOINT_MODELS_FACTOR = 0.7
SHARED_GTIN_BONUS = 0.2
# Firm disagreement (step 3): a key is named by the other record when this share of its words appears there
# (both words of a two-word key, two of three), or when the firm strings are spelling variants of each other.
KEY_NAMED_SHARE = 2 / 3
FIRM_SPELLING_RATIO = 0.75
DISJOINT_FIRMS_FACTOR = 0.6
SAME_SOURCE_FACTOR = 0.7
UNKNOWN_DATE_FACTOR = 0.75
# (largest day difference, factor), checked in order; beyond the last → FAR_DATE_FACTOR
DATE_FACTORS = ((3.0, 1.0), (MAX_DAY_GAP, 0.7))
FAR_DATE_FACTOR = 0.3
_CHUNK = 500_000  # pairs per containment chunk: a (500k × WORD_SLOTS) int64 block ≈ 64 MB


@dataclass(frozen=True, slots=True)
class PairScores:
    left: np.ndarray
    right: np.ndarray
    name: np.ndarray
    firm: np.ndarray  # NaN when neither record names a firm
    day_gap: np.ndarray  # NaN when a date is unknown
    score: np.ndarray

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({field: getattr(self, field) for field in self.__slots__})


def score_pairs(features: MatchFeatures, pairs: CandidatePairs, sources: np.ndarray | None = None) -> PairScores:
    """Score every candidate pair; ``sources`` (one label per record) enables the same-source rule."""
    left, right = pairs.left, pairs.right
    name_left, name_right = features.name[left], features.name[right]
    name_overlap = _ratio(name_left, name_right, fuzz.token_set_ratio)
    product_likeness = _ratio(features.sorted_product[left], features.sorted_product[right], fuzz.ratio)
    name = (name_overlap + product_likeness) / 2
    firm, firms_named = _firm_evidence(features, left, right)
    content = NAME_WEIGHT * name + FIRM_WEIGHT * np.where(np.isnan(firm), name, firm)
    content = np.minimum(content, name + FIRM_LIFT_CAP)
    content, shared_identifier = _apply_identifiers(content, features, left, right)
    content = np.where(firms_named | shared_identifier, content, content * DISJOINT_FIRMS_FACTOR)

    day_gap = np.abs(features.days[left] - features.days[right])
    score = content * _date_factor(day_gap)

    identical = (name_left == name_right) & (features.firm[left] == features.firm[right]) & (name_left != "")
    same_day_or_undated = (day_gap <= 1) | (np.isnan(features.days[left]) & np.isnan(features.days[right]))
    duplicate = identical & same_day_or_undated
    if sources is not None:
        same_source = sources[left] == sources[right]
        score = np.where(same_source & ~duplicate, score * SAME_SOURCE_FACTOR, score)
    score = np.where(duplicate, 1.0, score)
    return PairScores(left=left, right=right, name=name, firm=firm, day_gap=day_gap, score=score)


def _ratio(left: np.ndarray, right: np.ndarray, scorer) -> np.ndarray:
    if len(left) == 0:
        return np.empty(0)
    return process.cpdist(left, right, scorer=scorer, workers=-1, dtype=np.float32).astype(np.float64) / 100.0


def _firm_evidence(features: MatchFeatures, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (``firm``, ``named``): the firm evidence of each pair and whether its firms agree at all.

    ``firm`` is the best of the share of a firm key's words found in the other record and the fuzzy firm-to-firm
    ratio. ``named`` is False when both records name a firm or brand and neither names the other's: no key of
    either has at least ``KEY_NAMED_SHARE`` of its words anywhere in the other record (firm, brand, title or
    product words) and the firm strings are not spelling variants of each other (ratio below
    ``FIRM_SPELLING_RATIO``). True where a record names no firm: silence is not disagreement.
    """
    contained = np.fmax(_key_containment(features, left, right), _key_containment(features, right, left))
    firm = contained.copy()
    firm_left, firm_right = features.firm[left], features.firm[right]
    # The fuzzy ratio refines partial word matches ("Hamilton Beach Brands" / "Hamliton Beach"); pairs sharing no
    # firm word at all are left alone, which keeps this affordable on millions of pairs.
    fuzzy = np.flatnonzero((firm_left != "") & (firm_right != "") & (contained > 0.0) & (contained < 1.0))
    if len(fuzzy):
        firm[fuzzy] = np.fmax(firm[fuzzy], _ratio(firm_left[fuzzy], firm_right[fuzzy], fuzz.token_set_ratio))
    has_key = features.key_word_codes[:, 0, 0] >= 0
    both_named = has_key[left] & has_key[right]
    named = ~both_named | (contained >= KEY_NAMED_SHARE) | (firm >= FIRM_SPELLING_RATIO)
    return firm, named


def _key_containment(features: MatchFeatures, source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """For each pair, the largest share of one firm key's words (of ``source``) present among ``target``'s words.

    NaN where ``source`` has no key. Computed on integer word codes, in chunks to bound memory.
    """
    result = np.full(len(source), np.nan)
    has_keys = np.flatnonzero(features.key_word_codes[source, 0, 0] >= 0)
    slots, key_words = features.key_word_codes.shape[1:]
    for start in range(0, len(has_keys), _CHUNK):
        rows = has_keys[start : start + _CHUNK]
        keys = features.key_word_codes[source[rows]]  # (pairs, slots, key words)
        words = features.word_codes[target[rows]]  # (pairs, word slots)
        best = np.zeros(len(rows))
        for slot in range(slots):
            found = np.zeros(len(rows))
            for position in range(key_words):
                word = keys[:, slot, position]
                found += (words == word[:, None]).any(axis=1) & (word >= 0)
            length = (keys[:, slot, :] >= 0).sum(axis=1)
            best = np.maximum(best, np.where(length > 0, found / np.maximum(length, 1), 0.0))
        result[rows] = best
    return result


def _apply_identifiers(
    content: np.ndarray, features: MatchFeatures, left: np.ndarray, right: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    content = content.copy()
    shared_identifier = np.zeros(len(content), dtype=bool)
    for codes, bonus, disjoint_factor in (
        (features.models, SHARED_MODEL_BONUS, DISJOINT_MODELS_FACTOR),
        (features.gtins, SHARED_GTIN_BONUS, 1.0),  # GTIN lists are often partial: no penalty when disjoint
    ):
        has_any = codes[:, 0] >= 0
        both = np.flatnonzero(has_any[left] & has_any[right])
        if len(both) == 0:
            continue
        left_codes, right_codes = codes[left[both]], codes[right[both]]
        equal = (left_codes[:, :, None] == right_codes[:, None, :]) & (left_codes[:, :, None] >= 0)
        shared = equal.any(axis=(1, 2))
        content[both[shared]] = np.minimum(1.0, content[both[shared]] + bonus)
        content[both[~shared]] *= disjoint_factor
        shared_identifier[both[shared]] = True
    return content, shared_identifier


def _date_factor(day_gap: np.ndarray) -> np.ndarray:
    factor = np.full(len(day_gap), FAR_DATE_FACTOR)
    for limit, value in reversed(DATE_FACTORS):
        factor = np.where(day_gap <= limit, value, factor)
    return np.where(np.isnan(day_gap), UNKNOWN_DATE_FACTOR, factor)
