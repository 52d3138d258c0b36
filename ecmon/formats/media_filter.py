"""Which media articles are product-quality risk information (5.2.2 d), and which are repeats.

The media channel brings every article of a news feed or channel list; only those about the quality
or safety of a product are risk information. :func:`assess` keeps an article when its text names a
**product word and a quality/safety word** (Chinese and English), both lists kept as data in
``media_filter_words.json`` so that editors can extend them without touching code:

- Chinese words match as substrings (Chinese has no spaces between words);
- English words match as whole words, case-insensitively, with an optional plural ``s``/``es``; a
  trailing ``*`` matches any ending (``contaminat*``);
- ``ignore`` phrases are blanked out first, because they contain a listed word without meaning it
  (高质量发展 is a policy slogan, "gross domestic product" is not a product).

Repeats within one crawl are dropped by :class:`CrawlDeduper`: by canonical URL (tracking
parameters such as ``utm_*`` and ``spm`` removed, fragment dropped) and by normalised title, so the
same article carried by two feeds, or reposted under another URL, is stored once. Exact repeats across
crawls need nothing here: the raw store skips a body whose content hash it already holds.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

WORDS_FILE = Path(__file__).with_name("media_filter_words.json")

# Query parameters that only say where a click came from; the article is the same without them.
TRACKING_PARAMS = frozenset(
    {
        "spm",
        "scm",
        "from",
        "source",
        "src",
        "share_token",
        "share_from",
        "sharer",
        "share",
        "fbclid",
        "gclid",
        "yclid",
        "mc_cid",
        "mc_eid",
        "ref",
        "ref_src",
        "referer",
        "isappinstalled",
        "wfr",
        "timestamp",
        "_ga",
        "cmpid",
        "ncid",
        "rss",
        "feed",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "hmsr", "hmpl", "hmcu", "hmkw", "hmci")

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True)
class MediaWords:
    """The compiled word lists: one matcher per word, kept with the word for reporting."""

    product: tuple[tuple[str, re.Pattern[str]], ...]
    quality: tuple[tuple[str, re.Pattern[str]], ...]
    ignore: re.Pattern[str] | None


@dataclass(frozen=True)
class Relevance:
    """The product and quality/safety words found in a text; relevant when both kinds are present."""

    product_words: tuple[str, ...] = ()
    quality_words: tuple[str, ...] = ()

    @property
    def relevant(self) -> bool:
        return bool(self.product_words) and bool(self.quality_words)


def _normalise(text: str) -> str:
    # NFKC folds full-width letters and digits of Chinese pages (ＬＥＤ, ３１５) into ASCII.
    return unicodedata.normalize("NFKC", text).casefold()


def _matcher(word: str) -> re.Pattern[str]:
    word = _normalise(word.strip())
    if _CJK.search(word):
        return re.compile(re.escape(word))
    prefix = word.endswith("*")
    stem = re.escape(word.rstrip("*")).replace(r"\ ", r"\s+")
    ending = r"\w*" if prefix else r"(?:s|es)?"
    return re.compile(rf"(?<![\w-]){stem}{ending}(?![\w-])")


def compile_words(lists: dict[str, dict[str, list[str]]]) -> MediaWords:
    """Compile ``{"product": {"zh": [...], "en": [...]}, "quality": {...}, "ignore": {...}}``."""

    def words(kind: str) -> list[str]:
        by_language = lists.get(kind) or {}
        if not isinstance(by_language, dict):
            raise ValueError(f"media word list {kind!r} must map languages to word lists")
        return [w for language_words in by_language.values() for w in language_words if w and w.strip()]

    product, quality = words("product"), words("quality")
    if not product or not quality:
        raise ValueError("media word lists need at least one product word and one quality/safety word")
    ignored = sorted((_normalise(w) for w in words("ignore")), key=len, reverse=True)
    return MediaWords(
        product=tuple((w, _matcher(w)) for w in product),
        quality=tuple((w, _matcher(w)) for w in quality),
        ignore=re.compile("|".join(re.escape(w) for w in ignored)) if ignored else None,
    )


@cache
def load_words(path: Path = WORDS_FILE) -> MediaWords:
    """The word lists of ``path`` (default: the shipped ``media_filter_words.json``), compiled once."""
    try:
        lists = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: invalid JSON at line {exc.lineno}: {exc.msg}") from exc
    return compile_words(lists)


def assess(text: str | None, words: MediaWords | None = None) -> Relevance:
    """The product and quality/safety words ``text`` mentions (title and summary or body text)."""
    if not text:
        return Relevance()
    words = words or load_words()
    folded = _normalise(text)
    if words.ignore is not None:
        folded = words.ignore.sub(" ", folded)
    return Relevance(
        product_words=tuple(w for w, pattern in words.product if pattern.search(folded)),
        quality_words=tuple(w for w, pattern in words.quality if pattern.search(folded)),
    )


def is_relevant(text: str | None, words: MediaWords | None = None) -> bool:
    """True when ``text`` names a product word and a quality/safety word."""
    return assess(text, words).relevant


def canonical_url(url: str) -> str:
    """``url`` without tracking parameters or fragment, host lower-cased, remaining parameters sorted.

    ``http`` and ``https`` are kept apart on purpose: two schemes can be two sites, and the title
    check catches the same article served on both.
    """
    parts = urlsplit(url.strip())
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
    ]
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, urlencode(sorted(query)), ""))


def normalised_title(title: str | None) -> str:
    """Title folded for comparison: NFKC, case-folded, punctuation and spaces removed."""
    return _NOT_WORD.sub("", _normalise(title or ""))


@dataclass
class CrawlDeduper:
    """Remembers the URLs and titles kept in one crawl; :meth:`repeat_of` says why an article is a repeat.

    Titles shorter than ``min_title_chars`` after folding are not compared: "通知", "Update" or
    "Recall" alone do not identify an article.
    """

    min_title_chars: int = 8
    urls: set[str] = field(default_factory=set)
    titles: set[str] = field(default_factory=set)

    def repeat_of(self, url: str, title: str | None) -> str | None:
        """``"duplicate_url"``, ``"duplicate_title"`` or ``None`` (new: remembered from now on)."""
        canonical = canonical_url(url)
        if canonical in self.urls:
            return "duplicate_url"
        folded = normalised_title(title)
        comparable = len(folded) >= self.min_title_chars
        if comparable and folded in self.titles:
            return "duplicate_title"
        self.urls.add(canonical)
        if comparable:
            self.titles.add(folded)
        return None

    def seen_url(self, url: str) -> bool:
        """True when the canonical form of ``url`` was already kept (to skip fetching it again)."""
        return canonical_url(url) in self.urls
