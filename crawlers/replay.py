"""Replay server: serves a recorded snapshot of the sources on 127.0.0.1 (5.2 tests, demo runs).

A snapshot folder holds ``manifest.json``::

    {"routes": [
      {"site": "saferproducts", "path": "/RestWebServices/Recall", "query": {"format": "json"},
       "file": "saferproducts/recalls.json", "content_type": "application/json; charset=utf-8"}
    ]}

A request for ``/<site><path>?<query>`` is answered by the route of that site and path whose
``query`` items are all present in the request; the route with most matching items wins, so
a route can pin one page (``{"skip": "100"}``) or stand for any window. ``file`` is relative to
the snapshot folder or absolute (tests serve ``../shared/realdata`` files in place). ``status``
defaults to 200. Unknown URLs get 404. A route with ``"method": "POST"`` answers POST requests;
the form fields (``application/x-www-form-urlencoded``) or top-level JSON keys of the request
body count as query items for matching (JSON values re-serialised compactly unless strings).

Spiders reach it through their ``base_url`` argument (``http://127.0.0.1:<port>/<site>``), so
live and replay crawls run the same parsing code.

``FaultPlan`` makes the server misbehave on a deterministic share of first attempts (500,
timeout, truncated body, wrong charset declaration, garbage HTML) for fault-tolerance tests.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

FAULT_KINDS = ("http_500", "timeout", "truncated", "wrong_charset", "garbage")


@dataclass(frozen=True)
class Route:
    site: str
    path: str
    query: dict[str, str]
    file: Path
    content_type: str
    status: int = 200
    method: str = "GET"


@dataclass
class FaultPlan:
    """Fail ``rate`` of distinct URLs on their first ``failures_per_url`` requests."""

    rate: float = 0.3
    kinds: tuple[str, ...] = FAULT_KINDS
    failures_per_url: int = 1
    seed: str = "ecmon"
    attempts: dict[str, int] = field(default_factory=dict)
    injected: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fault_for(self, url: str) -> str | None:
        digest = hashlib.sha256(f"{self.seed}|{url}".encode()).digest()
        if int.from_bytes(digest[:4], "big") / 2**32 >= self.rate:
            return None
        with self.lock:
            attempt = self.attempts.get(url, 0)
            self.attempts[url] = attempt + 1
            if attempt >= self.failures_per_url:
                return None
            kind = self.kinds[digest[4] % len(self.kinds)]
            self.injected.append((url, kind))
            return kind


def load_routes(snapshot_dir: Path) -> list[Route]:
    """Routes of ``manifest.json`` and of every ``<site>/manifest.json`` (files relative to it)."""
    manifests = [
        p for p in [snapshot_dir / "manifest.json", *sorted(snapshot_dir.glob("*/manifest.json"))] if p.exists()
    ]
    if not manifests:
        raise FileNotFoundError(f"replay snapshot has no manifest: {snapshot_dir / 'manifest.json'}")
    return [route for manifest in manifests for route in _load_manifest(manifest)]


def _load_manifest(manifest_path: Path) -> list[Route]:
    base_dir = manifest_path.parent
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"replay snapshot has no manifest: {manifest_path}") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"{manifest_path}: invalid JSON at line {exc.lineno}: {exc.msg}") from exc
    routes = []
    for index, entry in enumerate(manifest.get("routes", [])):
        try:
            file = Path(entry["file"])
            routes.append(
                Route(
                    site=entry["site"],
                    path=entry["path"],
                    query={str(k): str(v) for k, v in entry.get("query", {}).items()},
                    file=file if file.is_absolute() else base_dir / file,
                    content_type=entry.get("content_type", "application/octet-stream"),
                    status=int(entry.get("status", 200)),
                    method=str(entry.get("method", "GET")).upper(),
                )
            )
        except KeyError as exc:
            raise ValueError(f"{manifest_path}: route {index} lacks field {exc.args[0]!r}") from exc
    return routes


class _Handler(BaseHTTPRequestHandler):
    server: _ReplayHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test and DAG logs readable; Scrapy logs every request anyway

    def do_GET(self) -> None:
        self._answer("GET", {})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", errors="replace") if length else ""
        fields: dict[str, str] = {}
        if "json" in (self.headers.get("Content-Type") or ""):
            try:
                data = json.loads(raw or "{}")
            except json.JSONDecodeError:
                data = {}
            if isinstance(data, dict):
                fields = {k: v if isinstance(v, str) else json.dumps(v, separators=(",", ":")) for k, v in data.items()}
        else:
            fields = dict(parse_qsl(raw, keep_blank_values=True))
        self._answer("POST", fields)

    def _answer(self, method: str, body_fields: dict[str, str]) -> None:
        self.server.request_count += 1
        route = self.server.match(self.path, method, body_fields)
        if route is None:
            self._send(404, b"not in snapshot", "text/plain")
            return
        body = route.file.read_bytes()
        fault = self.server.faults.fault_for(self.path) if self.server.faults else None
        if fault == "http_500":
            self._send(500, b"injected server error", "text/plain")
        elif fault == "timeout":
            time.sleep(self.server.timeout_seconds)
            self._send(504, b"slow", "text/plain")
        elif fault == "truncated":
            # Promise the whole body, send a third, close: the client sees a broken transfer.
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: max(1, len(body) // 3)])
            self.wfile.flush()
            self.close_connection = True
        elif fault == "wrong_charset":
            mislabelled = route.content_type.split(";")[0] + "; charset=iso-8859-1"
            self._send(route.status, body, mislabelled)
        elif fault == "garbage":
            self._send(200, b"<html><body><h1>\xff\xfe Service busy \x00\x01</h1><div", route.content_type)
        else:
            self._send(route.status, body, route.content_type)

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _ReplayHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], routes: list[Route], faults: FaultPlan | None, timeout_seconds: float
    ) -> None:
        super().__init__(address, _Handler)
        self.routes = routes
        self.faults = faults
        self.timeout_seconds = timeout_seconds
        self.request_count = 0
        self._groups = _RouteIndex.build(routes)

    def match(self, raw_path: str, method: str = "GET", body_fields: dict[str, str] | None = None) -> Route | None:
        parts = urlsplit(raw_path)
        site, _, rest = parts.path.lstrip("/").partition("/")
        query = {**dict(parse_qsl(parts.query, keep_blank_values=True)), **(body_fields or {})}
        group = self._groups.get((site, "/" + rest, method))
        if group is None:
            return None
        best: tuple[int, Route] | None = None
        for route in group.candidates(query):
            if all(query.get(k) == v for k, v in route.query.items()):
                score = len(route.query)
                if best is None or score > best[0]:
                    best = (score, route)
        return best[1] if best else None


@dataclass
class _RouteIndex:
    """Routes of one (site, path, method), indexed on their most common query item.

    Paged snapshots hold thousands of routes that differ in one parameter (``skip``, ``page``);
    the index keeps matching a dictionary lookup instead of a scan (the crawl benchmark serves
    10,000+ pages).
    """

    key: str | None
    by_value: dict[str, list[Route]]
    without_key: list[Route]

    @classmethod
    def build(cls, routes: list[Route]) -> dict[tuple[str, str, str], _RouteIndex]:
        grouped: dict[tuple[str, str, str], list[Route]] = {}
        for route in routes:
            grouped.setdefault((route.site, route.path, route.method), []).append(route)
        indexes = {}
        for group_key, members in grouped.items():
            counts: dict[str, int] = {}
            for route in members:
                for name in route.query:
                    counts[name] = counts.get(name, 0) + 1
            distinct = {name: len({r.query.get(name) for r in members if name in r.query}) for name in counts}
            key = max(counts, key=lambda n: (distinct[n], counts[n]), default=None)
            by_value: dict[str, list[Route]] = {}
            without = []
            for route in members:
                if key is not None and key in route.query:
                    by_value.setdefault(route.query[key], []).append(route)
                else:
                    without.append(route)
            indexes[group_key] = cls(key, by_value, without)
        return indexes

    def candidates(self, query: dict[str, str]) -> list[Route]:
        if self.key is None:
            return self.without_key
        return self.by_value.get(query.get(self.key, "\x00"), []) + self.without_key


class ReplayServer:
    """Threaded HTTP server on 127.0.0.1 for a snapshot; use as a context manager."""

    def __init__(
        self, snapshot_dir: Path, port: int = 0, faults: FaultPlan | None = None, timeout_seconds: float = 15.0
    ) -> None:
        self.snapshot_dir = Path(snapshot_dir)
        self.httpd = _ReplayHTTPServer(("127.0.0.1", port), load_routes(self.snapshot_dir), faults, timeout_seconds)
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="replay-server", daemon=True)

    @property
    def root_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def base_url(self, site: str) -> str:
        return f"{self.root_url}/{site}"

    def __enter__(self) -> ReplayServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def replay_server(snapshot_dir: Path, faults: FaultPlan | None = None) -> Iterator[ReplayServer]:
    with ReplayServer(snapshot_dir, faults=faults) as server:
        yield server
