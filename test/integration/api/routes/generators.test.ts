import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../helpers/api.js';
import { createLicenseServices } from '../../../../src/license/services.js';
import { wrappingKeysFrom } from '../../../../src/license/wrapping-keys.js';

/** Outside the sandbox (the default), as a seller registering a remote generator would. */
describe('registering a remote generator', () => {
  let t: TestApp;
  let seller: string;
  beforeAll(async () => {
    t = await startTestApp('pglite', (db) => ({
      license: createLicenseServices({
        sql: db,
        wraps: wrappingKeysFrom({ activeId: 'k1', keys: new Map([['k1', randomBytes(32)]]) }),
        issuer: 'http://oneclick.test',
      }),
    }));
    seller = (await t.principal('seller', 'acme')).key;
  });
  afterAll(async () => {
    await t.close();
  });

  const register = (url: string) =>
    t.call('POST', '/v1/generators', {
      key: seller,
      body: { kind: 'remote', name: 'gen', url, accessKey: 'K'.repeat(32) },
    });

  it.each([
    ['http://127.0.0.1:1/', 'GENERATOR_URL_NOT_HTTPS'],
    ['http://seller.example.com/gen', 'GENERATOR_URL_NOT_HTTPS'],
    ['https://127.0.0.1:1/', 'GENERATOR_URL_FORBIDDEN'],
    ['https://localhost:8443/', 'GENERATOR_URL_FORBIDDEN'],
    ['https://[::1]/', 'GENERATOR_URL_FORBIDDEN'],
    ['https://[::ffff:127.0.0.1]/', 'GENERATOR_URL_FORBIDDEN'],
    ['https://169.254.169.254/latest/meta-data', 'GENERATOR_URL_FORBIDDEN'],
    ['https://192.168.0.10/', 'GENERATOR_URL_FORBIDDEN'],
    ['https://[fd00::1]/', 'GENERATOR_URL_FORBIDDEN'],
  ])('answers 400 to %s with %s and stores nothing', async (url, code) => {
    const res = await register(url);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code } });
    expect(await t.db.query('select id from license_generators')).toHaveLength(0);
  });
});
