"""CPSC recall → risk information mapping: nested arrays kept, bad records named precisely."""

from __future__ import annotations

import json

import pytest

from tests.conftest import PROJECT_ROOT
from transforms.risk_information.cpsc_recalls import map_document, map_recall
from transforms.risk_information.mapping import MappingError

pytestmark = pytest.mark.unit

DEMO = json.loads((PROJECT_ROOT / "crawlers/snapshots/demo/saferproducts/recalls_2026.json").read_text())


def test_nested_arrays_become_child_rows() -> None:
    mapped = map_recall(DEMO[0])
    assert mapped.risk["record_key"] == "90001"
    assert mapped.risk["channel"] == "e"
    assert [p["role"] for p in mapped.parties] == ["manufacturer", "importer", "retailer"]
    assert {f["kind"] for f in mapped.facts} >= {"hazard", "injury", "remedy", "remedy_option", "country", "image"}
    assert mapped.identifiers == [
        {
            "risk_info_id": mapped.risk["risk_info_id"],
            "kind": "upc",
            "value": "0 12345 67890 5",
            "valid_check_digit": None,
        }
    ]
    assert mapped.products[0]["product_type"] == "Cribs"


def test_source_product_type_is_crosswalked_to_top_level_codes() -> None:
    cribs = map_recall(DEMO[0]).risk
    assert cribs["category_code"] == "CHILD"
    assert cribs["category_label_source"] == "crosswalk"
    assert cribs["for_infants"] or cribs["for_children"]
    heater = map_recall(DEMO[1]).risk
    assert heater["category_code"] == "ELEC"


def test_record_without_id_is_refused() -> None:
    with pytest.raises(MappingError, match="RecallID"):
        map_recall({**DEMO[0], "RecallID": None})


def test_bad_nested_field_is_named() -> None:
    with pytest.raises(MappingError, match=r"RecallID 90001: field Products: expected a list of objects"):
        map_recall({**DEMO[0], "Products": "a string"})


def test_bad_date_is_named() -> None:
    with pytest.raises(MappingError, match=r"RecallID 90001: field RecallDate: not an ISO date: 'soon'"):
        map_recall({**DEMO[0], "RecallDate": "soon"})


def test_broken_body_names_the_document() -> None:
    with pytest.raises(MappingError, match=r"raw_document abc: field body: invalid JSON"):
        map_document({"document_id": "abc", "body": '{"RecallID": 1'})
