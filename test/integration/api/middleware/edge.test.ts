import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveApi } from '../../../../src/api/server.js';
import { createLicenseServices } from '../../../../src/license/services.js';
import { wrappingKeysFrom } from '../../../../src/license/wrapping-keys.js';
import { signedQuery } from '../../../../src/marketplace/signing.js';
import { createDirectoryPackageStore } from '../../../../src/packages/directory-store.js';
import { MARKETPLACE_KEY, startTestApp, type TestApp } from '../../../helpers/api.js';

interface Operation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, unknown> };
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
}
interface Answer {
  status: number;
  body: { error?: { code: string; requestId: string }; error_code?: string };
  allow: string | null;
}

const OPEN_API_CATCH_ALL = '/{version}/license/{op}';

describe('the edge (over HTTP, every answer held to the contract)', () => {
  let t: TestApp;
  let server: ServerType;
  let base: string;
  let root: string;
  let operator: string;
  let doc: Document;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'edge-'));
    t = await startTestApp('pglite', (db) => ({
      license: createLicenseServices({
        sql: db,
        wraps: wrappingKeysFrom({ activeId: 'k1', keys: new Map([['k1', randomBytes(32)]]) }),
        issuer: 'http://oneclick.test',
      }),
      packageStore: createDirectoryPackageStore(root),
    }));
    operator = (await t.principal('operator')).key;
    server = await serveApi({ fetch: t.app.fetch, hostname: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    doc = (await (await fetch(`${base}/openapi.json`)).json()) as Document;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await t.close();
    await rm(root, { recursive: true, force: true });
  });

  async function send(
    method: string,
    url: string,
    body?: string,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${operator}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(method !== 'GET' && method !== 'HEAD' && { body }),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text ? (JSON.parse(text) as Answer['body']) : {},
      allow: res.headers.get('allow'),
    };
  }

  /** Every documented operation but the open API's catch-all (KooGallery's 405 for anything). */
  const operations = () =>
    Object.entries(doc.paths).flatMap(([p, item]) =>
      p.endsWith(OPEN_API_CATCH_ALL)
        ? []
        : Object.entries(item).map(([m, op]) => ({ path: p, method: m.toUpperCase(), op })),
    );
  const url = (p: string, param = 'x') => p.replace(/\{[^}]+\}/g, param);

  /** Our envelope's 400, or the open API's own 400 envelope on its operations. */
  function expectRefused(a: Answer, where: string) {
    expect({ where, status: a.status }).toEqual({ where, status: 400 });
    if (where.includes('/api/mkp-openapi-public/')) expect(a.body.error_code).toBe('92020002');
    else expect(a.body.error?.code).toBe('VALIDATION_FAILED');
  }

  it('answers 400 to a NUL in any path parameter of every route', async () => {
    const withParams = operations().filter((o) => o.path.includes('{'));
    expect(withParams.length).toBeGreaterThan(15);
    for (const o of withParams) {
      const where = `${o.method} ${url(o.path, 'a%00b')}`;
      expectRefused(await send(o.method, url(o.path, 'a%00b'), '{}'), where);
    }
  });

  it('answers 400 to a NUL in a query parameter of every route', async () => {
    for (const o of operations()) {
      const name = o.op.parameters?.find((x) => x.in === 'query')?.name ?? 'q';
      const target = `${url(o.path)}?${name}=a%00b`;
      expectRefused(await send(o.method, target, '{}'), `${o.method} ${target}`);
    }
  });

  it('answers 400 to a NUL in a JSON string at any depth of every JSON body', async () => {
    const withBody = operations().filter((o) => o.op.requestBody?.content['application/json']);
    expect(withBody.length).toBeGreaterThan(10);
    const body = JSON.stringify({ a: { b: [{ c: 'x\u0000y' }] } });
    for (const o of withBody) {
      expectRefused(await send(o.method, url(o.path), body), `${o.method} ${o.path} body`);
    }
    // A NUL in a key, and a raw NUL byte, likewise.
    expectRefused(await send('POST', '/v1/products', '{"a\\u0000":1}'), 'POST /v1/products key');
    expectRefused(await send('POST', '/v1/products', '{"a":"\0"}'), 'POST /v1/products raw');
  });

  it('answers 400 to a correctly signed marketplace body holding a NUL', async () => {
    const raw = JSON.stringify({ orderId: 'o\u0000', orderLineId: 'l', customerId: 'c' });
    const q = signedQuery(MARKETPLACE_KEY, raw, Date.now());
    expectRefused(
      await send('POST', `/marketplace/v1/orders/paid?${q.toString()}`, raw),
      'signed paid',
    );
  });

  it('keeps text without NUL (an escaped backslash before u0000 is not one)', async () => {
    const seller = (await t.principal('seller', 'edge')).key;
    const a = await send('POST', '/v1/products', JSON.stringify({ name: '\\u0000' }), {
      authorization: `Bearer ${seller}`,
    });
    expect([a.status, a.body.error?.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(JSON.stringify(a.body)).not.toContain('NUL');
  });

  it('answers 405 METHOD_NOT_ALLOWED with Allow for another method on a known path', async () => {
    const a = await send('DELETE', '/v1/orders');
    expect(a.status).toBe(405);
    expect(a.allow).toBe('GET, HEAD');
    expect(a.body.error?.code).toBe('METHOD_NOT_ALLOWED');
    const b = await send('PATCH', '/v1/orders/any-id/deployments/current/cancel');
    expect(b.status).toBe(405);
    expect(b.allow).toBe('POST');
    const c = await send('PUT', '/openapi.json');
    expect([c.status, c.allow, c.body.error?.code]).toEqual([
      405,
      'GET, HEAD',
      'METHOD_NOT_ALLOWED',
    ]);
    // An unknown path stays 404.
    expect((await send('DELETE', '/v1/nowhere')).status).toBe(404);
  });

  it("keeps the open API's own 405 for other methods and operations", async () => {
    const a = await send('GET', '/api/mkp-openapi-public/global/v1/license/activate');
    expect(a.status).toBe(405);
    expect(a.body.error_code).toBeDefined();
  });

  it('answers 414 URI_TOO_LONG in the envelope for a URL over the limit', async () => {
    const a = await send('GET', `/v1/orders?x=${'a'.repeat(9000)}`);
    expect(a.status).toBe(414);
    expect(a.body.error?.code).toBe('URI_TOO_LONG');
  });
});
