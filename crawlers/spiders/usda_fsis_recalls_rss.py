"""USDA FSIS "Recalls" RSS feed — channel 5.2.2 b (regulator announcements).

``GET https://www.fsis.usda.gov/fsis-content/rss/recalls.xml`` serves an RSS 2.0 document (UTF-8)
with the newest ~50 FSIS recalls **and public health alerts** on meat, poultry and egg products:
``title``, ``link``, ``description`` as CDATA HTML that starts with an ``<img>`` icon
(``Icon-Recalls.png`` for a recall, ``Icon-pha.png`` for a public health alert) followed by the
first sentences, ``pubDate`` in ``+0000``, ``dc:creator`` and a permalink ``guid``. The description is
kept raw in the record; the mapper strips it to text. One record per item keyed by the guid;
incremental by ``pubDate`` (see :mod:`crawlers.spiders._feeds`).
"""

from __future__ import annotations

from crawlers.spiders._feeds import FeedSpider


class UsdaFsisRecallsRssSpider(FeedSpider):
    name = "usda_fsis_recalls_rss"
    channel = "b"
    site = "fsis"
    live_base_url = "https://www.fsis.usda.gov"
    freshness_hours = 24 * 7  # FSIS posts a few recalls or alerts a month
    feed_paths = ("/fsis-content/rss/recalls.xml",)
