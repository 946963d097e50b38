import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../helpers/api.js';
import { testWraps } from '../../../helpers/license/seed.js';
import { createLicenseServices } from '../../../../src/license/services.js';
import {
  startSampleGenerator,
  type SampleGenerator,
} from '../../../../src/sandbox/sample-generator.js';

interface Health {
  id: string;
  sellerId: string;
  sellerName: string;
  kind: string;
  name: string;
  status: string;
  lastCheck: { passed: boolean; checks: { name: string; ok: boolean }[] } | null;
  recentChecks: { at: string; passed: boolean }[];
}
interface Page {
  counts: Record<string, number>;
  items: Health[];
  next: string | null;
}

const ACCESS_KEY = 'G'.repeat(40);

describe('GET /v1/generator-health (operators)', () => {
  let t: TestApp;
  let operator: string;
  let acme: { key: string; sellerId: string };
  let sample: SampleGenerator;

  beforeAll(async () => {
    t = await startTestApp('pglite', (db) => ({
      license: createLicenseServices({
        sql: db,
        wraps: testWraps(),
        issuer: 'http://oneclick.test',
        // The sample generator listens on loopback, as in the sandbox.
        allowPrivateSellerEndpoints: true,
      }),
    }));
    operator = (await t.principal('operator')).key;
    const a = await t.principal('seller', 'Acme');
    acme = { key: a.key, sellerId: a.principal.sellerId! };
    const globex = (await t.principal('seller', 'Globex')).key;
    sample = await startSampleGenerator({ accessKey: ACCESS_KEY });
    const reg = await t.call('POST', '/v1/generators', {
      key: acme.key,
      body: { kind: 'remote', name: 'acme-remote', url: sample.url, accessKey: ACCESS_KEY },
    });
    expect(reg.status).toBe(201);
    const { generator } = (await reg.json()) as { generator: { id: string } };
    sample.setBehaviour({ idempotent: false });
    await t.call('POST', `/v1/generators/${generator.id}/check`, { key: acme.key });
    const built = await t.call('POST', '/v1/generators', {
      key: globex,
      body: { kind: 'built-in', name: 'globex-built-in' },
    });
    expect(built.status).toBe(201);
  });
  afterAll(async () => {
    await sample?.close();
    await t?.close();
  });

  const get = async (path: string) => {
    const res = await t.call('GET', path, { key: operator });
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as Page;
  };

  it('answers 403 FORBIDDEN to seller and buyer keys', async () => {
    const buyer = (await t.principal('buyer')).key;
    for (const key of [acme.key, buyer]) {
      expect((await t.call('GET', '/v1/generator-health', { key })).status).toBe(403);
    }
  });

  it("shows every seller's generators with their latest checks, never the access key", async () => {
    const page = await get('/v1/generator-health');
    expect(page.counts).toEqual({ active: 1, failing: 1, pending: 0, disabled: 0 });
    expect(page.items.map((g) => [g.name, g.sellerName, g.status])).toEqual([
      ['globex-built-in', 'Globex', 'active'],
      ['acme-remote', 'Acme', 'failing'],
    ]);
    const remote = page.items[1]!;
    expect(remote.recentChecks.map((c) => c.passed)).toEqual([false, true]);
    expect(remote.lastCheck?.passed).toBe(false);
    expect(remote.lastCheck?.checks.find((c) => c.name === 'idempotent-per-event')?.ok).toBe(false);
    expect(page.items[0]!.recentChecks).toEqual([]);
    expect(JSON.stringify(page)).not.toContain(ACCESS_KEY);
  });

  it('pages by cursor and filters by status and seller', async () => {
    const first = await get('/v1/generator-health?limit=1');
    expect(first.items).toHaveLength(1);
    expect(first.next).not.toBeNull();
    const second = await get(`/v1/generator-health?limit=1&cursor=${first.next}`);
    expect(second.items.map((g) => g.name)).toEqual(['acme-remote']);
    expect(second.next).toBeNull();
    expect((await get('/v1/generator-health?status=failing')).items.map((g) => g.name)).toEqual([
      'acme-remote',
    ]);
    const mine = await get(`/v1/generator-health?sellerId=${acme.sellerId}`);
    expect(mine.items.map((g) => g.name)).toEqual(['acme-remote']);
    expect(mine.counts).toEqual({ active: 0, failing: 1, pending: 0, disabled: 0 });
    const bad = await t.call('GET', '/v1/generator-health?status=sleeping', { key: operator });
    expect(bad.status).toBe(400);
  });
});
