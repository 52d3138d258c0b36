"""The replay server: route matching, unknown URLs, deterministic fault injection."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from crawlers.replay import FaultPlan, ReplayServer, load_routes

pytestmark = pytest.mark.unit


def _snapshot(tmp_path: Path) -> Path:
    (tmp_path / "a.json").write_text('{"page": "any"}', encoding="utf-8")
    (tmp_path / "b.json").write_text('{"page": 2}', encoding="utf-8")
    manifest = {
        "routes": [
            {
                "site": "api",
                "path": "/list",
                "query": {"format": "json"},
                "file": "a.json",
                "content_type": "application/json",
            },
            {
                "site": "api",
                "path": "/list",
                "query": {"format": "json", "page": "2"},
                "file": "b.json",
                "content_type": "application/json",
            },
        ]
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return tmp_path


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_most_specific_route_wins_and_unknown_is_404(tmp_path: Path) -> None:
    with ReplayServer(_snapshot(tmp_path)) as server:
        assert _get(server.base_url("api") + "/list?format=json&since=2020-01-01") == (200, b'{"page": "any"}')
        assert _get(server.base_url("api") + "/list?page=2&format=json") == (200, b'{"page": 2}')
        assert _get(server.base_url("api") + "/other")[0] == 404
        assert _get(server.base_url("api") + "/list")[0] == 404


def test_faults_hit_first_attempts_only_and_are_reproducible(tmp_path: Path) -> None:
    plan = FaultPlan(rate=1.0, kinds=("http_500",), failures_per_url=1)
    with ReplayServer(_snapshot(tmp_path), faults=plan) as server:
        url = server.base_url("api") + "/list?format=json"
        assert _get(url)[0] == 500
        assert _get(url)[0] == 200
    assert plan.injected == [("/api/list?format=json", "http_500")]
    assert FaultPlan(rate=0.3).fault_for("/x") == FaultPlan(rate=0.3).fault_for("/x")


def test_manifest_errors_name_the_file_and_field(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text('{"routes": [{"site": "a", "path": "/"}]}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"manifest.json: route 0 lacks field 'file'"):
        load_routes(tmp_path)
    (tmp_path / "manifest.json").write_text('{"routes": [', encoding="utf-8")
    with pytest.raises(ValueError, match=r"manifest\.json: invalid JSON at line 1"):
        load_routes(tmp_path)


def test_post_routes_match_form_and_json_fields(tmp_path: Path) -> None:
    snapshot = _snapshot(tmp_path)
    manifest = json.loads((snapshot / "manifest.json").read_text())
    manifest["routes"].append(
        {
            "site": "api",
            "path": "/search",
            "method": "POST",
            "query": {"start": "1"},
            "file": "b.json",
            "content_type": "application/json",
        }
    )
    (snapshot / "manifest.json").write_text(json.dumps(manifest))
    with ReplayServer(snapshot) as server:
        url = server.base_url("api") + "/search"
        form = urllib.request.Request(url, data=b"start=1&rows=10", method="POST")
        with urllib.request.urlopen(form, timeout=5) as response:
            assert response.read() == b'{"page": 2}'
        as_json = urllib.request.Request(
            url, data=b'{"start": 1}', method="POST", headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(as_json, timeout=5) as response:
            assert response.read() == b'{"page": 2}'
        assert _get(url)[0] == 404
