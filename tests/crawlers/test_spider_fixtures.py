"""Offline parsing tests against stored responses, web-poet fixture layout:

``tests/crawlers/fixtures/<spider>/<case>/request.json`` (URL, status, headers),
``response_body.*`` (the stored body) and ``expected_records.json`` (fields of each record the
spider must yield, in order). Adding a case is adding a folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.http import Request, TextResponse
from scrapy.utils.test import get_crawler

from crawlers.run import spider_classes

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(p for p in FIXTURES.glob("*/*") if (p / "request.json").exists())


def _response(case: Path) -> TextResponse:
    meta = json.loads((case / "request.json").read_text(encoding="utf-8"))
    body = next(case.glob("response_body.*")).read_bytes()
    request = Request(meta["url"], meta=meta.get("meta", {}))
    return TextResponse(
        url=meta["url"], status=meta.get("status", 200), headers=meta.get("headers", {}), body=body, request=request
    )


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_spider_parses_stored_response(case: Path) -> None:
    spider_cls = spider_classes()[case.parent.name]
    crawler = get_crawler(spider_cls)
    spider = spider_cls.from_crawler(crawler)
    response = _response(case)
    callback = getattr(spider, json.loads((case / "request.json").read_text()).get("callback", "parse"))
    records = [r for r in callback(response) if not isinstance(r, Request)]
    expected = json.loads((case / "expected_records.json").read_text(encoding="utf-8"))
    assert len(records) == len(expected)
    for record, wanted in zip(records, expected, strict=True):
        for field, value in wanted.items():
            assert getattr(record, field) == value, f"{case.name}: {field}"
