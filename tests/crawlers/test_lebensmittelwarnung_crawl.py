"""lebensmittelwarnung.de, end to end: a real Scrapy crawl (POST JSON API, paged) against the replay
server, then the transform into risk information.

Real data: ``realdata/lebensmittelwarnung/lebensmittelwarnungen_2022-04-22.csv`` holds 249 real
warnings (2018-06 … 2022-04) scraped from the portal's list pages. The live source is the
``warnings/merged`` JSON API, so the test writes those real rows into API pages in its tmp folder:
``product`` column → ``title``, ``reason`` → ``warning``, ``producer`` → ``product.manufacturer`` (raw
whitespace kept), ``state`` → ``affectedStates``, ``warningtype`` → ``product.designation``,
``thumbnail`` → ``product.imageUrls``, ``detail_link`` → ``link`` and ``id`` (its last path segment),
``date`` → ``publishedDate`` (midnight Europe/Berlin, epoch ms). The CSV's ``source`` column (image
credit on the old list page) has no known API counterpart and is left out.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from crawlers.run import run_crawl
from ecmon.db import get_engine
from sql.models import RiskFact, RiskInformation, RiskParty, SourceWatermark
from tests.conftest import PROJECT_ROOT, count_rows, realdata_path
from transforms.risk_information.load import load_risk_information

RUN_AT = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
API_PATH = "/verbraucherschutz/baystmuv-verbraucherinfo/rest/api/warnings/merged"
PAGE_SIZE = 100
BERLIN = ZoneInfo("Europe/Berlin")
DEMO = PROJECT_ROOT / "crawlers" / "snapshots" / "demo"


def _real_rows() -> list[dict[str, str]]:
    path = realdata_path("lebensmittelwarnung", "lebensmittelwarnungen_2022-04-22.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _day(row: dict[str, str]) -> dt.date:
    return dt.datetime.strptime(row["date"].strip(), "%d.%m.%Y").date()


def _api_doc(row: dict[str, str]) -> dict:
    day = _day(row)
    midnight = dt.datetime(day.year, day.month, day.day, tzinfo=BERLIN)
    product = {"designation": row["warningtype"].strip(), "manufacturer": row["producer"]}
    if row["thumbnail"]:
        product["imageUrls"] = [row["thumbnail"]]
    return {
        "_type": ".FoodWarning",
        "archived": False,
        "id": int(row["detail_link"].rstrip("/").rsplit("/", 1)[1]),
        "link": row["detail_link"],
        "publishedDate": int(midnight.timestamp() * 1000),
        "title": row["product"],
        "warning": row["reason"],
        "affectedStates": [s.strip() for s in row["state"].split(",") if s.strip()],
        "product": product,
    }


def _food_key(start: int) -> str:
    # What the replay server compares: the ``food`` object of the body, re-serialised compactly.
    return json.dumps(
        {"rows": PAGE_SIZE, "sort": "publishedDate desc, title asc", "start": start}, separators=(",", ":")
    )


def _real_snapshot(tmp_path: Path) -> tuple[Path, list[dict]]:
    docs = [_api_doc(r) for r in _real_rows()]
    docs.sort(key=lambda d: (-d["publishedDate"], d["title"]))  # the API's sort order
    routes = []
    for start in range(0, len(docs), PAGE_SIZE):
        name = f"warnings_start_{start}.json"
        page = {"response": {"numFound": len(docs), "start": start, "docs": docs[start : start + PAGE_SIZE]}}
        (tmp_path / name).write_text(json.dumps(page, ensure_ascii=False), encoding="utf-8")
        routes.append(
            {
                "site": "lebensmittelwarnung",
                "method": "POST",
                "path": API_PATH,
                "query": {"food": _food_key(start)},
                "file": name,
                "content_type": "application/json;charset=UTF-8",
            }
        )
    (tmp_path / "manifest.json").write_text(json.dumps({"routes": routes}), encoding="utf-8")
    return tmp_path, docs


def _crawl(snapshot: Path, crawl_id: str, since: dt.date, until: dt.date) -> dict:
    return run_crawl(
        "lebensmittelwarnung",
        crawl_id,
        since=since,
        until=until,
        mode="replay",
        snapshot_dir=snapshot,
        extra_args={"page_size": str(PAGE_SIZE)},
    )


@pytest.mark.integration
@pytest.mark.warehouse
def test_every_real_warning_becomes_one_document_and_one_risk_row(warehouse_url: str, tmp_path: Path) -> None:
    snapshot, docs = _real_snapshot(tmp_path)
    summary = _crawl(snapshot, "test:lmw", dt.date(2018, 1, 1), dt.date(2022, 4, 30))
    assert summary["requests"] == 3  # 249 warnings in pages of 100
    assert summary["items"] == len(docs) == 249
    assert count_rows(warehouse_url, "raw_document") == 249

    loaded = load_risk_information(RUN_AT, url=warehouse_url, sources=["lebensmittelwarnung"])
    assert loaded["loaded"] == 249 and loaded["quarantined"] == 0
    assert count_rows(warehouse_url, "stg_risk_information") == 249

    with get_engine(warehouse_url).connect() as conn:
        row = conn.execute(select(RiskInformation).where(RiskInformation.record_key == "79715")).mappings().one()
        assert row["title"] == "Selles sur Cher"
        assert row["manufacturer"] == "Firma Fromagerie Jacquin"
        assert row["hazard_item"].startswith("Verdacht auf Kontamination mit unerwünschten Bakterien Listeria")
        assert row["hazard_code"] == "MICROBIO"
        assert row["published_date"] == dt.date(2022, 4, 13)
        assert row["country_code"] == "DE" and row["channel"] == "e" and row["info_type"] == "alert"
        assert row["category_code"] == "FOOD"
        assert row["attributes"]["affected_states"] == ["Bayern", "Berlin", "Nordrhein-Westfalen", "Sachsen"]
        assert row["source_url"] == "https://www.lebensmittelwarnung.de/bvl-lmw-de/detail/lebensmittel/79715"
        party = conn.execute(select(RiskParty.name).where(RiskParty.risk_info_id == row["risk_info_id"])).scalar_one()
        assert party == "Firma Fromagerie Jacquin"
        dates = conn.execute(select(RiskInformation.published_date)).scalars().all()
        assert min(dates) == min(_day(r) for r in _real_rows())
    assert count_rows(warehouse_url, "stg_risk_fact") >= 249  # one hazard fact per warning, plus images


@pytest.mark.integration
@pytest.mark.warehouse
def test_rerun_adds_nothing_and_watermark_is_newest_day(warehouse_url: str, tmp_path: Path) -> None:
    snapshot, _ = _real_snapshot(tmp_path)
    _crawl(snapshot, "test:first", dt.date(2018, 1, 1), dt.date(2022, 4, 30))
    load_risk_information(RUN_AT, url=warehouse_url, sources=["lebensmittelwarnung"])
    counts = {t: count_rows(warehouse_url, t) for t in ("raw_document", "stg_risk_information", "stg_risk_fact")}
    second = _crawl(snapshot, "test:second", dt.date(2018, 1, 1), dt.date(2022, 4, 30))
    assert second["items"] == 249 and second["documents_new"] == 0
    assert load_risk_information(RUN_AT, url=warehouse_url, sources=["lebensmittelwarnung"])["loaded"] == 0
    assert {t: count_rows(warehouse_url, t) for t in counts} == counts
    newest = max(_day(r) for r in _real_rows())
    with get_engine(warehouse_url).connect() as conn:
        assert conn.execute(select(SourceWatermark.watermark)).scalar_one() == newest.isoformat()


@pytest.mark.integration
@pytest.mark.warehouse
def test_window_stops_paging_once_the_list_reaches_past_it(warehouse_url: str, tmp_path: Path) -> None:
    snapshot, _ = _real_snapshot(tmp_path)
    since = dt.date(2022, 1, 1)
    wanted = [r for r in _real_rows() if _day(r) >= since]
    summary = _crawl(snapshot, "test:window", since, dt.date(2022, 4, 30))
    assert summary["requests"] == 1  # the first page already reaches back before 2022
    assert summary["items"] == len(wanted) == count_rows(warehouse_url, "raw_document")


@pytest.mark.integration
@pytest.mark.warehouse
def test_demo_snapshot_crawls_and_maps(warehouse_url: str) -> None:
    demo = json.loads((DEMO / "lebensmittelwarnung" / "warnings_page1.json").read_text(encoding="utf-8"))
    expected = len(demo["response"]["docs"])
    summary = run_crawl(
        "lebensmittelwarnung",
        "test:demo",
        since=dt.date(2025, 11, 26),
        until=dt.date(2026, 11, 26),
        mode="replay",
        snapshot_dir=DEMO,
    )
    assert summary["items"] == expected == count_rows(warehouse_url, "raw_document")
    loaded = load_risk_information(RUN_AT, url=warehouse_url, sources=["lebensmittelwarnung"])
    assert loaded["loaded"] == expected and loaded["quarantined"] == 0
    with get_engine(warehouse_url).connect() as conn:
        cosmetics = conn.execute(select(RiskInformation).where(RiskInformation.record_key == "990002")).mappings().one()
        assert cosmetics["category_code"] == "COSM"
        assert cosmetics["manufacturer"] == "Probekosmetik Nord GmbH (fiktiv), 24000 Musterküste"
        images = conn.execute(select(RiskFact.url).where(RiskFact.kind == "image")).scalars().all()
        assert len(images) == expected


@pytest.mark.unit
def test_malformed_warning_is_refused_naming_document_and_field() -> None:
    from transforms.risk_information.lebensmittelwarnung import map_document
    from transforms.risk_information.mapping import MappingError

    doc = {"_type": ".FoodWarning", "id": 1, "publishedDate": "gestern", "title": "x"}
    with pytest.raises(MappingError, match=r"raw_document d1 \(lebensmittelwarnung id 1\): field publishedDate"):
        map_document({"document_id": "d1", "body": json.dumps(doc)})
    with pytest.raises(MappingError, match="field body: invalid JSON"):
        map_document({"document_id": "d2", "body": "{"})
