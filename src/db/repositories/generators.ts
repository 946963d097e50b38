import type { Sql } from '../sql.js';
import type { ConformanceReport } from '../../license/generator-conformance.js';
import { LICENSE_SETTING_DEFAULTS } from './licenses.js';
import { iso } from './row-values.js';

/**
 * Sellers' license generators (`license_generators`), their conformance checks and the product
 * settings that link a product to one. The sealed access key of a remote generator is read only
 * through `findGeneratorAccess`.
 */
export type GeneratorStatus = 'pending' | 'active' | 'failing' | 'disabled';

export interface GeneratorTemplate {
  /** Days a License 1.0 license is valid when the order has no expiry. */
  validityDays?: number;
  features?: Record<string, string | number | boolean>;
}

export interface Generator {
  id: string;
  sellerId: string;
  kind: 'built-in' | 'remote';
  name: string;
  template: GeneratorTemplate;
  endpointUrl: string | null;
  status: GeneratorStatus;
  lastCheck: ConformanceReport | null;
  lastCheckedAt: string | null;
}

interface GeneratorRow {
  id: string;
  seller_id: string;
  kind: 'built-in' | 'remote';
  name: string;
  template: GeneratorTemplate;
  endpoint_url: string | null;
  status: GeneratorStatus;
  last_check: ConformanceReport | null;
  last_checked_at: Date | string | null;
}

const toGenerator = (r: GeneratorRow): Generator => ({
  id: r.id,
  sellerId: r.seller_id,
  kind: r.kind,
  name: r.name,
  template: r.template,
  endpointUrl: r.endpoint_url,
  status: r.status,
  lastCheck: r.last_check,
  lastCheckedAt: iso(r.last_checked_at),
});

const COLUMNS =
  'id, seller_id, kind, name, template, endpoint_url, status, last_check, last_checked_at';

/**
 * Inserts a generator: a built-in one, or a remote one with its endpoint, sealed access key and
 * the report of the check it was registered with (checked now).
 */
export async function insertGenerator(
  sql: Sql,
  g: {
    id: string;
    sellerId: string;
    name: string;
    template: GeneratorTemplate;
    status: GeneratorStatus;
    remote?: { url: string; sealedAccessKey: string; report: ConformanceReport };
  },
): Promise<Generator> {
  const rows = await sql.query<GeneratorRow>(
    `insert into license_generators
       (id, seller_id, kind, name, template, endpoint_url, sealed_access_key, status, last_check, last_checked_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, case when $9::jsonb is null then null else now() end)
     returning ${COLUMNS}`,
    [
      g.id,
      g.sellerId,
      g.remote ? 'remote' : 'built-in',
      g.name,
      JSON.stringify(g.template),
      g.remote?.url ?? null,
      g.remote?.sealedAccessKey ?? null,
      g.status,
      g.remote ? JSON.stringify(g.remote.report) : null,
    ],
  );
  return toGenerator(rows[0]!);
}

export async function getGenerator(sql: Sql, id: string): Promise<Generator | undefined> {
  const rows = await sql.query<GeneratorRow>(
    `select ${COLUMNS} from license_generators where id = $1`,
    [id],
  );
  return rows[0] && toGenerator(rows[0]);
}

/** The endpoint and sealed access key of a generator (null for a built-in one). */
export async function findGeneratorAccess(
  sql: Sql,
  id: string,
): Promise<{ endpointUrl: string | null; sealedAccessKey: string | null } | undefined> {
  const rows = await sql.query<{ endpoint_url: string | null; sealed_access_key: string | null }>(
    'select endpoint_url, sealed_access_key from license_generators where id = $1',
    [id],
  );
  const r = rows[0];
  return r && { endpointUrl: r.endpoint_url, sealedAccessKey: r.sealed_access_key };
}

/** A seller's generators, or all (operator), newest first. */
export async function listGenerators(sql: Sql, sellerId?: string): Promise<Generator[]> {
  const rows = await sql.query<GeneratorRow>(
    sellerId === undefined
      ? `select ${COLUMNS} from license_generators order by created_at desc, id desc`
      : `select ${COLUMNS} from license_generators where seller_id = $1 order by created_at desc, id desc`,
    sellerId === undefined ? [] : [sellerId],
  );
  return rows.map(toGenerator);
}

/** Ids of remote generators the probe dial-tests (active and failing). */
export async function listProbeTargets(sql: Sql): Promise<string[]> {
  const rows = await sql.query<{ id: string }>(
    `select id from license_generators where kind = 'remote' and status in ('active', 'failing') order by id`,
  );
  return rows.map((r) => r.id);
}

/** Records one conformance run or probe of a generator. */
export async function insertGeneratorCheck(
  sql: Sql,
  generatorId: string,
  report: ConformanceReport,
): Promise<void> {
  await sql.query(
    'insert into license_generator_checks (generator_id, passed, report) values ($1, $2, $3)',
    [generatorId, report.passed, JSON.stringify(report)],
  );
}

/**
 * Applies a check's outcome: a pending or failing generator that passed becomes active, an active
 * one that failed becomes failing, a disabled one stays disabled.
 */
export async function applyGeneratorCheck(
  sql: Sql,
  generatorId: string,
  report: ConformanceReport,
): Promise<Generator> {
  const rows = await sql.query<GeneratorRow>(
    `update license_generators
        set status = case when status = 'disabled' then status when $2 then 'active' else
                       case when status = 'active' then 'failing' else status end end,
            last_check = $3, last_checked_at = now(), updated_at = now()
      where id = $1 returning ${COLUMNS}`,
    [generatorId, report.passed, JSON.stringify(report)],
  );
  return toGenerator(rows[0]!);
}

/** The latest checks of a generator, newest first. */
export async function listGeneratorChecks(
  sql: Sql,
  generatorId: string,
  limit: number,
): Promise<{ passed: boolean; report: ConformanceReport; at: string }[]> {
  const rows = await sql.query<{ passed: boolean; report: ConformanceReport; at: Date | string }>(
    'select passed, report, at from license_generator_checks where generator_id = $1 order by id desc limit $2',
    [generatorId, limit],
  );
  return rows.map((r) => ({ passed: r.passed, report: r.report, at: iso(r.at) }));
}

/** Whether the product and the generator both belong to the seller. */
export async function sellerOwnsProductAndGenerator(
  sql: Sql,
  s: { sellerId: string; productId: string; generatorId: string },
): Promise<boolean> {
  const rows = await sql.query(
    `select 1 from products p join license_generators g on g.seller_id = p.seller_id
      where p.id = $1 and p.seller_id = $2 and g.id = $3`,
    [s.productId, s.sellerId, s.generatorId],
  );
  return rows.length > 0;
}

/** A product's generator and license rules; rules left out take `LICENSE_SETTING_DEFAULTS`. */
export interface ProductLicenseSettings {
  generatorId: string;
  graceDays?: number;
  retentionDays?: number;
  rebindLimit?: number;
  rebindWindowDays?: number;
}

/** Links a product to a generator and sets its license rules. */
export async function upsertProductLicenseSettings(
  sql: Sql,
  productId: string,
  s: ProductLicenseSettings,
): Promise<void> {
  const d = LICENSE_SETTING_DEFAULTS;
  await sql.query(
    `insert into product_license_settings (product_id, generator_id, grace_days, retention_days, rebind_limit, rebind_window_days)
     values ($1, $2, $3, $4, $5, $6)
     on conflict (product_id) do update set generator_id = excluded.generator_id, grace_days = excluded.grace_days,
       retention_days = excluded.retention_days, rebind_limit = excluded.rebind_limit,
       rebind_window_days = excluded.rebind_window_days`,
    [
      productId,
      s.generatorId,
      s.graceDays ?? d.graceDays,
      s.retentionDays ?? d.retentionDays,
      s.rebindLimit ?? d.rebindLimit,
      s.rebindWindowDays ?? d.rebindWindowDays,
    ],
  );
}
