import type { Sql } from '../sql.js';
import type { ConformanceReport } from '../../license/generator-conformance.js';
import type { GeneratorStatus } from './generators.js';
import {
  afterKeyset,
  keysetColumn,
  newestFirst,
  toPage,
  type Keyset,
  type Page,
} from './keyset.js';
import { iso } from './row-values.js';

/**
 * Sellers' license generators as the operators' health view reads them: each with its seller,
 * its latest check (the conformance run at registration, a seller's "test again" or a
 * generatorProbe dial test: all three are recorded alike) and the outcomes of its latest checks.
 * Reads `license_generators` and `license_generator_checks` as the license engine stores them;
 * never the sealed access key.
 */

/** How many of the latest checks come with each generator. */
export const RECENT_CHECKS = 10;

export interface GeneratorHealth {
  id: string;
  sellerId: string;
  sellerName: string;
  kind: 'built-in' | 'remote';
  name: string;
  endpointUrl: string | null;
  status: GeneratorStatus;
  createdAt: string;
  lastCheck: ConformanceReport | null;
  lastCheckedAt: string | null;
  /** The latest checks, newest first (at most `RECENT_CHECKS`). */
  recentChecks: { at: string; passed: boolean }[];
}

interface Row {
  id: string;
  seller_id: string;
  seller_name: string;
  kind: 'built-in' | 'remote';
  name: string;
  endpoint_url: string | null;
  status: GeneratorStatus;
  created_at: Date | string;
  last_check: ConformanceReport | string | null;
  last_checked_at: Date | string | null;
  recent: { at: string; passed: boolean }[] | string;
  keyset_at: string;
}

const parsed = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

const toHealth = (r: Row): GeneratorHealth => ({
  id: r.id,
  sellerId: r.seller_id,
  sellerName: r.seller_name,
  kind: r.kind,
  name: r.name,
  endpointUrl: r.endpoint_url,
  status: r.status,
  createdAt: iso(r.created_at),
  lastCheck: r.last_check === null ? null : parsed(r.last_check),
  lastCheckedAt: iso(r.last_checked_at),
  recentChecks: parsed(r.recent).map((c) => ({ at: iso(c.at), passed: c.passed })),
});

/** Generators across sellers (or of one seller, or in one status), newest first, by keyset. */
export async function listGeneratorHealth(
  sql: Sql,
  filter: { sellerId?: string; status?: GeneratorStatus },
  page: { limit: number; after?: Keyset },
): Promise<Page<GeneratorHealth>> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.sellerId !== undefined) where.push(`g.seller_id = $${params.push(filter.sellerId)}`);
  if (filter.status !== undefined) where.push(`g.status = $${params.push(filter.status)}`);
  if (page.after) where.push(afterKeyset('g', page.after, params));
  const recent = params.push(RECENT_CHECKS);
  const rows = await sql.query<Row>(
    `select g.id, g.seller_id, s.name as seller_name, g.kind, g.name, g.endpoint_url, g.status,
            g.created_at, g.last_check, g.last_checked_at, ${keysetColumn('g')},
            coalesce((select json_agg(json_build_object('at', c.at, 'passed', c.passed) order by c.id desc)
                        from (select id, at, passed from license_generator_checks
                               where generator_id = g.id order by id desc limit $${recent}) c),
                     '[]'::json) as recent
       from license_generators g join sellers s on s.id = g.seller_id
      ${where.length ? `where ${where.join(' and ')}` : ''}
      ${newestFirst('g')} limit $${params.push(page.limit + 1)}`,
    params,
  );
  return toPage(rows, page.limit, toHealth);
}

/** How many generators are in each status (of one seller, or all). */
export async function countGeneratorsByStatus(
  sql: Sql,
  sellerId?: string,
): Promise<Record<GeneratorStatus, number>> {
  const rows = await sql.query<{ status: GeneratorStatus; n: string | number }>(
    sellerId === undefined
      ? 'select status, count(*) as n from license_generators group by status'
      : 'select status, count(*) as n from license_generators where seller_id = $1 group by status',
    sellerId === undefined ? [] : [sellerId],
  );
  const counts: Record<GeneratorStatus, number> = {
    active: 0,
    failing: 0,
    pending: 0,
    disabled: 0,
  };
  for (const r of rows) counts[r.status] = Number(r.n);
  return counts;
}
