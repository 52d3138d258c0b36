"""Item pipelines, in the order of ``ITEM_PIPELINES`` (crawlers/settings.py):

1. ``CheckRecordProperties`` (100) — counts missing/invalid fields into the stats
   (``ecmon/field/<name>/missing``); drops only records that cannot be stored at all (no key or
   body), counting the reason in ``ecmon/dropped/<reason>``.
2. ``HashContent`` (200) — ``content_hash`` = sha256(body); ``document_id`` = sha256(source, hash).
3. ``StoreRawDocuments`` (300) — batched insert into ``raw_document`` (5.2.1); a record whose
   (source, content_hash) is already stored is skipped, so unchanged documents are never stored
   twice and reruns are idempotent.
"""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import DropItem

from crawlers.items import RawRecord

REQUIRED_FIELDS = ("record_key", "body", "url")
EXPECTED_FIELDS = ("published_at", "record_url")


class CheckRecordProperties:
    def __init__(self, stats: Any) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> CheckRecordProperties:
        return cls(crawler.stats)

    def process_item(self, item: RawRecord) -> RawRecord:
        for name in EXPECTED_FIELDS:
            if not getattr(item, name):
                self.stats.inc_value(f"ecmon/field/{name}/missing")
        if item.channel not in ("a", "b", "c", "d", "e"):
            self.stats.inc_value("ecmon/field/channel/invalid")
        for name in REQUIRED_FIELDS:
            if not getattr(item, name):
                self.stats.inc_value(f"ecmon/field/{name}/missing")
                self.stats.inc_value(f"ecmon/dropped/missing_{name}")
                raise DropItem(f"{item.source}: record without {name} at {item.url}")
        if "\ufffd" in item.body:
            # Replacement characters mean a decoding went wrong upstream: keep, but make it visible.
            self.stats.inc_value("ecmon/field/body/replacement_chars")
        return item


class HashContent:
    def process_item(self, item: RawRecord) -> RawRecord:
        from sql.raw import content_hash, document_id

        item.content_hash = content_hash(item.body)
        item.document_id = document_id(item.source, item.content_hash)
        return item


class StoreRawDocuments:
    """Writes raw documents in batches; each batch is one transaction."""

    batch_size = 500

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.buffer: list[RawRecord] = []
        self.crawl_id: str = ""

    @classmethod
    def from_crawler(cls, crawler: Any) -> StoreRawDocuments:
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        self.crawl_id = spider.crawl_id
        self.engine = spider.warehouse_engine()

    def process_item(self, item: RawRecord) -> RawRecord:
        self.buffer.append(item)
        if len(self.buffer) >= self.batch_size:
            self.flush()
        return item

    def close_spider(self) -> None:
        self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        from sql.raw import insert_new_documents

        batch, self.buffer = self.buffer, []
        rows = [
            {
                "document_id": item.document_id,
                "source": item.source,
                "channel": item.channel,
                "record_key": item.record_key[:200],
                "url": item.url,
                "record_url": item.record_url,
                "fetched_at": item.fetched_at,
                "http_status": item.http_status,
                "content_type": item.content_type[:100],
                "content_hash": item.content_hash,
                "body": item.body,
                "published_at": item.published_at,
                "crawl_id": self.crawl_id,
            }
            for item in batch
        ]
        with self.engine.begin() as conn:
            new = insert_new_documents(conn, rows)
        self.stats.inc_value("ecmon/documents_new", new)
        self.stats.inc_value("ecmon/documents_unchanged", len(batch) - new)
