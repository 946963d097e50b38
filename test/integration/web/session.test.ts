import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/api.js';
import { revokeApiKey } from '../../../src/db/repositories/principals.js';

/** Console sessions through the app: cookies, expiry, revocation, sign-out, where sign-in leads. */
describe('console sessions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const cookieOf = (res: Response, name: string) =>
    res.headers
      .getSetCookie()
      .find((c) => c.startsWith(`${name}=`))
      ?.split(';')[0];

  async function signIn(
    key: string,
    opts: { next?: string; headers?: Record<string, string> } = {},
  ) {
    const form = await t.app.request('/console/sign-in', { headers: opts.headers });
    const csrf = cookieOf(form, 'oc_signin_csrf')!;
    return t.app.request('/console/sign-in', {
      method: 'POST',
      headers: {
        ...opts.headers,
        cookie: csrf,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        _csrf: csrf.split('=')[1]!,
        apiKey: key,
        ...(opts.next && { next: opts.next }),
      }).toString(),
    });
  }

  const open = (cookie: string, path = '/console/buyer/orders') =>
    t.app.request(path, { headers: { cookie } });

  it('sets an HttpOnly, SameSite=Strict cookie, Secure when the browser came over https', async () => {
    const { key } = await t.principal('buyer', 'plain');
    const plain = (await signIn(key)).headers.getSetCookie().join('\n');
    expect(plain).toMatch(/oc_session=[^;]+;.*HttpOnly/);
    expect(plain).toMatch(/SameSite=Strict/);
    expect(plain).not.toMatch(/Secure/);
    const tls = await signIn(key, { headers: { 'x-forwarded-proto': 'https' } });
    expect(tls.headers.getSetCookie().find((c) => c.startsWith('oc_session='))).toMatch(/Secure/);
  });

  it('ends when it expires, when its key is revoked, and when the browser signs out', async () => {
    const { principal, key } = await t.principal('buyer', 'ending');
    const expiring = cookieOf(await signIn(key), 'oc_session')!;
    expect((await open(expiring)).status).not.toBe(303);
    await t.db.query(
      "update console_sessions set expires_at = now() - interval '1 second' where key_hash = (select key_hash from api_keys where principal_id = $1)",
      [principal.id],
    );
    const expired = await open(expiring);
    expect(expired.status).toBe(303);
    expect(expired.headers.get('location')).toBe(
      '/console/sign-in?next=%2Fconsole%2Fbuyer%2Forders',
    );

    const live = cookieOf(await signIn(key), 'oc_session')!;
    const keys = await t.db.query<{ id: string }>(
      'select id from api_keys where principal_id = $1',
      [principal.id],
    );
    expect(keys).toHaveLength(1);
    await revokeApiKey(t.db, keys[0]!.id);
    expect((await open(live)).status).toBe(303);
  });

  it('signs out only with the session’s CSRF token, and then the cookie opens nothing', async () => {
    const { key } = await t.principal('buyer', 'leaving');
    const cookie = cookieOf(await signIn(key), 'oc_session')!;
    const page = await (await open(cookie)).text();
    const token = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    const post = (body: Record<string, string>, headers: Record<string, string> = {}) =>
      t.app.request('/console/sign-out', {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(body).toString(),
      });
    expect((await post({})).status).toBe(403);
    expect((await post({ _csrf: 'x'.repeat(token.length) })).status).toBe(403);
    expect((await post({ _csrf: token }, { origin: 'https://elsewhere.example' })).status).toBe(
      403,
    );
    expect((await open(cookie)).status).not.toBe(303);
    const out = await post({ _csrf: token });
    expect(out.status).toBe(303);
    expect((await open(cookie)).status).toBe(303);
    const rows = await t.db.query(
      'select 1 from console_sessions s join api_keys k on k.key_hash = s.key_hash join principals p on p.id = k.principal_id where p.name = $1',
      ['leaving'],
    );
    expect(rows).toEqual([]);
  });

  it('follows `next` only to a console page, never to another site', async () => {
    const { key } = await t.principal('buyer', 'going');
    const to = async (next: string) => (await signIn(key, { next })).headers.get('location');
    expect(await to('/console/buyer/cloud-accounts')).toBe('/console/buyer/cloud-accounts');
    expect(await to('//evil.example/console')).toBe('/console/buyer/orders');
    expect(await to('https://evil.example/')).toBe('/console/buyer/orders');
    expect(await to('/console/\\evil')).toBe('/console/buyer/orders');
  });

  it('answers a wrong key with the form again (400) and no session', async () => {
    const res = await signIn('ock_nope');
    expect(res.status).toBe(400);
    expect(cookieOf(res, 'oc_session')).toBeUndefined();
    expect(await res.text()).toContain('unknown or revoked');
  });
});
