"""The media relevance test (product word AND quality/safety word, zh and en) and the within-crawl repeats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecmon.formats.media_filter import (
    WORDS_FILE,
    CrawlDeduper,
    assess,
    canonical_url,
    compile_words,
    is_relevant,
    load_words,
    normalised_title,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "text",
    [
        "市场监管总局抽检：12批次儿童玩具不合格",
        "某品牌充电宝自燃引发火灾",
        "ＬＥＤ灯具产品质量监督抽查结果公布",  # full-width letters fold to ASCII
        "Brand X recalls space heaters due to fire hazard",
        "E. coli found in bagged spinach",
        "Contaminated beef products recalled",
        "Salmonella outbreak linked to alfalfa sprouts",
    ],
)
def test_product_and_quality_word_make_an_article_relevant(text: str) -> None:
    relevance = assess(text)
    assert relevance.relevant, relevance
    assert relevance.product_words and relevance.quality_words


@pytest.mark.parametrize(
    ("text", "missing"),
    [
        ("推动制造业高质量发展，产品创新成果丰硕", "quality"),  # 高质量 is a slogan, not a defect
        ("酒店服务质量投诉增多", "product"),  # 酒 alone would match 酒店 (hotel)
        ("Gross domestic product grew 3 percent; public safety first", "product"),
        ("The committee will lead the product roadmap review", "quality"),  # "lead" the verb, not the metal
        ("Demo city opens a new public library", "product"),
        ("World Cup final draws record crowd", "product"),
    ],
)
def test_article_without_both_kinds_of_word_is_not_relevant(text: str, missing: str) -> None:
    relevance = assess(text)
    assert not relevance.relevant
    assert not (relevance.product_words if missing == "product" else relevance.quality_words), relevance


def test_english_words_match_whole_words_plurals_and_stems() -> None:
    assert assess("toys recalled").product_words == ("toy",)
    assert "contaminat*" in assess("contamination of the milk").quality_words
    assert assess("a fireplace catalogue with cart prices").quality_words == ()  # fire ≠ fireplace, car ≠ cart
    assert is_relevant("Lithium-ion BATTERIES overheating in e-bikes")


def test_word_lists_are_data(tmp_path: Path) -> None:
    lists = {
        "product": {"en": ["kettle"]},
        "quality": {"zh": ["召回"], "en": ["rust*"]},
        "ignore": {"en": ["rust belt"]},
    }
    words = compile_words(lists)
    assert assess("Kettles rusting after a month", words).relevant
    assert not assess("Kettle factory in the rust belt", words).relevant
    assert assess("电水壶召回 kettle", words).relevant
    path = tmp_path / "words.json"
    path.write_text(json.dumps(lists), encoding="utf-8")
    assert load_words(path).product[0][0] == "kettle"
    with pytest.raises(ValueError, match="at least one product word"):
        compile_words({"product": {}, "quality": {"en": ["x"]}})


def test_shipped_word_lists_cover_both_languages() -> None:
    lists = json.loads(WORDS_FILE.read_text(encoding="utf-8"))
    for kind in ("product", "quality"):
        assert lists[kind]["zh"] and lists[kind]["en"], kind


def test_canonical_url_drops_tracking_and_fragment() -> None:
    assert (
        canonical_url("https://WWW.Example.com/a/b.html?utm_source=rss&id=3&spm=a1.b2&from=timeline#comments")
        == "https://www.example.com/a/b.html?id=3"
    )
    assert canonical_url("https://example.com/x?b=2&a=1") == canonical_url("https://example.com/x?a=1&b=2")
    assert canonical_url("https://example.com") == "https://example.com/"


def test_normalised_title_ignores_spacing_punctuation_and_width() -> None:
    assert normalised_title("演示品牌空气炸锅存在过热隐患 企业宣布召回") == normalised_title(
        "演示品牌空气炸锅存在过热隐患，企业宣布召回！"
    )
    assert normalised_title("Ｒｅｃａｌｌ: Toys") == normalised_title("recall toys")


def test_deduper_says_why_an_article_repeats() -> None:
    deduper = CrawlDeduper()
    assert deduper.repeat_of("https://a.example/1?utm_medium=feed", "某某品牌电热毯召回公告") is None
    assert deduper.repeat_of("https://a.example/1", "another title") == "duplicate_url"
    assert deduper.repeat_of("https://b.example/9", "某某品牌电热毯召回公告！") == "duplicate_title"
    assert deduper.repeat_of("https://c.example/2", "Update") is None  # too short to identify an article
    assert deduper.repeat_of("https://c.example/3", "Update") is None
    assert deduper.seen_url("https://a.example/1#top")
