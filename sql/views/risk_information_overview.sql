-- grain: one row per risk-information record (5.2.1), with its provenance (5.2.2) joined in.
with risk as (
    select * from stg_risk_information
),

documents as (
    select document_id, url as fetched_url, fetched_at, crawl_id from raw_document
)

select
    risk.risk_info_id,
    risk.source,
    risk.channel,             -- 5.2.2 a–e
    risk.info_type,
    risk.published_date,
    risk.category_code,       -- top-level product code (shared/taxonomy)
    risk.subcategory_code,
    risk.hazard_code,         -- top-level hazard code
    risk.hazard_item,         -- 5.3.1 hazard item as worded by the source
    risk.product_name,        -- 5.3.1 product name
    risk.manufacturer,        -- 5.4.1 c
    risk.brand,
    risk.shop,                -- 5.4.1 b
    risk.platform,
    risk.country_code,
    risk.region_code,
    risk.cluster_id,
    risk.source_url,
    documents.fetched_url,
    documents.fetched_at,
    documents.crawl_id
from risk
left join documents on documents.document_id = risk.document_id
