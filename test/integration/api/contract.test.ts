import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/api/app.js';
import { createCloudConnector } from '../../../src/cloud/connector.js';
import { createCloudAccountSource } from '../../../src/db/repositories/cloud-accounts.js';
import { contractCheck } from '../../../src/api/contract-check.js';
import { defineRoute, ok, resourceRoutes } from '../../../src/api/contract.js';
import { httpStatusFor, onError } from '../../../src/api/errors.js';
import { requestContext } from '../../../src/api/middleware/request-context.js';
import type { Database } from '../../../src/db/sql.js';
import { AppError } from '../../../src/errors.js';
import { createLicenseServices } from '../../../src/license/services.js';
import { wrappingKeysFrom } from '../../../src/license/wrapping-keys.js';
import { createLogger } from '../../../src/logger.js';
import { createDirectoryPackageStore } from '../../../src/packages/directory-store.js';
import { startTestApp, type TestApp } from '../../helpers/api.js';
import { testKeyring } from '../../helpers/deploy.js';

interface Operation {
  responses: Record<
    string,
    {
      content?: Record<
        string,
        { schema?: { properties?: { error?: { properties?: { code?: { enum?: string[] } } } } } }
      >;
    }
  >;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** A database whose queries matching `when` fail with `error` while `fault.on` is set. */
function faulty(db: Database, when: RegExp, error: () => Error, fault: { on: boolean }): Database {
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== 'query') return Reflect.get(target, prop, receiver) as unknown;
      return (text: string, params?: unknown[]) =>
        fault.on && when.test(text) ? Promise.reject(error()) : target.query(text, params);
    },
  });
}

describe('the API contract', () => {
  let t: TestApp;
  let doc: Document;
  let root: string;
  let operator: string;
  const fault = { on: false, error: (): Error => new AppError('RATE_LIMITED', 'slow down') };

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'contract-'));
    // Every optional part mounted, so every route the app can serve is served here.
    t = await startTestApp('pglite', (db) => ({
      db: faulty(db, /from orders/, () => fault.error(), fault),
      license: createLicenseServices({
        sql: db,
        wraps: wrappingKeysFrom({ activeId: 'k1', keys: new Map([['k1', randomBytes(32)]]) }),
        issuer: 'http://oneclick.test',
      }),
      packageStore: createDirectoryPackageStore(root),
      // The cloud account routes and form lists mount with a connector; these checks call no cloud.
      cloud: createCloudConnector({
        own: { ak: 'CONTRACTTESTAK', sk: 'contract-test-sk', projectId: 'p'.repeat(32) },
        defaultRegion: 'cn-north-4',
        accounts: createCloudAccountSource(db, testKeyring()),
      }),
      secretsKeyring: testKeyring(),
    }));
    operator = (await t.principal('operator')).key;
    doc = (await (await t.call('GET', '/openapi.json')).json()) as Document;
  });
  afterAll(async () => {
    await t.close();
    await rm(root, { recursive: true, force: true });
  });

  it('documents every route the app serves', () => {
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([p, item]) =>
        Object.keys(item).map((m) => `${m.toUpperCase()} ${p.replace(/\{([^}]+)\}/g, ':$1')}`),
      ),
    );
    // The console's HTML pages (and `/`, which sends a browser there) are not the JSON API.
    const endpoints = t.app.routes.filter(
      (r) => !r.path.endsWith('*') && r.path !== '/' && !r.path.startsWith('/console'),
    );
    expect(endpoints.length).toBeGreaterThan(40);
    const missing = endpoints.flatMap((r) =>
      (r.method === 'ALL' ? METHODS.map((m) => m.toUpperCase()) : [r.method])
        .map((m) => `${m} ${r.path}`)
        .filter((key) => !documented.has(key)),
    );
    expect(missing).toEqual([]);
    // And the other way round: nothing is documented that no route serves.
    const served = new Set(endpoints.map((r) => `${r.method} ${r.path}`));
    const phantom = [...documented].filter(
      (key) => !served.has(key) && !served.has(`ALL ${key.split(' ')[1]}`),
    );
    expect(phantom).toEqual([]);
  });

  it('gives every operation a success answer and derives each error status from the status table', () => {
    const wrong: string[] = [];
    for (const [p, item] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(item)) {
        // Only the open API's catch-all (KooGallery's 405) has no success answer.
        const success = Object.keys(op.responses).some((s) => s.startsWith('2'));
        if (!success && !p.endsWith('/{version}/license/{op}')) wrong.push(`${m} ${p}: no 2xx`);
        for (const [status, response] of Object.entries(op.responses)) {
          const codes =
            response.content?.['application/json']?.schema?.properties?.error?.properties?.code
              ?.enum ?? [];
          for (const code of codes) {
            if (String(httpStatusFor(code)) !== status) wrong.push(`${m} ${p} ${status} ${code}`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('documents query and path parameters, JSON bodies and raw package uploads', () => {
    const params = (p: string, m: string) =>
      ((doc.paths[p]?.[m] as { parameters?: { name: string; in: string }[] }).parameters ?? []).map(
        (x) => `${x.in}:${x.name}`,
      );
    expect(params('/v1/orders', 'get')).toEqual(['query:limit', 'query:cursor']);
    expect(params('/v1/orders/{id}', 'get')).toEqual(['path:id']);
    expect(params('/marketplace/v1/orders/paid', 'post')).toEqual(
      expect.arrayContaining(['query:signature', 'query:timestamp', 'query:nonce']),
    );
    const body = (p: string, m: string) =>
      Object.keys(
        (doc.paths[p]?.[m] as { requestBody?: { content: object } }).requestBody?.content ?? {},
      );
    expect(body('/v1/packages', 'post')).toEqual(['application/octet-stream']);
    expect(body('/v1/products', 'post')).toEqual(['application/json']);
    expect(body('/api/mkp-openapi-public/global/v1/license/activate', 'post')).toEqual([
      'application/json',
    ]);
    expect(Object.keys(doc.paths['/v1/products']?.post?.responses ?? {})).toContain('201');
    expect(
      Object.keys(doc.paths['/v1/keys/api-credentials/{ak}']?.delete?.responses ?? {}),
    ).toContain('204');
    expect(
      Object.keys(doc.paths['/v1/orders/{id}/deployments/current/cancel']?.post?.responses ?? {}),
    ).toContain('202');
  });

  describe('an answer the route does not declare', () => {
    it('is refused as 500 UNDECLARED_RESPONSE when its status is not documented', async () => {
      fault.on = true;
      fault.error = () => new AppError('RATE_LIMITED', 'slow down'); // 429: not a GET /v1/orders answer
      try {
        const res = await t.call('GET', '/v1/orders', { key: operator });
        expect(res.status).toBe(500);
        const body = (await res.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe('UNDECLARED_RESPONSE');
        expect(body.error.message).toContain('status 429');
      } finally {
        fault.on = false;
      }
      expect((await t.call('GET', '/v1/orders', { key: operator })).status).toBe(200);
    });

    it('is refused when its status is documented but not with that error code', async () => {
      fault.on = true;
      // 404 is a GET /v1/orders/{id} answer, but only with NOT_FOUND.
      fault.error = () => new AppError('PACKAGE_NOT_FOUND', 'no package');
      try {
        const res = await t.call('GET', '/v1/orders/ord_x', { key: operator });
        expect(res.status).toBe(500);
        expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
          'status 404 with code PACKAGE_NOT_FOUND',
        );
      } finally {
        fault.on = false;
      }
    });

    it('passes untouched without the check (createApp without checkContract)', async () => {
      const plain = createApp({
        ...t.deps,
        db: faulty(t.db, /from orders/, () => new AppError('RATE_LIMITED', 'slow'), { on: true }),
      });
      const res = await plain.request('/v1/orders', {
        headers: { authorization: `Bearer ${operator}` },
      });
      expect(res.status).toBe(429);
    });

    it('is refused for an undeclared success status too', async () => {
      const routes = resourceRoutes().openapi(
        defineRoute({
          method: 'get',
          path: '/thing',
          summary: 'declares 200, answers 201',
          auth: 'none',
          errors: [],
          responses: { 200: ok('the thing') },
        }),
        (c) => c.json({}, 201),
      );
      const app = resourceRoutes();
      app.use('*', requestContext({ ...t.deps, logger: createLogger('silent') }));
      app.use(
        '*',
        contractCheck(() =>
          app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 't', version: '0' } }),
        ),
      );
      app.onError(onError);
      app.route('/', routes);
      const res = await app.request('/thing');
      expect(res.status).toBe(500);
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
        'status 201',
      );
    });
  });
});
