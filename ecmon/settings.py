"""One place for configuration: environment variables with the ``ECMON_`` prefix.

Nothing here reads files at import time; :func:`get_settings` builds (and caches) the
object on first use so DAG parsing stays free of I/O.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Runtime settings. Every field can be set as ``ECMON_<FIELD>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="ECMON_", extra="ignore")

    data_dir: Path = Field(default=PROJECT_ROOT / "data", description="Where the embedded warehouse and outputs live.")
    warehouse_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL. Default: SQLite file <data_dir>/warehouse.sqlite. "
        "Production: postgresql+psycopg://user@host/db",
    )
    crawl_mode: Literal["replay", "live"] = Field(
        default="replay", description="replay = recorded snapshot on 127.0.0.1; live = the real sites (5.2.2)."
    )
    snapshot_dir: Path = Field(
        default=PROJECT_ROOT / "crawlers" / "snapshots" / "demo",
        description="Recorded responses served in replay mode.",
    )
    sources: str = Field(default="", description="Comma-separated spider names to run; empty = all enabled.")
    user_agent_contact: str = Field(
        default="https://github.com/ecmon/ecmon", description="Contact URL or e-mail put in the crawler User-Agent."
    )
    realdata_dir: Path = Field(
        default=PROJECT_ROOT.parent / "shared" / "realdata", description="Real published data used by tests."
    )

    def resolved_warehouse_url(self) -> str:
        if self.warehouse_url:
            return self.warehouse_url
        return f"sqlite:///{(self.data_dir / 'warehouse.sqlite').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings_cache() -> None:
    """Forget cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()
