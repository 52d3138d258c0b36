"""Freshness of every source (5.2.1 timely collection; 5.2.2 channels): one row per ``raw_source``.

A source is fresh when its last successful crawl or import (``finish_reason = "finished"`` and no errors,
the rule ``crawlers.run`` applies) finished at most its target hours before the data-interval end. The
target is ``raw_source.freshness_hours`` unless ``freshness.target_hours`` in config/quality.yaml overrides
it. Evaluated at the data-interval end, never at ``now()``: crawls that finished after it do not count, so
a rerun of an old interval gives the old answer.

Nothing is quarantined: a stale source's older records are still valid. By default the freshness rules are
warnings (gate summary, Data Docs); ``freshness.fail_on_stale_sources: true`` makes them critical, and a
critical failure of a suite that quarantines nothing fails the gate.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, func, select

from sql.models import CHANNELS, CrawlRun, Source
from transforms.quality.suites import SuiteContext, rule

TABLE = "raw_source"
ROW_KEY = "source"
QUARANTINES = False


def load(conn: Connection, ctx: SuiteContext) -> pd.DataFrame:
    source, run = Source.__table__, CrawlRun.__table__
    successful_before_end = and_(
        run.c.source == source.c.source,
        run.c.finish_reason == "finished",
        run.c.errors == 0,
        run.c.finished_at <= ctx.data_interval_end,
    )
    query = (
        select(
            source.c.source,
            source.c.channel,
            source.c.freshness_hours,
            func.max(run.c.finished_at).label("last_success_at"),
        )
        .select_from(source.outerjoin(run, successful_before_end))
        .group_by(source.c.source, source.c.channel, source.c.freshness_hours)
        .order_by(source.c.source)
    )
    return pd.read_sql(query, conn)


def prepare(frame: pd.DataFrame, ctx: SuiteContext) -> pd.DataFrame:
    frame = frame.copy()
    overrides = ctx.config.freshness.target_hours
    end = _utc(ctx.data_interval_end)
    frame["target_hours"] = [
        overrides.get(s, h) for s, h in zip(frame["source"], frame["freshness_hours"], strict=True)
    ]
    hours_since = [
        None if pd.isna(last) else (end - _utc(pd.Timestamp(last).to_pydatetime())).total_seconds() / 3600
        for last in frame["last_success_at"]
    ]
    frame["hours_since_success"] = hours_since
    frame["freshness_ratio"] = [
        None if h is None else h / t for h, t in zip(hours_since, frame["target_hours"], strict=True)
    ]
    return frame


def expectations(ctx: SuiteContext) -> list[Any]:
    import great_expectations.expectations as gxe

    severity = "critical" if ctx.config.freshness.fail_on_stale_sources else "warning"
    return [
        gxe.ExpectColumnValuesToNotBeNull(
            column="last_success_at",
            severity=severity,
            meta=rule("source_has_successful_crawl", "source"),
            description="The source has a successful crawl or import finished before the data-interval end.",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="freshness_ratio",
            max_value=1.0,
            severity=severity,
            meta=rule("source_fresh", "source"),
            description="Hours since the last success are within the source's freshness target.",
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="channel",
            value_set=list(CHANNELS),
            severity="warning",
            meta=rule("channel_in_5_2_2", "channel"),
            description="Channel is one of 5.2.2 a–e.",
        ),
    ]


def _utc(moment: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; the warehouse stores UTC.
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
