"""Enrich risk information in place (5.2.1 processing, ahead of 5.3 analysis).

For every row not yet enriched since it was (re)mapped:

1. **normalise** — country to ISO 3166-1 alpha-2 (from the row, its ``country`` facts and party
   countries), Chinese region to a GB/T 2260 code, model numbers cleaned, barcodes to GTIN-14
   with check-digit validity on every identifier, platform named from the shop / "sold at" text;
   manufacturers, brands, platforms and shops upserted into their entity tables by match key;
2. **classify** — rows without a category or hazard code get the model's top-level codes with
   calibrated confidences (a source label mapped through a crosswalk always wins: those rows
   already carry ``label_source = 'crosswalk'``); low confidence sets ``needs_review``;
3. **deduplicate** — rows are clustered with the rows they could duplicate (see
   :mod:`transforms.dedup`); ``cluster_id`` links every report of the same event.

Writes go through each engine's bulk path (``ecmon.db.bulk_update``) in one transaction, keyed on
``risk_info_id``: the pending rows, plus stored rows whose cluster changed. Rerunning gives the same
contents (idempotent).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import time
from typing import Any

import pandas as pd
from sqlalchemy import select, union

from ecmon.db import bulk_update, bulk_upsert, get_engine
from sql.models import Brand, Manufacturer, Platform, RiskFact, RiskIdentifier, RiskInformation, RiskParty, Shop

log = logging.getLogger(__name__)

RISK_COLUMNS = (
    "risk_info_id", "source", "channel", "info_type", "title", "product_name", "description", "category_code",
    "subcategory_code", "category_label_source", "category_confidence", "hazard_code", "hazard_label_source",
    "hazard_confidence", "hazard_item", "needs_review", "manufacturer", "brand", "shop", "platform", "model",
    "barcode", "country_code", "region_code", "published_date", "cluster_id",
)  # fmt: skip
E_COMMERCE_PLATFORMS = {"Amazon", "Walmart", "Etsy", "eBay", "Temu", "Shein", "AliExpress", "Wayfair", "天猫", "淘宝",
                        "京东", "拼多多", "抖音", "快手", "唯品会", "苏宁易购", "小红书", "1688"}  # fmt: skip


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _pending(conn: Any, full: bool) -> pd.DataFrame:
    table = RiskInformation.__table__
    stmt = select(*[table.c[c] for c in RISK_COLUMNS])
    if not full:
        stmt = stmt.where(table.c.enriched_at.is_(None))
    return pd.DataFrame(conn.execute(stmt).all(), columns=list(RISK_COLUMNS))


def _children(conn: Any, ids: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    facts, parties, identifiers = [], [], []
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        facts += conn.execute(
            select(RiskFact.risk_info_id, RiskFact.text).where(
                RiskFact.kind == "country", RiskFact.risk_info_id.in_(chunk)
            )
        ).all()
        parties += conn.execute(
            select(RiskParty.risk_info_id, RiskParty.role, RiskParty.name).where(RiskParty.risk_info_id.in_(chunk))
        ).all()
        identifiers += conn.execute(
            select(
                RiskIdentifier.risk_info_id, RiskIdentifier.kind, RiskIdentifier.value, RiskIdentifier.valid_check_digit
            ).where(RiskIdentifier.risk_info_id.in_(chunk))
        ).all()
    return (
        pd.DataFrame(facts, columns=["risk_info_id", "text"]),
        pd.DataFrame(parties, columns=["risk_info_id", "role", "name"]),
        pd.DataFrame(identifiers, columns=["risk_info_id", "kind", "value", "valid_check_digit"]),
    )


def _memo(function: Any, values: pd.Series) -> pd.Series:
    """Apply ``function`` once per distinct value (names repeat a lot across a million rows)."""
    distinct = {v: function(v) for v in values.dropna().unique()}
    return values.map(lambda v: distinct.get(v) if v is not None and v == v else None)


def normalise(frame: pd.DataFrame, facts: pd.DataFrame, parties: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with normalised country, region, model, barcode and platform columns."""
    from transforms.normalise.countries import country_code
    from transforms.normalise.gtin import normalise_gtin
    from transforms.normalise.models import clean_model
    from transforms.normalise.regions import region_code
    from transforms.normalise.retailers import retailer_names

    out = frame.copy()
    fact_country = facts.dropna().groupby("risk_info_id")["text"].first()
    country_text = out["country_code"].where(out["country_code"].notna(), out["risk_info_id"].map(fact_country))
    out["country_code"] = _memo(country_code, country_text)

    def chinese_region(text: str) -> str | None:
        # Only Chinese names carry a GB/T 2260 division; English text would match nothing useful.
        return region_code(text) if any("\u4e00" <= ch <= "\u9fff" for ch in text) else None

    # Per column, so the memo sees a few thousand distinct firms rather than a million combinations.
    region_guess = _memo(chinese_region, out["manufacturer"])
    region_guess = region_guess.where(region_guess.notna(), _memo(chinese_region, out["shop"]))
    out["region_code"] = out["region_code"].where(out["region_code"].notna(), region_guess)
    out.loc[out["region_code"].notna() & out["country_code"].isna(), "country_code"] = "CN"

    out["model"] = _memo(clean_model, out["model"])
    out["barcode"] = _memo(normalise_gtin, out["barcode"]).where(lambda s: s.notna(), out["barcode"])

    retailer_text = out["risk_info_id"].map(
        parties[parties["role"].isin(["retailer", "shop"])].groupby("risk_info_id")["name"].agg(" ; ".join)
    )

    def first_platform(text: str) -> str | None:
        return next((n for n in retailer_names(text) if n in E_COMMERCE_PLATFORMS), None)

    platform_guess = _memo(first_platform, retailer_text.where(retailer_text.notna(), out["shop"]))
    out["platform"] = out["platform"].where(out["platform"].notna(), platform_guess)
    return out


def classify(frame: pd.DataFrame, model_dir: str | None = None) -> pd.DataFrame:
    """Fill missing category / hazard codes from the text classifiers (5.3)."""
    return PendingClassification(frame, model_dir).finish()


class PendingClassification:
    """Model predictions for a frame, computed in background processes while the caller does other work.

    Identical texts are classified once (listings and re-reports repeat titles a lot). A large batch is cut
    into chunks and queued to ``cpu_count - 1`` worker processes (character n-grams and the lexicon are pure
    Python per text), so the caller's own core stays free for deduplication, which does not need the
    classes. ``finish`` then classifies, in the caller's process, the chunks no worker has started yet, waits
    for the rest and fills the frame. Small batches are classified in ``finish`` directly.
    """

    def __init__(self, frame: pd.DataFrame, model_dir: str | None) -> None:
        self.frame = frame
        self.kwargs = {"model_dir": model_dir} if model_dir else {}
        self.need = frame["category_code"].isna() | frame["hazard_code"].isna()
        self.chunks: list[pd.DataFrame] = []
        self.futures: list[Any] = []
        if not self.need.any():
            return
        text = (frame.loc[self.need, "product_name"].fillna("") + " " + frame.loc[self.need, "description"].fillna("")
                + " " + frame.loc[self.need, "hazard_item"].fillna(""))  # fmt: skip
        title = frame.loc[self.need, "title"].fillna("")
        self.codes, _ = pd.factorize(title + "\x1f" + text)
        first = pd.Series(range(len(self.codes))).groupby(self.codes).first().to_numpy()
        inputs = pd.DataFrame({"title": title.to_numpy()[first], "text": text.to_numpy()[first]})
        self.chunks = [inputs.iloc[start : start + CHUNK_ROWS] for start in range(0, len(inputs), CHUNK_ROWS)]
        workers = max(1, (os.cpu_count() or 1) - 1)
        if len(inputs) >= PARALLEL_MIN_ROWS:
            from joblib.externals.loky import get_reusable_executor

            executor = get_reusable_executor(max_workers=workers)
            self.futures = [executor.submit(_predict_chunk, chunk, self.kwargs) for chunk in self.chunks]

    def finish(self) -> pd.DataFrame:
        out = self.frame.copy()
        if not self.need.any():
            return out
        parts: list[pd.DataFrame | None] = [None] * len(self.chunks)
        for index in reversed(range(len(self.futures))):  # the workers take chunks from the front
            if not self.futures[index].cancel():
                break
            parts[index] = _predict_chunk(self.chunks[index], self.kwargs)
        for index, chunk in enumerate(self.chunks):
            if parts[index] is None:
                parts[index] = self.futures[index].result() if self.futures else _predict_chunk(chunk, self.kwargs)
        distinct = pd.concat(parts, ignore_index=True)
        predicted = distinct.iloc[self.codes].set_index(out.index[self.need])
        for target in ("category", "hazard"):
            missing = self.need & out[f"{target}_code"].isna()
            idx = out.index[missing]
            out.loc[idx, f"{target}_code"] = predicted.loc[idx, target]
            out.loc[idx, f"{target}_confidence"] = predicted.loc[idx, f"{target}_confidence"]
            out.loc[idx, f"{target}_label_source"] = "model"
        out.loc[self.need, "needs_review"] = predicted["needs_review"].astype(bool).to_numpy()
        return out


def _predict_chunk(chunk: pd.DataFrame, kwargs: dict[str, Any]) -> pd.DataFrame:
    # Imported here, in the worker: the caller does not load scikit-learn just to queue the work.
    from transforms.classify.predict import predict_frame

    return predict_frame(chunk, **kwargs)


# Below this many distinct texts, starting worker processes costs more than it saves.
PARALLEL_MIN_ROWS = 2_000
CHUNK_ROWS = 10_000


def deduplicate(engine: Any, frame: pd.DataFrame) -> pd.Series:
    """Cluster ids for ``frame``'s rows and for every stored row whose cluster they may change.

    Reports of one event are published within ``MAX_DAY_GAP`` days of each other (see
    :mod:`transforms.dedup.blocking`), so new rows are clustered together with the stored rows
    published within that gap of them (plus undated rows, plus every member of a cluster those rows
    belong to, so no cluster is split). Cluster ids derive from the smallest member id, so ids of
    untouched clusters never change. Blocking picks candidate pairs per batch, so incremental runs may
    cluster a few records differently from one run over everything (tests/transforms/test_enrich.py
    bounds the difference); a rerun never changes anything.
    """
    from transforms.dedup.blocking import MAX_DAY_GAP
    from transforms.dedup.matcher import cluster_records

    table = RiskInformation.__table__
    cols = ["risk_info_id", "title", "product_name", "brand", "model", "manufacturer", "published_date", "barcode",
            "cluster_id"]  # fmt: skip
    dates = pd.to_datetime(frame["published_date"], errors="coerce").dropna()
    with engine.connect() as conn:
        stmt = select(*[table.c[c] for c in cols])
        if not dates.empty:
            gap = dt.timedelta(days=int(MAX_DAY_GAP) + 1)
            low, high = dates.min().date() - gap, dates.max().date() + gap
            near = [table.c.published_date.between(low, high), table.c.published_date.is_(None)]
            touched = union(*(select(table.c.cluster_id).where(n, table.c.cluster_id.is_not(None)) for n in near))
            # One branch per condition, so each is answered from its index rather than by a table scan.
            stmt = union(*(stmt.where(n) for n in near), stmt.where(table.c.cluster_id.in_(touched.scalar_subquery())))
        stored = pd.DataFrame(conn.execute(stmt).all(), columns=cols)
    stored = stored[~stored["risk_info_id"].isin(frame["risk_info_id"])]
    combined = pd.concat([stored[cols[:-1]], frame[cols[:-1]]], ignore_index=True)
    # In id order: blocking breaks ties by input order, and the database returns rows in whatever order
    # its plan gives (table order, or an index's), which must not change the clusters.
    combined = combined.rename(columns={"risk_info_id": "id"}).sort_values("id", ignore_index=True)
    clusters = pd.Series(cluster_records(combined).to_numpy(), index=combined["id"]).astype(str)
    previous = pd.Series(stored["cluster_id"].to_numpy(), index=stored["risk_info_id"])
    changed_stored = previous.index[previous.ne(clusters.reindex(previous.index)).to_numpy()]
    return clusters[clusters.index.isin(frame["risk_info_id"]) | clusters.index.isin(changed_stored)]


def _entities(frame: pd.DataFrame, parties: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    from transforms.normalise.firms import normalise_firm

    def firms(names: pd.Series) -> dict[str, str]:
        found: dict[str, str] = {}
        for name in names.dropna().unique():
            firm = normalise_firm(name)
            if firm and firm.key not in found:
                found[firm.key[:300]] = firm.display
        return found

    makers = firms(pd.concat([frame["manufacturer"], parties.loc[parties["role"] == "manufacturer", "name"]]))
    brands = firms(frame["brand"])
    platforms = set(frame["platform"].dropna().unique())
    shops = frame.dropna(subset=["shop"])[["shop", "platform"]].drop_duplicates()
    shop_rows = {}
    for shop, platform in shops.itertuples(index=False):
        firm = normalise_firm(shop)
        if firm:
            key = (platform, firm.key[:300])
            shop_rows[key] = {
                "shop_id": _sha(f"{platform}\x1f{firm.key}"),
                "platform_id": _platform_id(platform),
                "match_key": firm.key[:300],
                "name": firm.display,
                "url": None,
                "region_code": None,
            }
    return {
        "manufacturer": [
            {"manufacturer_id": _sha(k), "match_key": k, "name": v, "country_code": None, "region_code": None}
            for k, v in makers.items()
        ],
        "brand": [{"brand_id": _sha(k), "match_key": k, "name": v} for k, v in brands.items()],
        "platform": [{"platform_id": _platform_id(p), "name": p, "base_url": None} for p in platforms],
        "shop": list(shop_rows.values()),
    }


def _platform_id(name: str | None) -> str | None:
    if name is None or name != name:
        return None
    return name.strip().lower().replace(" ", "_")[:40]


def enrich_risk_information(
    run_at: dt.datetime,
    *,
    url: str | None = None,
    full: bool = False,
    model_dir: str | None = None,
    with_dedup: bool = True,
) -> dict[str, Any]:
    """Normalise, classify and cluster pending risk-information rows; return counts."""
    engine = get_engine(url)
    seconds: dict[str, float] = {}  # per step, in the summary: where a slow run spends its time
    started = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal started
        now = time.perf_counter()
        seconds[step] = round(now - started, 2)
        started = now

    with engine.connect() as conn:
        frame = _pending(conn, full)
        if frame.empty:
            return {"enriched": 0}
        facts, parties, identifiers = _children(conn, frame["risk_info_id"].tolist())
    lap("read")
    frame = normalise(frame, facts, parties)
    lap("normalise")
    classification = PendingClassification(frame, model_dir)  # in worker processes, while this one dedups
    clusters = deduplicate(engine, frame) if with_dedup else None
    lap("dedup")
    frame = classification.finish()
    lap("classify")  # what is left of classification once dedup is done
    other_clusters: dict[str, str] = {}
    if clusters is not None:
        frame["cluster_id"] = frame["risk_info_id"].map(clusters)
        other_clusters = clusters[~clusters.index.isin(frame["risk_info_id"])].to_dict()
    entities = _entities(frame, parties)
    from transforms.normalise.gtin import is_valid_gtin

    gtins = identifiers[identifiers["kind"].isin(["upc", "gtin"])]
    id_checks = [(r.risk_info_id, r.kind, r.value, is_valid_gtin(r.value)) for r in gtins.itertuples(index=False)]
    with engine.begin() as conn:
        for model, rows, key in (
            (Manufacturer, entities["manufacturer"], "match_key"),
            (Brand, entities["brand"], "match_key"),
            (Platform, entities["platform"], "platform_id"),
            (Shop, entities["shop"], "shop_id"),  # after Platform: shops reference it
        ):
            bulk_upsert(conn, model.__table__, rows, [key], update_columns=())
        table = RiskInformation.__table__
        columns = ["risk_info_id", *UPDATED_COLUMNS, "enriched_at"]
        bulk_update(conn, table, columns, _update_rows(frame, run_at), ["risk_info_id"])
        if other_clusters:  # stored rows whose cluster grew or merged with a new row's
            bulk_update(conn, table, ["risk_info_id", "cluster_id"], other_clusters.items(), ["risk_info_id"])
        if id_checks:
            ident_columns = ["risk_info_id", "kind", "value", "valid_check_digit"]
            bulk_update(conn, RiskIdentifier.__table__, ident_columns, id_checks, ident_columns[:3])
    lap("write")
    summary = {
        "enriched": len(frame),
        "classified_by_model": int((frame["category_label_source"] == "model").sum()),
        "needs_review": int(frame["needs_review"].fillna(False).astype(bool).sum()),
        "clusters": int(frame["cluster_id"].nunique()) if with_dedup else None,
        "stored_rows_reclustered": len(other_clusters),
        "entities": {k: len(v) for k, v in entities.items()},
        "seconds": seconds,
    }
    log.info("enrichment: %s", summary)
    return summary


UPDATED_COLUMNS = ("country_code", "region_code", "model", "barcode", "platform", "category_code",
                   "category_confidence", "category_label_source", "hazard_code", "hazard_confidence",
                   "hazard_label_source", "needs_review", "cluster_id")  # fmt: skip


def _update_rows(after: pd.DataFrame, run_at: dt.datetime) -> list[tuple[Any, ...]]:
    """(risk_info_id, *UPDATED_COLUMNS, enriched_at) per row, missing values as ``None``."""
    values = after[["risk_info_id", *UPDATED_COLUMNS]].astype(object)
    values = values.where(values.notna(), None)
    values["needs_review"] = after["needs_review"].fillna(False).astype(bool).to_numpy()
    values["enriched_at"] = run_at
    return list(values.itertuples(index=False, name=None))
