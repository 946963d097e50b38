import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/api.js';

/** CSRF and form reading before any console handler acts. */
describe('console CSRF and forms', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers a form it cannot read with a 400 page, before sign-in as after', async () => {
    const token = 'A'.repeat(43);
    const broken = {
      'content-type': 'multipart/form-data; boundary=xyz',
      'x-csrf-token': token,
      cookie: `oc_signin_csrf=${token}`,
    };
    const res = await t.app.request('/console/sign-in', {
      method: 'POST',
      headers: broken,
      body: '--xyz\r\nContent-Disposition: form-data; name="apiKey"\r\n\r\nno end',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('Form not readable');
  });

  it('refuses a sign-in form whose token is not the cookie’s', async () => {
    const res = await t.app.request('/console/sign-in', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: `oc_signin_csrf=${'B'.repeat(43)}`,
      },
      body: `_csrf=${'C'.repeat(43)}&apiKey=x`,
    });
    expect(res.status).toBe(403);
  });
});
