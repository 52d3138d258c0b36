"""Feature steps of the classification pipelines (importable, so saved pipelines can be loaded).

Three views of the same text are combined:

- character n-grams (TF-IDF) learn wording from the labelled records, in any language (zh characters,
  en/de words and German compounds alike);
- lexicon hits: how often the taxonomy's own names and synonyms of each top-level code occur
  (``婴儿推车``/``stroller``/``Kinderwagen`` → CHILD), in the whole text or only in the product phrase;
- head term: the top-level code of the product phrase's head ("power tool *battery chargers*" → ELEC).

Records of a product kind never seen in training still name the product, so the two keyword views are
what lets the classifier generalise to new kinds and new sources (see ``blend``).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin

from transforms import taxonomy
from transforms.classify.lexicon import TermMatcher, looks_german, product_phrases, shared_matcher
from transforms.classify.text import join_text, normalise_text
from transforms.taxonomy.labels import contains_cjk

# Catch-all buckets: their names ("other", "其他", "health risk") describe no product or defect.
_CATCH_ALL_CODES = frozenset({"OTHER", "OTHER.UNSPECIFIED", "OTHER.GENERAL"})


def taxonomy_terms(target: str) -> list[tuple[str, str, str]]:
    """(term, code, top code) for every name and synonym of the product (``category``) or hazard tree."""
    if target not in ("category", "hazard"):
        raise ValueError(f"target must be 'category' or 'hazard', not {target!r}")
    kinds = taxonomy.load_product_kinds() if target == "category" else taxonomy.load_hazards()
    return [
        (term, node.code, node.top_code)
        for node in kinds.itertuples()
        if node.code not in _CATCH_ALL_CODES
        for term in dict.fromkeys((node.name_zh, node.name_en, *node.synonyms))
    ]


class RecordText(BaseEstimator, TransformerMixin):
    """DataFrame with ``title``/``text`` (or a sequence of strings) → one normalised string per record.

    Only the first ``max_text_chars`` of ``text`` are kept: records name their product and defect early,
    while long press releases end in boilerplate (contact numbers, retailer lists) that says more about
    the publisher than about the product.
    """

    def __init__(self, max_text_chars: int = 600):
        self.max_text_chars = max_text_chars

    def fit(self, records: object, y: object = None) -> RecordText:
        return self

    def transform(self, records: object) -> list[str]:
        if isinstance(records, pd.DataFrame):
            titles = records["title"].fillna("").astype(str) if "title" in records else [""] * len(records)
            texts = records["text"].fillna("").astype(str) if "text" in records else [""] * len(records)
            pairs: Iterable[tuple[str, str]] = zip(titles, texts, strict=True)
        else:
            pairs = (("", str(value)) for value in records)  # type: ignore[union-attr]
        return [normalise_text(join_text(title, text[: self.max_text_chars])) for title, text in pairs]


class LexiconHits(BaseEstimator, TransformerMixin):
    """Per top-level code, ``1 - 0.5**n`` where n counts taxonomy terms of that code found in the text.

    ``target`` is ``"category"`` (product kinds) or ``"hazard"``. ``scope`` is ``"text"`` (the whole
    record) or ``"phrase"`` (only the phrase naming the product, see ``lexicon.product_phrases``: a food
    recall's "8 oz plastic cup & lid" or a hazard statement's "pesticide residue" then do not count as
    product evidence). The term list is copied from the taxonomy at fit time, so a saved model keeps the
    lexicon it was trained with.
    """

    def __init__(self, target: str = "category", scope: str = "text"):
        self.target = target
        self.scope = scope

    def fit(self, texts: Iterable[str], y: object = None) -> LexiconHits:
        self.codes_ = list(taxonomy.PRODUCT_TOP_CODES if self.target == "category" else taxonomy.HAZARD_TOP_CODES)
        column = {code: i for i, code in enumerate(self.codes_)}
        terms: dict[str, int] = {}
        for term, _code, top_code in taxonomy_terms(self.target):
            key = normalise_text(term)
            # Single Latin letters or digits ("0" after number folding) would match everywhere.
            if len(key) >= 2 or contains_cjk(key):
                terms.setdefault(key, column[top_code])
        self.terms_ = sorted(terms.items())
        return self

    def matcher(self) -> TermMatcher:
        matcher = getattr(self, "_matcher", None)
        if matcher is None:
            matcher = self._matcher = shared_matcher(tuple(self.terms_))
        return matcher

    def transform(self, texts: Iterable[str]) -> sparse.csr_matrix:
        if self.scope not in ("text", "phrase"):
            raise ValueError(f"scope must be 'text' or 'phrase', not {self.scope!r}")
        matcher = self.matcher()
        texts = list(texts)
        rows, cols = [], []
        for row, text in enumerate(texts):
            scoped = product_phrases(text)[1] if self.scope == "phrase" else text
            for column in matcher.find(scoped, compounds=looks_german(text)):
                rows.append(row)
                cols.append(column)
        counts = sparse.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(texts), len(self.codes_))).tocsr()
        counts.sum_duplicates()
        counts.data = 1.0 - 0.5**counts.data
        return counts

    def __getstate__(self) -> dict[str, object]:
        # The matcher is rebuilt from ``terms_`` on first use; no need to pickle it twice.
        state = self.__dict__.copy()
        state.pop("_matcher", None)
        return state

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.array([f"lexicon_{code}" for code in self.codes_], dtype=object)


class HeadTerm(LexiconHits):
    """One-hot top-level code of the record's head product term (see ``lexicon.head_match``); all zero
    when the product phrase names no taxonomy term. ``scope`` is not used."""

    def transform(self, texts: Iterable[str]) -> sparse.csr_matrix:
        matcher = self.matcher()
        texts = list(texts)
        rows, cols = [], []
        for row, text in enumerate(texts):
            head = matcher.head(text)
            if head is not None:
                rows.append(row)
                cols.append(head.value)
        return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(texts), len(self.codes_)))

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.array([f"head_{code}" for code in self.codes_], dtype=object)
