"""广东省市场监督管理局 spot-check notices (amr.gd.gov.cn), channel 5.2.2 b (regulators, provincial).

Column (sources.md §2b, [M]): 食品抽检 ``/zwgk/zdlyxxgk/cjjc/spcj/``, static TRS pages ``index.html``,
``index_2.html`` … with the items in ``ul.news_list2 > li`` (link + date). Notices live under
``…/content/post_<id>.html`` with ``<meta name="PubDate" content="YYYY-MM-DD HH:MM">``; their result
tables are attached (Guangdong food notices attach ``.zip`` archives of xlsx files; product notices
xlsx / xls) or embedded as HTML tables. Product-quality spot-check column ids of amr.gd.gov.cn are not
documented; add them to ``column_paths`` once known (they use the same page family).

One raw record per result-table row (see :mod:`crawlers.spiders._samr_cms`); incremental by the
notice's publication date.
"""

from __future__ import annotations

from crawlers.spiders._samr_cms import StaticColumnSpider


class GdSpotChecksSpider(StaticColumnSpider):
    name = "gd_spot_checks"
    site = "gd"
    live_base_url = "https://amr.gd.gov.cn"
    issuer = "广东省市场监督管理局"
    issuer_region = "广东省"
    column_paths = ("/zwgk/zdlyxxgk/cjjc/spcj/",)
