-- grain: one row per source (5.2.2); is_late = no successful crawl within its freshness target.
with sources as (
    select source, channel, freshness_hours from raw_source
),

successful_runs as (
    select source, max(finished_at) as last_success_at
    from raw_crawl_run
    where finish_reason = 'finished' and errors = 0
    group by source
),

last_runs as (
    select source, max(started_at) as last_attempt_at, sum(errors) as errors_all_runs
    from raw_crawl_run
    group by source
)

select
    sources.source,
    sources.channel,
    sources.freshness_hours,
    successful_runs.last_success_at,
    last_runs.last_attempt_at,
    round((julianday('now') - julianday(successful_runs.last_success_at)) * 24, 1) as hours_since_success,
    case
        when successful_runs.last_success_at is null then 1
        when (julianday('now') - julianday(successful_runs.last_success_at)) * 24 > sources.freshness_hours then 1
        else 0
    end as is_late
from sources
left join successful_runs on successful_runs.source = sources.source
left join last_runs on last_runs.source = sources.source
