"""Map a source's own label (CPSC product type, Safety Gate risk type, 不合格项目 …) to a taxonomy code.

Look-up order, most trustworthy first:

1. exact match of the normalised label in the crosswalk file for that scheme, then against any code,
   name or synonym of the taxonomy itself;
2. keyword rules, tried on the whole label. A rule pointing into ``OTHER`` (the "fits nothing else"
   bucket, e.g. "possible health risk") only wins when nothing else matches; otherwise the longest
   matching keyword wins (a longer keyword is a more specific statement: ``burn hazard`` beats
   ``burn``), ties go to the scheme's own rules, then generic rules, then taxonomy synonyms, then the
   more severe hazard, then the earlier position.

An exact rule may point at ``-`` instead of a code: the label names products of several top-level kinds
("Sippy/Tumbler Cups": children's feeding items and drinkware), so it says nothing about one record and
gives no code (no keyword rule is tried for it either).

Hazard labels that are lists of failed items (``闪点（闭口）*,氯含量``) are split and each item mapped
on its own; the batch's hazard is the most severe item (5.3.1 asks for one hazard item per result).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from transforms.taxonomy.labels import fold_punctuation, keyword_matcher, normalise_label, split_items
from transforms.taxonomy.tree import TaxonomyNode

SCHEMES: tuple[str, ...] = (
    "cpsc",
    "safety_gate",
    "cn_spotcheck",
    "cn_complaint",
    "lebensmittelwarnung",
    "openfda",
    "usda_fsis",
)
ANY_SCHEME = "*"
_MATCH_KINDS = ("exact", "keyword", "substring")
# Code of an exact rule whose label spans several top-level kinds: the look-up answers ``None``.
NO_CODE = "-"
# Tie-breakers after keyword length: a scheme's own rule, a generic rule, a taxonomy synonym.
_RULE_ORIGIN_RANK = {"scheme": 0, "generic": 1, "taxonomy": 2}


@dataclass(frozen=True)
class KeywordRule:
    keyword: str
    code: str
    origin: str
    find: Callable[[str], int] = field(compare=False, repr=False)


@dataclass(frozen=True)
class CrosswalkIndex:
    exact: dict[tuple[str, str], str]
    keywords: dict[str, tuple[KeywordRule, ...]]
    # For hazards: top code -> precedence (1 = most severe); empty for products.
    precedence: dict[str, int]
    top_of: dict[str, str]

    def lookup(self, scheme: str, label: str) -> str | None:
        if scheme not in SCHEMES:
            raise ValueError(f"unknown crosswalk scheme {scheme!r}; known: {', '.join(SCHEMES)}")
        key = normalise_label(label or "")
        if not key:
            return None
        exact = self._exact(scheme, key)
        if exact is not None:
            return None if exact == NO_CODE else exact
        items = split_items(key) if self.precedence else [key]
        if len(items) > 1:
            codes = (self._exact(scheme, item) or self._keyword(scheme, item) for item in items)
            return self.most_severe(code for code in codes if code != NO_CODE)
        return self._keyword(scheme, key)

    def _exact(self, scheme: str, key: str) -> str | None:
        folded = fold_punctuation(key)
        for candidate in (key, folded):
            code = self.exact.get((scheme, candidate)) or self.exact.get((ANY_SCHEME, candidate))
            if code is not None:
                return code
        return None

    def _keyword(self, scheme: str, key: str) -> str | None:
        best: tuple[tuple[int, int, int, int, int], str] | None = None
        for rule in (*self.keywords.get(scheme, ()), *self.keywords.get(ANY_SCHEME, ())):
            position = rule.find(key)
            if position < 0:
                continue
            rank = (
                self.top_of[rule.code] == "OTHER",
                -len(rule.keyword),
                _RULE_ORIGIN_RANK[rule.origin],
                self.precedence.get(self.top_of[rule.code], 0),
                position,
            )
            if best is None or rank < best[0]:
                best = (rank, rule.code)
        return best[1] if best else None

    def most_severe(self, codes: Iterable[str | None]) -> str | None:
        """The code whose top-level hazard has the lowest precedence number; first one on ties."""
        known = [c for c in codes if c]
        if not known:
            return None
        return min(known, key=lambda c: self.precedence.get(self.top_of[c], len(self.precedence) + 1))


def build_index(path: Path, nodes: list[TaxonomyNode], *, precedence: dict[str, int]) -> CrosswalkIndex:
    """Read a crosswalk CSV (scheme, match, label, code, note) and add the taxonomy's own names."""
    top_of = {n.code: n.top_code for n in nodes}
    exact: dict[tuple[str, str], str] = {}
    keywords: dict[str, list[KeywordRule]] = {}

    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            line = reader.line_num
            scheme, match, label, code = ((row.get(f) or "").strip() for f in ("scheme", "match", "label", "code"))
            if scheme != ANY_SCHEME and scheme not in SCHEMES:
                raise ValueError(f"{path.name}: row {line}: field 'scheme': unknown scheme {scheme!r}")
            if match not in _MATCH_KINDS:
                raise ValueError(f"{path.name}: row {line}: field 'match': {match!r} is not one of {_MATCH_KINDS}")
            if code == NO_CODE and match != "exact":
                raise ValueError(f"{path.name}: row {line}: field 'code': {NO_CODE!r} is only allowed in exact rules")
            if code not in top_of and code != NO_CODE:
                raise ValueError(f"{path.name}: row {line}: field 'code': unknown taxonomy code {code!r}")
            key = normalise_label(label)
            if not key:
                raise ValueError(f"{path.name}: row {line}: field 'label': empty")
            if match == "exact":
                previous = exact.setdefault((scheme, key), code)
                if previous != code:
                    raise ValueError(f"{path.name}: row {line}: field 'label': {label!r} already maps to {previous!r}")
                # Also reachable with punctuation folded; the first row wins if two fold alike.
                exact.setdefault((scheme, fold_punctuation(key)), code)
                continue
            origin = "generic" if scheme == ANY_SCHEME else "scheme"
            finder = keyword_matcher(key, whole_word=match == "keyword")
            keywords.setdefault(scheme, []).append(KeywordRule(key, code, origin, finder))

    for node in nodes:
        exact.setdefault((ANY_SCHEME, normalise_label(node.code)), node.code)
        for term in (node.name_zh, node.name_en, *node.synonyms):
            key = normalise_label(term)
            exact.setdefault((ANY_SCHEME, key), node.code)
            keywords.setdefault(ANY_SCHEME, []).append(
                KeywordRule(key, node.code, "taxonomy", keyword_matcher(key, whole_word=True))
            )
    return CrosswalkIndex(
        exact=exact,
        keywords={s: tuple(rules) for s, rules in keywords.items()},
        precedence=precedence,
        top_of=top_of,
    )
