"""Dictionary matching of the taxonomy's own names and synonyms in record text, and the head product term.

A record names its product in a short phrase ("Alltrade Tools Recalls Power Tool *Battery Chargers* Due
to Burn Hazards", "儿童电动车用*充电器*", "Lisinopril *Tablets*, USP 10 mg"). The phrase's head, the last
product term before the first qualifier ("for", "with", "sold with", a comma …), says what the product
is; the other terms say what it is used with. Publishers of every country write product phrases this
way, so the head term is a signal that carries over to sources and product kinds never trained on.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from transforms.taxonomy.labels import contains_cjk

LATIN_TOKEN = re.compile(r"[0-9a-z\u00c0-\u024f]+")
CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
# Frequent German function words; two of them, or one and an umlaut, make a text German.
_GERMAN_WORDS = frozenset(
    {
        *("der", "die", "das", "den", "dem", "des", "und", "oder", "mit", "von", "für", "nicht", "ist", "sind"),
        *("wird", "wurde", "wurden", "werden", "kann", "können", "ein", "eine", "einer", "eines", "einem", "im"),
        *("zum", "zur", "auf", "bei", "aus", "dass", "es"),
    }
)
_GERMAN_LETTERS = re.compile(r"[äöüß]")
# German compounds are split only into parts of at least this many letters ("Rasen|dünger", "Blausäure|gehalt").
_MIN_COMPOUND_PART = 5


def looks_german(text: str) -> bool:
    """Whether a normalised text reads as German, where product and hazard words form compounds."""
    words = set(LATIN_TOKEN.findall(text)) & _GERMAN_WORDS
    return len(words) >= 2 or (len(words) == 1 and bool(_GERMAN_LETTERS.search(text)))


# Texts remembered per matcher. ``predict.predict_frame`` classifies in batches smaller than this, so the
# keyword blocks find every text the model's feature steps just looked up; the bound caps the memory.
MEMO_ENTRIES = 50_000


@functools.lru_cache(maxsize=8)
def shared_matcher(terms: tuple[tuple[str, int], ...]) -> TermMatcher:
    """One matcher per term list, shared by every feature step built from the same taxonomy terms."""
    return TermMatcher(dict(terms))


@dataclass(frozen=True)
class TermMatch:
    start: int  # character offsets in the text that was searched
    end: int
    value: int
    text: str  # the matched words as they appear


class TermMatcher:
    """Leftmost-longest dictionary matching of normalised terms, fast enough for every record.

    Latin terms match whole words (a trailing plural ``s``/``es`` allowed); CJK terms match anywhere
    inside a run of Chinese characters; the few mixed terms (``led灯具``) are found by plain search.
    With ``compounds=True`` (German text) a word no term matches whole is also matched by its head (a
    one-word term ending it: ``rasendünger`` → ``dünger``) or else its first part (``blausäuregehalt``
    → ``blausäure``, ``glassplittern`` → ``glassplitter``). English is not split: ``vegetable`` is no
    ``table``.
    """

    def __init__(self, terms: dict[str, int]):
        self.latin: dict[tuple[str, ...], int] = {}
        self.cjk: dict[str, int] = {}
        self.mixed: dict[str, int] = {}
        for term, value in terms.items():
            if not contains_cjk(term):
                self.latin.setdefault(tuple(LATIN_TOKEN.findall(term)), value)
            elif LATIN_TOKEN.search(term):
                self.mixed.setdefault(term, value)
            else:
                self.cjk.setdefault(term, value)
        self.latin.pop((), None)
        # Longest term starting / ending with each word or character: the scans below try only the
        # lengths a term can have there, instead of every length up to the longest term (5x faster,
        # same matches; the matcher runs several times on every record of a million-row batch).
        self._latin_from = _longest_by_edge(self.latin, 0)
        self._latin_to = _longest_by_edge(self.latin, -1)
        self._cjk_from = _longest_by_edge(self.cjk, 0)
        self._cjk_to = _longest_by_edge(self.cjk, -1)
        # The category model and its keyword blocks (and likewise the hazard ones) look up the same texts.
        self._found: dict[tuple[str, bool], tuple[int, ...]] = {}
        self._heads: dict[str, TermMatch | None] = {}

    def _latin_lengths_from(self, word: str) -> int:
        """Longest term that can start with ``word`` (a plural ``s``/``es`` only on one-word terms)."""
        longest = self._latin_from.get(word, 0)
        return 1 if longest == 0 and word.endswith("s") else longest

    def _latin_lengths_to(self, word: str) -> int:
        """Longest term that can end with ``word``, itself or without a plural ``s``/``es``."""
        longest = self._latin_to.get(word, 0)
        if word.endswith("s"):
            longest = max(longest, self._latin_to.get(word[:-1], 0))
            if word.endswith("es"):
                longest = max(longest, self._latin_to.get(word[:-2], 0))
        return longest

    def find(self, text: str, *, compounds: bool = False) -> tuple[int, ...]:
        """Values of all non-overlapping term occurrences (remembered: several features ask for the same text)."""
        key = (text, compounds)
        found = self._found.get(key)
        if found is None:
            if len(self._found) >= MEMO_ENTRIES:
                self._found.clear()
            found = self._found[key] = tuple(match.value for match in self.matches(text, compounds=compounds))
        return found

    def head(self, text: str) -> TermMatch | None:
        """``head_match(self, text)``, remembered like ``find``."""
        if text in self._heads:
            return self._heads[text]
        if len(self._heads) >= MEMO_ENTRIES:
            self._heads.clear()
        found = self._heads[text] = head_match(self, text)
        return found

    def matches(self, text: str, *, compounds: bool = False) -> list[TermMatch]:
        """All non-overlapping term occurrences in text order, longest first at each position."""
        found = []
        for term, value in self.mixed.items():
            position = text.find(term)
            if position >= 0:
                found.append(TermMatch(position, position + len(term), value, term))
        tokens = list(LATIN_TOKEN.finditer(text))
        words = [token.group() for token in tokens]
        i = 0
        while i < len(words):
            for length in range(min(self._latin_lengths_from(words[i]), len(words) - i), 0, -1):
                value = self._latin_value(words[i : i + length])
                if value is not None:
                    start, end = tokens[i].start(), tokens[i + length - 1].end()
                    found.append(TermMatch(start, end, value, text[start:end]))
                    i += length
                    break
            else:
                part = self._compound_part(tokens[i]) if compounds else None
                if part is not None:
                    found.append(part)
                i += 1
        for run in CJK_RUN.finditer(text):
            chars = run.group()
            i = 0
            while i < len(chars):
                for length in range(min(self._cjk_from.get(chars[i], 0), len(chars) - i), 0, -1):
                    value = self.cjk.get(chars[i : i + length])
                    if value is not None:
                        start = run.start() + i
                        found.append(TermMatch(start, start + length, value, chars[i : i + length]))
                        i += length
                        break
                else:
                    i += 1
        return sorted(found, key=lambda match: match.start)

    def _compound_part(self, token: re.Match[str]) -> TermMatch | None:
        """The longest one-word term that ends the word (its head), else the longest that starts it.

        Both parts are terms of at least ``_MIN_COMPOUND_PART`` letters; the rest of the word is at least
        three letters before a head (``rasen|dünger``) and may be a mere inflection ending after a first
        part (``glassplitter|n``). Words shorter than eight letters are not split.
        """
        word = token.group()
        if len(word) < _MIN_COMPOUND_PART + 3:
            return None
        for split in range(3, len(word) - _MIN_COMPOUND_PART + 1):  # longest head first
            value = self.latin.get((word[split:],))
            if value is not None:
                return TermMatch(token.start() + split, token.end(), value, word[split:])
        for end in range(len(word) - 1, _MIN_COMPOUND_PART - 1, -1):  # longest first part first
            value = self.latin.get((word[:end],))
            if value is not None:
                return TermMatch(token.start(), token.start() + end, value, word[:end])
        return None

    def last_match(self, text: str, *, compounds: bool = False) -> TermMatch | None:
        """The term occurrence that ends last in ``text``, the longest one if several end there.

        Product phrases are right-headed ("pool heaters", "tea glasses", "电动自行车用蓄电池"), so the
        head is found by matching backwards from the end rather than by the left-to-right scan.
        """
        candidates: list[TermMatch] = []
        for term, value in self.mixed.items():
            position = text.rfind(term)
            if position >= 0:
                candidates.append(TermMatch(position, position + len(term), value, term))
        tokens = list(LATIN_TOKEN.finditer(text))
        words = [token.group() for token in tokens]
        for j in range(len(words) - 1, -1, -1):
            found = self._longest_latin_ending_at(words, tokens, text, j)
            if found is None and compounds:
                found = self._compound_part(tokens[j])
            if found is not None:
                candidates.append(found)
                break
        for run in reversed(list(CJK_RUN.finditer(text))):
            found = self._longest_cjk_ending_at_or_before(run)
            if found is not None:
                candidates.append(found)
                break
        if not candidates:
            return None
        return max(candidates, key=lambda match: (match.end, match.end - match.start))

    def _longest_latin_ending_at(
        self, words: list[str], tokens: list[re.Match[str]], text: str, j: int
    ) -> TermMatch | None:
        for length in range(min(self._latin_lengths_to(words[j]), j + 1), 0, -1):
            value = self._latin_value(words[j - length + 1 : j + 1])
            if value is not None:
                start, end = tokens[j - length + 1].start(), tokens[j].end()
                return TermMatch(start, end, value, text[start:end])
        return None

    def _longest_cjk_ending_at_or_before(self, run: re.Match[str]) -> TermMatch | None:
        chars = run.group()
        for end in range(len(chars), 0, -1):
            for length in range(min(self._cjk_to.get(chars[end - 1], 0), end), 0, -1):
                value = self.cjk.get(chars[end - length : end])
                if value is not None:
                    start = run.start() + end - length
                    return TermMatch(start, run.start() + end, value, chars[end - length : end])
        return None

    def _latin_value(self, words: list[str]) -> int | None:
        value = self.latin.get(tuple(words))
        if value is None and words[-1].endswith("s"):
            stem = words[:-1]
            value = self.latin.get((*stem, words[-1][:-1]))
            if value is None and words[-1].endswith("es"):
                value = self.latin.get((*stem, words[-1][:-2]))
        return value


def _longest_by_edge(terms: Iterable[Sequence[str]], edge: int) -> dict[str, int]:
    """Length of the longest term per first (``edge=0``) or last (``edge=-1``) word or character."""
    longest: dict[str, int] = {}
    for term in terms:
        longest[term[edge]] = max(longest.get(term[edge], 0), len(term))
    return longest


# The first segment of a record (title, or the first listed product) names the product. A full stop
# ends it only after a word of four or more letters, so that "Inc." or "No." do not.
_SEGMENT_END = re.compile(r" ; |[;。！？!?|]|(?<=[a-z\u00c0-\u024f]{4})\.(?:\s|$)")
# Recall headlines: "<firm> Recalls <product> Due to …", "<product> Recalled by <firm> …",
# "CPSC, <firm> Announce Recall to Repair <product>", "FSIS Issues Public Health Alert for <product> …".
_PRODUCT_AFTER = re.compile(
    r"\b(?:recall(?:s|ing)?(?:\s+again)?"
    r"(?:\s+of|\s+to\s+(?:repair|replace|inspect)(?:\s+and\s+(?:repair|replace))?)?|"
    r"alert for|warning (?:for|about)|warns consumers (?:about|of|to stop using))\s+"
)
_PRODUCT_BEFORE = re.compile(r"\s+(?:recalled|repaired|are being recalled|is being recalled)\b")
# Where a product phrase ends and its qualifiers begin: "for", "with", "sold with", 用于 … and, in
# the narrow reading, also a comma (which may instead separate several products or brands).
_WORD_QUALIFIER = (
    r"\s(?:for|with|used|sold|included|includes|including|from|by|in|on|at|that|which|due|because|packaged|"
    r"containing|contains|made|manufactured|distributed|imported|produced|posing|can|may|could|was|were|is|"
    r"are|und|mit|für|von|aus|zum|zur)\s|用于|适用于"
)
_NARROW_QUALIFIER = re.compile(r",|，|、|（|\(|:|：|" + _WORD_QUALIFIER)
_BROAD_QUALIFIER = re.compile(_WORD_QUALIFIER)
# The net quantity follows the product name; what comes after it is packaging ("Pecorino Romano 8 oz
# plastic cup & lid", "dill pickle chips 16 fl oz glass jar", "红枣 500g 袋装"). Numbers are folded to 0.
_NET_QUANTITY = re.compile(
    r"\bnet\s*(?:wt|weight|contents?|vol)\b|净含量|净重|规格[:：]|"
    r"(?<![a-z])0+(?:[.,]0+)?\s*"
    r"(?:fl\.?\s*oz|oz|ml|mg|kg|g|lbs?|ct|count|pounds?|ounces?|gallons?|liters?|litres?|克|千克|公斤|毫升|升|斤)(?![a-z])"
)
# Parentheses clarify ("Carbon Monoxide (CO) Detectors", "(amprolium)"); the phrase goes on after them.
_PARENTHESES = re.compile(r"\([^()]*\)|（[^（）]*）")


def first_segment(text: str) -> str:
    """The record's first segment: its title, or the first listed product when there is no title."""
    return _SEGMENT_END.split(text, maxsplit=1)[0]


def product_phrases(text: str) -> tuple[str, str]:
    """(narrow, broad) product phrase of a normalised record text: before the first comma or qualifier
    word, and before the first qualifier word only."""
    segment = first_segment(text)
    before = _PRODUCT_BEFORE.search(segment)
    if before:
        segment = segment[: before.start()]
    else:
        announcements = list(_PRODUCT_AFTER.finditer(segment))
        if announcements:  # the last one: "X Inc. Recalls Y" in "CPSC, X Inc. Announce Recall of Y"
            segment = segment[announcements[-1].end() :]
    segment = _PARENTHESES.sub(" ", segment)
    segment = _NET_QUANTITY.split(segment, maxsplit=1)[0]
    narrow = _NARROW_QUALIFIER.split(segment, maxsplit=1)[0].strip()
    broad = _BROAD_QUALIFIER.split(segment, maxsplit=1)[0].strip()
    return narrow, broad


def head_match(matcher: TermMatcher, text: str) -> TermMatch | None:
    """The head product term of a record, or ``None`` (offsets refer to the phrase it was found in).

    In English and Chinese product phrases the head noun comes last ("tea glasses", "儿童电动车用充电器"),
    so the head is the last term of the narrow phrase, else of the broad phrase (a comma may separate
    brands: "Icon Health & Fitness Nordic Track, Weider Inversion Benches"). Without a term in either,
    the first term of the first segment stands in: it usually names the product before any accessory.
    """
    compounds = looks_german(text)
    narrow, broad = product_phrases(text)
    # A one-word narrow phrase is usually a brand before a comma ("Arrow, ArrowG+ard … Catheter").
    phrases = (narrow, broad) if len(LATIN_TOKEN.findall(narrow)) > 1 or contains_cjk(narrow) else (broad,)
    for phrase in phrases:
        found = matcher.last_match(phrase, compounds=compounds)
        if found is not None:
            return found
    in_segment = matcher.matches(first_segment(text), compounds=compounds)
    return in_segment[0] if in_segment else None
