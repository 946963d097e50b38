import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../../helpers/api.js';
import { consoleSignIn } from '../../../../helpers/console-session.js';
import { testWraps } from '../../../../helpers/license/seed.js';
import { createLicenseServices } from '../../../../../src/license/services.js';

/** The AK/SK pages through the whole app: the SK crosses the redirect sealed, and only once. */
describe('console API credentials', () => {
  let t: TestApp;
  let key: string;

  const cookieOf = (res: Response, name: string) =>
    res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));

  async function browser() {
    const { cookie, csrf } = await consoleSignIn(t.app, key);
    return { cookie, csrf };
  }

  beforeAll(async () => {
    t = await startTestApp('pglite', (db) => ({
      license: createLicenseServices({ sql: db, wraps: testWraps(), issuer: 'http://x.test' }),
    }));
    key = (await t.principal('seller', 'acme')).key;
  });
  afterAll(() => t?.close());

  it('shows a new SK on the page the form leads to, once, to that session only', async () => {
    const me = await browser();
    const created = await t.app.request('/console/seller/credentials', {
      method: 'POST',
      headers: { cookie: me.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: me.csrf, _idem: 'console-test-1' }).toString(),
    });
    expect(created.status).toBe(303);
    expect(created.headers.get('location')).toBe('/console/seller/credentials');
    const once = cookieOf(created, 'oc_sk_once')!;
    expect(once).toMatch(/HttpOnly/);
    expect(once).toMatch(/SameSite=Strict/);
    expect(once).toMatch(/Path=\/console\/seller\/credentials/);
    expect(once).toMatch(/Max-Age=120/);
    const sealed = once.split(';')[0]!;

    // Another session of the same seller cannot open it.
    const other = await browser();
    const elsewhere = await t.app.request('/console/seller/credentials', {
      headers: { cookie: `${other.cookie}; ${sealed}` },
    });
    expect(await elsewhere.text()).not.toContain('id="new-sk"');

    const shown = await t.app.request('/console/seller/credentials', {
      headers: { cookie: `${me.cookie}; ${sealed}` },
    });
    expect(shown.headers.get('cache-control')).toBe('no-store');
    expect(cookieOf(shown, 'oc_sk_once')).toMatch(/Max-Age=0/);
    const html = await shown.text();
    const ak = /<code id="new-ak">([A-Z0-9]+)<\/code>/.exec(html)![1]!;
    const sk = /<code id="new-sk">([^<]+)<\/code>/.exec(html)![1]!;
    expect(sealed).not.toContain(sk);
    expect((await t.deps.license!.credentials.lookup(ak))?.sk).toBe(sk);

    const again = await t.app.request('/console/seller/credentials', {
      headers: { cookie: me.cookie },
    });
    const later = await again.text();
    expect(later).not.toContain(sk);
    expect(later).toContain(ak);
  });
});
