"""Every spider imports; file name, spider name and class name agree; `scrapy list` sees them all."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

import crawlers.spiders
from crawlers.spiders.base import RiskSourceSpider
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.unit

SPIDER_MODULES = sorted(
    m.name
    for m in pkgutil.iter_modules(crawlers.spiders.__path__)
    if m.name != "base" and not m.name.startswith("_") and not m.ispkg
)


def _class_name(module_name: str) -> str:
    return "".join(part.capitalize() for part in module_name.split("_")) + "Spider"


@pytest.mark.parametrize("module_name", SPIDER_MODULES)
def test_spider_module_defines_its_spider(module_name: str) -> None:
    module = importlib.import_module(f"crawlers.spiders.{module_name}")
    spiders = [
        v
        for v in vars(module).values()
        if isinstance(v, type)
        and issubclass(v, RiskSourceSpider)
        and v.__module__ == module.__name__
        and getattr(v, "name", None)
    ]
    assert len(spiders) == 1, f"{module_name} must define exactly one spider"
    spider = spiders[0]
    assert spider.name == module_name
    assert spider.__name__ == _class_name(module_name), f"class should be {_class_name(module_name)}"
    assert spider.channel in {"a", "b", "c", "d", "e"}, "channel must be one of 5.2.2 a–e"
    assert spider.freshness_hours > 0
    assert spider.live_base_url.startswith("https://") or spider.live_base_url.startswith("http://")
    assert spider.site


def test_scrapy_list_lists_every_spider() -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert sorted(listed) == SPIDER_MODULES


def test_bad_spider_argument_is_refused_with_its_name() -> None:
    from crawlers.spiders.cpsc_recalls import CpscRecallsSpider

    with pytest.raises(ValueError, match="since"):
        CpscRecallsSpider(since="last tuesday")
    with pytest.raises(ValueError, match="base_url"):
        CpscRecallsSpider(base_url="ftp://example.org")


def test_scrapy_check_passes() -> None:
    completed = subprocess.run([sys.executable, "-m", "scrapy", "check"], cwd=PROJECT_ROOT, capture_output=True,
                               text=True, check=False)  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-2000:]
