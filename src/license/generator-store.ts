import type { Sql } from '../db/sql.js';
import { newId } from '../db/ids.js';
import {
  applyGeneratorCheck,
  findGeneratorAccess,
  getGenerator,
  insertGenerator,
  insertGeneratorCheck,
  listGeneratorChecks,
  listGenerators,
  listProbeTargets,
  sellerOwnsProductAndGenerator,
  upsertProductLicenseSettings,
  type Generator,
  type GeneratorTemplate,
  type ProductLicenseSettings,
} from '../db/repositories/generators.js';
import { AppError } from '../errors.js';
import { appendAudit } from './audit-log.js';
import { checkSellerEndpoint } from './generator-address.js';
import type { SellerEndpoint } from './generator-client.js';
import { runConformance, type ConformanceReport } from './generator-conformance.js';
import { seal, unseal, type WrappingKey } from './seal.js';

/**
 * Sellers' license generators. A built-in generator is a template OneClick signs with the seller's
 * key; a remote one is an endpoint that becomes active only after passing the conformance check,
 * and that the generatorProbe schedule keeps checking.
 */

const ACCESS_KEY_PATTERN = /^[\x21-\x7E]{16,128}$/;

export class GeneratorStore {
  constructor(
    private readonly sql: Sql,
    private readonly wraps: readonly WrappingKey[],
    private readonly conformance: {
      timeoutMs?: number;
      /** The sandbox: endpoints on this machine or a private network are allowed. */
      allowPrivateNetwork?: boolean;
    } = {},
  ) {}

  private get allowPrivateNetwork(): boolean {
    return this.conformance.allowPrivateNetwork ?? false;
  }

  /** Registers a built-in generator (active at once: OneClick itself signs). */
  async createBuiltIn(
    sellerId: string,
    name: string,
    template: GeneratorTemplate,
  ): Promise<Generator> {
    checkTemplate(template);
    return this.sql.transaction(async (tx) => {
      const g = await insertGenerator(tx, {
        id: newId('gen'),
        sellerId,
        name: checkName(name),
        template,
        status: 'active',
      });
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
    await checkSellerEndpoint(input.url, { allowPrivateNetwork: this.allowPrivateNetwork });
    if (!ACCESS_KEY_PATTERN.test(input.accessKey)) {
      throw new AppError('VALIDATION_FAILED', 'accessKey must be 16 to 128 printable characters');
    }
    checkTemplate(input.template ?? {});
    const id = newId('gen');
    const report = await runConformance(
      {
        url: input.url,
        accessKey: input.accessKey,
        allowPrivateNetwork: this.allowPrivateNetwork,
      },
      this.conformance,
    );
    const generator = await this.sql.transaction(async (tx) => {
      const g = await insertGenerator(tx, {
        id,
        sellerId,
        name: checkName(input.name),
        template: input.template ?? {},
        status: report.passed ? 'active' : 'pending',
        remote: {
          url: input.url,
          sealedAccessKey: seal(input.accessKey, this.wraps[0] as WrappingKey, `generator:${id}`),
          report,
        },
      });
      await insertGeneratorCheck(tx, id, report);
      await appendAudit(tx, {
        actor: `seller:${sellerId}`,
        action: 'generator.registered',
        subject: id,
        data: { kind: 'remote', passed: report.passed },
      });
      return g;
    });
    return { generator, report };
  }

  /**
   * Re-runs the check (seller's "test again", or the probe). A pending or failing generator that
   * passes becomes active; an active one that fails becomes failing. Disabled ones are left alone.
   */
  async recheck(id: string): Promise<{ generator: Generator; report: ConformanceReport }> {
    const g = await getGenerator(this.sql, id);
    if (!g) throw notFound();
    if (g.kind !== 'remote') {
      throw new AppError('GENERATOR_NOT_REMOTE', 'Only remote generators are checked');
    }
    const report = await runConformance(await this.endpoint(id), this.conformance);
    const generator = await this.sql.transaction(async (tx) => {
      await insertGeneratorCheck(tx, id, report);
      return applyGeneratorCheck(tx, id, report);
    });
    return { generator, report };
  }

  /** The endpoint and (opened) access key of a remote generator. */
  async endpoint(id: string): Promise<SellerEndpoint> {
    const access = await findGeneratorAccess(this.sql, id);
    if (!access) throw notFound();
    if (!access.endpointUrl || !access.sealedAccessKey) {
      throw new AppError('GENERATOR_NOT_REMOTE', 'This generator has no endpoint');
    }
    return {
      url: access.endpointUrl,
      accessKey: unseal(access.sealedAccessKey, this.wraps, `generator:${id}`).toString('utf8'),
      allowPrivateNetwork: this.allowPrivateNetwork,
    };
  }

  get(id: string): Promise<Generator | undefined> {
    return getGenerator(this.sql, id);
  }

  /** A seller's generators, or all (operator), for the health views. */
  list(sellerId?: string): Promise<Generator[]> {
    return listGenerators(this.sql, sellerId);
  }

  /** The latest checks of a generator, newest first (conformance runs and probes). */
  checks(
    id: string,
    limit = 20,
  ): Promise<{ passed: boolean; report: ConformanceReport; at: string }[]> {
    return listGeneratorChecks(this.sql, id, limit);
  }

  /** Ids of remote generators the probe should dial-test (active and failing). */
  probeTargets(): Promise<string[]> {
    return listProbeTargets(this.sql);
  }

  /** Links a product to a generator and sets its license rules. */
  async setProductSettings(
    sellerId: string,
    productId: string,
    s: ProductLicenseSettings,
  ): Promise<void> {
    const owned = await sellerOwnsProductAndGenerator(this.sql, {
      sellerId,
      productId,
      generatorId: s.generatorId,
    });
    if (!owned) throw new AppError('NOT_FOUND', 'No such product or generator');
    await upsertProductLicenseSettings(this.sql, productId, s);
  }
}

const notFound = () => new AppError('NOT_FOUND', 'No such generator');

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
