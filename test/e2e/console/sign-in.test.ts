import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../../helpers/api.js';
import { launchChromium, lookAt, newContext, serveHttp, signIn } from '../../helpers/browser.js';

/** Sign-in, sign-out, sessions, CSRF and the language: the console's frame, in chromium. */
describe('console sign-in', () => {
  let t: TestApp;
  let server: Awaited<ReturnType<typeof serveHttp>>;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestApp();
    server = await serveHttp(t.app.fetch);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
  });

  it('signs a buyer in with a key, keeps a session cookie (not the key), and signs out', async () => {
    const { key } = await t.principal('buyer', 'Lin');
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    await lookAt(page, 'sign-in');
    await page.getByLabel('API key').fill('not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('unknown or revoked');
    await lookAt(page, 'sign-in-error');

    await signIn(page, server.url, key);
    expect(new URL(page.url()).pathname).toBe('/console/buyer/orders');
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'oc_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(session!.value).not.toContain(key);
    await expect.poll(() => page.getByText('Signed in as Lin').count()).toBe(1);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/sign-in/);
    await page.goto(`${server.url}/console/buyer/orders`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    // The old cookie no longer opens anything, even when replayed.
    const replay = await t.app.request('/console/buyer/orders', {
      headers: { cookie: `oc_session=${session!.value}` },
    });
    expect(replay.status).toBe(303);
    await context.close();
  });

  it('refuses a form posted without the CSRF token, and one from another origin', async () => {
    const { key } = await t.principal('buyer', 'Mo');
    const context = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, server.url, key);
    const cookie = (await context.cookies()).find((c) => c.name === 'oc_session')!.value;
    const noToken = await fetch(`${server.url}/console/sign-out`, {
      method: 'POST',
      headers: {
        cookie: `oc_session=${cookie}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: '',
      redirect: 'manual',
    });
    expect(noToken.status).toBe(403);
    expect(await noToken.text()).toContain('Form expired');
    // Still signed in: the refused sign-out did nothing.
    await page.reload();
    expect(new URL(page.url()).pathname).toBe('/console/buyer/orders');
    await context.close();
  });

  it('speaks Chinese to a browser that asks for it, and switches on request', async () => {
    const context = await newContext(browser, { locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${server.url}/console/sign-in`);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('登录');
    await lookAt(page, 'sign-in-zh');
    await page.getByRole('link', { name: 'English' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in');
    await context.close();
  });

  it('is usable from the keyboard: skip link, then the key field, then sign in', async () => {
    const { key } = await t.principal('operator', 'Kay');
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${server.url}/console/sign-in`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement.id')).toBe('main');
    // From the main landmark the next stop is the key field; Enter submits the form.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.name')).toBe('apiKey');
    await page.keyboard.type(key);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/console\/operator\//);
    await context.close();
  });

  it('answers a page of the wrong role with 403 and an unknown page with 404', async () => {
    const { key } = await t.principal('seller', 'Acme');
    const context = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, server.url, key);
    const forbidden = await page.goto(`${server.url}/console/operator/deployments`);
    expect(forbidden!.status()).toBe(403);
    const missing = await page.goto(`${server.url}/console/nowhere`);
    expect(missing!.status()).toBe(404);
    await lookAt(page, 'not-found');
    await context.close();
  });
});
