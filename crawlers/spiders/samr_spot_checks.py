"""SAMR product-quality and food spot-check notices (www.samr.gov.cn), channel 5.2.2 b (regulators).

Columns (sources.md §2a): 监督抽查 ``/zljds/jdcc/index.html`` (national product-quality spot checks,
[M]) and 食品抽检信息发布 ``/spcjs/xxfb/index.html`` (weekly food sampling notices, [H]). Both lists
come from the jpaas CMS XHR ``/api-gateway/jpaas-publish-server/front/page/build/unit`` (ids regexed
from the column's ``index.html``; ``paramJson={"pageNo":N,"pageSize":M}``), the notices are under
``/zw/zfxxgk/fdzdgknr/<dept>/art/YYYY/art_<32hex>.html`` with the result table attached as
``/cms_files/filemanager/<n>/attach/YYYYM/<32hex>.xlsx`` (or xls / zip) or inside the page.

One raw record per result-table row (see :mod:`crawlers.spiders._samr_cms`); incremental by the
notice's publication date. Live-site politeness (a Referer, concurrency 1, delays) comes from the
project's live settings; the site sits behind a CDN that may answer 521 challenges, which are recorded
as crawl failures.
"""

from __future__ import annotations

from crawlers.spiders._samr_cms import JpaasColumnSpider


class SamrSpotChecksSpider(JpaasColumnSpider):
    name = "samr_spot_checks"
    site = "samr"
    live_base_url = "https://www.samr.gov.cn"
    issuer = "国家市场监督管理总局"
    issuer_region = None  # national
    column_paths = ("/zljds/jdcc/index.html", "/spcjs/xxfb/index.html")
