import type { Sql } from '../db/sql.js';
import { newId } from '../db/ids.js';
import { AppError } from '../errors.js';
import { appendAudit } from './audit-log.js';
import { validateSellerUrl, type SellerEndpoint } from './generator-client.js';
import { runConformance, type ConformanceReport } from './generator-conformance.js';
import { seal, unseal, type WrappingKey } from './seal.js';

/**
 * Sellers' license generators. A built-in generator is a template OneClick signs with the seller's
 * key; a remote one is an endpoint that becomes active only after passing the conformance check,
 * and that the generatorProbe schedule keeps checking.
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
  sealed_access_key: string | null;
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
  lastCheckedAt: r.last_checked_at === null ? null : new Date(r.last_checked_at).toISOString(),
});

const ACCESS_KEY_PATTERN = /^[\x21-\x7E]{16,128}$/;

export class GeneratorStore {
  constructor(
    private readonly sql: Sql,
    private readonly wraps: readonly WrappingKey[],
    private readonly conformance: { timeoutMs?: number } = {},
  ) {}

  /** Registers a built-in generator (active at once: OneClick itself signs). */
  async createBuiltIn(
    sellerId: string,
    name: string,
    template: GeneratorTemplate,
  ): Promise<Generator> {
    checkTemplate(template);
    return this.sql.transaction(async (tx) => {
      const rows = await tx.query<GeneratorRow>(
        `insert into license_generators (id, seller_id, kind, name, template, status)
         values ($1, $2, 'built-in', $3, $4, 'active') returning *`,
        [newId('gen'), sellerId, checkName(name), JSON.stringify(template)],
      );
      const g = toGenerator(rows[0] as GeneratorRow);
      await appendAudit(tx, {
        actor: `seller:${sellerId}`,
        action: 'generator.registered',
        subject: g.id,
        data: { kind: 'built-in' },
      });
      return g;
    });
  }

  /**
   * Registers a remote generator and runs the conformance check; it is stored either way (so the
   * seller sees why it failed) but only a passing generator is active.
   */
  async registerRemote(
    sellerId: string,
    input: { name: string; url: string; accessKey: string; template?: GeneratorTemplate },
  ): Promise<{ generator: Generator; report: ConformanceReport }> {
    validateSellerUrl(input.url);
    if (!ACCESS_KEY_PATTERN.test(input.accessKey)) {
      throw new AppError('VALIDATION_FAILED', 'accessKey must be 16 to 128 printable characters');
    }
    checkTemplate(input.template ?? {});
    const id = newId('gen');
    const report = await runConformance(
      { url: input.url, accessKey: input.accessKey },
      this.conformance,
    );
    const generator = await this.sql.transaction(async (tx) => {
      const rows = await tx.query<GeneratorRow>(
        `insert into license_generators
           (id, seller_id, kind, name, template, endpoint_url, sealed_access_key, status, last_check, last_checked_at)
         values ($1, $2, 'remote', $3, $4, $5, $6, $7, $8, now()) returning *`,
        [
          id,
          sellerId,
          checkName(input.name),
          JSON.stringify(input.template ?? {}),
          input.url,
          seal(input.accessKey, this.wraps[0] as WrappingKey, `generator:${id}`),
          report.passed ? 'active' : 'pending',
          JSON.stringify(report),
        ],
      );
      await tx.query(
        'insert into license_generator_checks (generator_id, passed, report) values ($1, $2, $3)',
        [id, report.passed, JSON.stringify(report)],
      );
      await appendAudit(tx, {
        actor: `seller:${sellerId}`,
        action: 'generator.registered',
        subject: id,
        data: { kind: 'remote', passed: report.passed },
      });
      return toGenerator(rows[0] as GeneratorRow);
    });
    return { generator, report };
  }

  /**
   * Re-runs the check (seller's "test again", or the probe). A pending or failing generator that
   * passes becomes active; an active one that fails becomes failing. Disabled ones are left alone.
   */
  async recheck(id: string): Promise<{ generator: Generator; report: ConformanceReport }> {
    const g = await this.row(id);
    if (g.kind !== 'remote')
      throw new AppError('GENERATOR_NOT_REMOTE', 'Only remote generators are checked');
    const report = await runConformance(await this.endpoint(id), this.conformance);
    const rows = await this.sql.transaction(async (tx) => {
      await tx.query(
        'insert into license_generator_checks (generator_id, passed, report) values ($1, $2, $3)',
        [id, report.passed, JSON.stringify(report)],
      );
      return tx.query<GeneratorRow>(
        `update license_generators
            set status = case when status = 'disabled' then status when $2 then 'active' else
                           case when status = 'active' then 'failing' else status end end,
                last_check = $3, last_checked_at = now(), updated_at = now()
          where id = $1 returning *`,
        [id, report.passed, JSON.stringify(report)],
      );
    });
    return { generator: toGenerator(rows[0] as GeneratorRow), report };
  }

  /** The endpoint and (opened) access key of a remote generator. */
  async endpoint(id: string): Promise<SellerEndpoint> {
    const g = await this.row(id);
    if (!g.endpoint_url || !g.sealed_access_key) {
      throw new AppError('GENERATOR_NOT_REMOTE', 'This generator has no endpoint');
    }
    return {
      url: g.endpoint_url,
      accessKey: unseal(g.sealed_access_key, this.wraps, `generator:${id}`).toString('utf8'),
    };
  }

  async get(id: string): Promise<Generator | undefined> {
    const rows = await this.sql.query<GeneratorRow>(
      'select * from license_generators where id = $1',
      [id],
    );
    return rows[0] && toGenerator(rows[0]);
  }

  /** A seller's generators, or all (operator), for the health views. */
  async list(sellerId?: string): Promise<Generator[]> {
    const rows = await this.sql.query<GeneratorRow>(
      sellerId === undefined
        ? 'select * from license_generators order by created_at desc, id'
        : 'select * from license_generators where seller_id = $1 order by created_at desc, id',
      sellerId === undefined ? [] : [sellerId],
    );
    return rows.map(toGenerator);
  }

  /** The latest checks of a generator, newest first (conformance runs and probes). */
  async checks(
    id: string,
    limit = 20,
  ): Promise<{ passed: boolean; report: ConformanceReport; at: string }[]> {
    const rows = await this.sql.query<{
      passed: boolean;
      report: ConformanceReport;
      at: Date | string;
    }>(
      'select passed, report, at from license_generator_checks where generator_id = $1 order by id desc limit $2',
      [id, limit],
    );
    return rows.map((r) => ({
      passed: r.passed,
      report: r.report,
      at: new Date(r.at).toISOString(),
    }));
  }

  /** Ids of remote generators the probe should dial-test (active and failing). */
  async probeTargets(): Promise<string[]> {
    const rows = await this.sql.query<{ id: string }>(
      `select id from license_generators where kind = 'remote' and status in ('active', 'failing') order by id`,
    );
    return rows.map((r) => r.id);
  }

  /** Links a product to a generator and sets its license rules. */
  async setProductSettings(
    sellerId: string,
    productId: string,
    s: {
      generatorId: string;
      graceDays?: number;
      retentionDays?: number;
      rebindLimit?: number;
      rebindWindowDays?: number;
    },
  ): Promise<void> {
    const owned = await this.sql.query<{ id: string }>(
      `select p.id from products p join license_generators g on g.seller_id = p.seller_id
        where p.id = $1 and p.seller_id = $2 and g.id = $3`,
      [productId, sellerId, s.generatorId],
    );
    if (owned.length === 0) throw new AppError('NOT_FOUND', 'No such product or generator');
    await this.sql.query(
      `insert into product_license_settings (product_id, generator_id, grace_days, retention_days, rebind_limit, rebind_window_days)
       values ($1, $2, $3, $4, $5, $6)
       on conflict (product_id) do update set generator_id = excluded.generator_id, grace_days = excluded.grace_days,
         retention_days = excluded.retention_days, rebind_limit = excluded.rebind_limit,
         rebind_window_days = excluded.rebind_window_days`,
      [
        productId,
        s.generatorId,
        s.graceDays ?? 15,
        s.retentionDays ?? 30,
        s.rebindLimit ?? 3,
        s.rebindWindowDays ?? 30,
      ],
    );
  }

  private async row(id: string): Promise<GeneratorRow> {
    const rows = await this.sql.query<GeneratorRow>(
      'select * from license_generators where id = $1',
      [id],
    );
    if (!rows[0]) throw new AppError('NOT_FOUND', 'No such generator');
    return rows[0];
  }
}

function checkName(name: string): string {
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > 100) {
    throw new AppError('VALIDATION_FAILED', 'name must be 1 to 100 characters');
  }
  return name.trim();
}

function checkTemplate(t: GeneratorTemplate): void {
  if (
    t.validityDays !== undefined &&
    (!Number.isInteger(t.validityDays) || t.validityDays < 1 || t.validityDays > 36500)
  ) {
    throw new AppError(
      'VALIDATION_FAILED',
      'validityDays must be a whole number of days from 1 to 36500',
    );
  }
  for (const [k, v] of Object.entries(t.features ?? {})) {
    if (k.length > 64 || !['string', 'number', 'boolean'].includes(typeof v)) {
      throw new AppError(
        'VALIDATION_FAILED',
        `feature ${k.slice(0, 64)} must be a string, number or boolean`,
      );
    }
  }
}
