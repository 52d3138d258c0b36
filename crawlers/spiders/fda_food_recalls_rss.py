"""FDA "Food Safety Recalls" RSS feed — channel 5.2.2 b (regulator announcements).

``GET https://www.fda.gov/about-fda/contact-fda/stay-informed/rss-feeds/food-safety-recalls/rss.xml``
serves an RSS 2.0 document (UTF-8) with the newest ~20 company announcements FDA posts:
``title``, ``link``, ``description`` (the first sentences, plain text), ``pubDate`` with a US zone
(``Wed, 12 Nov 2025 09:14:00 EST``), ``dc:creator`` ("FDA") and a permalink ``guid``. One record per
item keyed by the guid; incremental by ``pubDate`` (see :mod:`crawlers.spiders._feeds`).
"""

from __future__ import annotations

from crawlers.spiders._feeds import FeedSpider


class FdaFoodRecallsRssSpider(FeedSpider):
    name = "fda_food_recalls_rss"
    channel = "b"
    site = "fda"
    live_base_url = "https://www.fda.gov"
    freshness_hours = 72  # FDA posts food recalls several times a week
    feed_paths = ("/about-fda/contact-fda/stay-informed/rss-feeds/food-safety-recalls/rss.xml",)
