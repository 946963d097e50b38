import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/api.js';
import { consoleSignIn } from '../../helpers/console-session.js';
import { createLicenseServices } from '../../../src/license/services.js';
import { testWraps } from '../../helpers/license/seed.js';
import { createDirectoryPackageStore } from '../../../src/packages/directory-store.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Every console route, as each role, with garbage: unknown and hostile ids, odd query strings,
 * forms full of the wrong things (with a valid CSRF token, so the handlers run). The console must
 * answer a page or a redirect, never a 5xx, as the API's fuzzing asks of the API.
 */
const GARBAGE_IDS = [
  'x',
  'ord_nope',
  '%00',
  '..%2F..%2Fetc',
  "'; drop table orders; --",
  'ü'.repeat(300),
];
const GARBAGE_QUERIES = [
  '',
  '?cursor=%%%&limit=-1',
  '?limit=99999999999&status=<script>',
  '?cursor=eyJ4Ijp9&marker=%FF&region=../../',
  '?lang=zz&next=//evil',
];
const GARBAGE_FORMS: Record<string, string>[] = [
  {},
  { name: '', apiKey: '\u0000', region: 'x'.repeat(5000), password: '1' },
  { 'server[kind]': 'existing', flavor: '<b>', ports: 'a,b,-1', bandwidthSize: '-5', reason: '' },
];

describe('the console under garbage', () => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'oc-console-fuzz-'));
    t = await startTestApp('pglite', (db) => ({
      license: createLicenseServices({ sql: db, wraps: testWraps(), issuer: 'http://127.0.0.1' }),
      packageStore: createDirectoryPackageStore(dir),
    }));
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every route for every role without a 5xx', async () => {
    const routes = t.app.routes
      .filter((r) => r.path.startsWith('/console') && !r.path.endsWith('*'))
      .filter((r) => r.method === 'GET' || r.method === 'POST' || r.method === 'PUT');
    expect(routes.length).toBeGreaterThan(5);
    const failures: string[] = [];
    for (const role of ['buyer', 'seller', 'operator'] as const) {
      const { key } = await t.principal(role, `fuzz-${role}`);
      const { cookie, csrf: token } = await consoleSignIn(t.app, key);
      for (const route of routes) {
        for (const id of GARBAGE_IDS) {
          const p = route.path.replace(/:[A-Za-z]+/g, encodeURIComponent(id));
          for (const q of route.method === 'GET' ? GARBAGE_QUERIES : ['']) {
            const forms = route.method === 'GET' ? [undefined] : GARBAGE_FORMS;
            for (const form of forms) {
              const res = await t.app.request(`${p}${q}`, {
                method: route.method,
                headers: {
                  cookie,
                  'x-csrf-token': token,
                  ...(form && { 'content-type': 'application/x-www-form-urlencoded' }),
                },
                ...(form && { body: new URLSearchParams(form).toString() }),
              });
              if (res.status >= 500) {
                failures.push(
                  `${role} ${route.method} ${p}${q} → ${res.status} ${(await res.text()).slice(0, 200)}`,
                );
              }
              // Live streams answer 200 and keep going: read nothing more, cancel them.
              await res.body?.cancel();
            }
          }
        }
      }
    }
    expect(failures).toEqual([]);
  }, 600_000);
});
