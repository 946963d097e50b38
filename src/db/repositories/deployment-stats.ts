import type { Sql } from '../sql.js';

/**
 * Deployment statistics for the operators' charts, computed in SQL over `deployments` and
 * `deployment_steps`. Days are UTC calendar days; a deployment counts on the day it was requested.
 */

/** How many deployments requested on one UTC day ended each way (or still run). */
export interface DeploymentsOnDay {
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  succeeded: number;
  failed: number;
  cancelled: number;
  running: number;
}

/**
 * Deployments per UTC day by outcome, for the `days` days ending today (today included), oldest
 * first; days without a deployment are present with zeros.
 */
export async function deploymentsPerDay(
  sql: Sql,
  days: number,
  now: Date = new Date(),
): Promise<DeploymentsOnDay[]> {
  const rows = await sql.query<{
    day: string;
    succeeded: string | number;
    failed: string | number;
    cancelled: string | number;
    running: string | number;
  }>(
    `with bounds as (
       select ($1::timestamptz at time zone 'UTC')::date as today),
     span as (
       select (today - ($2::int - 1))::date as first, today from bounds),
     per_day as (
       select (d.created_at at time zone 'UTC')::date as day,
              count(*) filter (where d.state = 'succeeded') as succeeded,
              count(*) filter (where d.state = 'failed') as failed,
              count(*) filter (where d.state = 'cancelled') as cancelled,
              count(*) filter (where d.state not in ('succeeded', 'failed', 'cancelled')) as running
         from deployments d, span
        where d.created_at >= (span.first::timestamp at time zone 'UTC')
          and d.created_at < ((span.today + 1)::timestamp at time zone 'UTC')
        group by 1)
     select to_char(s.d, 'YYYY-MM-DD') as day,
            coalesce(p.succeeded, 0) as succeeded, coalesce(p.failed, 0) as failed,
            coalesce(p.cancelled, 0) as cancelled, coalesce(p.running, 0) as running
       from span
            cross join generate_series(span.first::timestamp, span.today::timestamp, interval '1 day') as s(d)
            left join per_day p on p.day = s.d::date
      order by s.d`,
    [now.toISOString(), days],
  );
  return rows.map((r) => ({
    day: r.day,
    succeeded: Number(r.succeeded),
    failed: Number(r.failed),
    cancelled: Number(r.cancelled),
    running: Number(r.running),
  }));
}

/** The median and 95th percentile of one step's duration over the ended attempts counted. */
export interface StepDuration {
  step: string;
  /** Steps that ended (succeeded or failed; skipped ones took no time). */
  count: number;
  p50Seconds: number;
  p95Seconds: number;
}

/**
 * p50 and p95 of each step's duration (start to end, retries included) over the steps that
 * started in the last `days` days and ended, succeeded or failed. Steps with no such row are left
 * out; the caller orders them.
 */
export async function stepDurations(
  sql: Sql,
  days: number,
  now: Date = new Date(),
): Promise<StepDuration[]> {
  const rows = await sql.query<{
    step: string;
    n: string | number;
    p50: string | number;
    p95: string | number;
  }>(
    `select s.step, count(*) as n,
            percentile_cont(0.5) within group (order by extract(epoch from s.ended_at - s.started_at)) as p50,
            percentile_cont(0.95) within group (order by extract(epoch from s.ended_at - s.started_at)) as p95
       from deployment_steps s
      where s.started_at >= $1::timestamptz - make_interval(days => $2::int)
        and s.started_at <= $1::timestamptz
        and s.ended_at is not null
        and s.status in ('succeeded', 'failed')
      group by s.step`,
    [now.toISOString(), days],
  );
  return rows.map((r) => ({
    step: r.step,
    count: Number(r.n),
    p50Seconds: Math.max(0, Number(r.p50)),
    p95Seconds: Math.max(0, Number(r.p95)),
  }));
}
