import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../../helpers/api.js';
import { launchChromium, lookAt, newContext, serveHttp, signIn } from '../../helpers/browser.js';
import { testWraps } from '../../helpers/license/seed.js';
import { createLicenseServices, type LicenseServices } from '../../../src/license/services.js';

/** A seller's signing keys and open-API credentials in chromium. */
describe('seller catalog: signing keys and API credentials', () => {
  let t: TestApp;
  let license: LicenseServices;
  let server: Awaited<ReturnType<typeof serveHttp>>;
  let browser: Browser;
  let sellerKey: string;

  beforeAll(async () => {
    t = await startTestApp('pglite', (db) => {
      license = createLicenseServices({
        sql: db,
        wraps: testWraps(),
        issuer: 'http://oneclick.test',
      });
      return { license };
    });
    server = await serveHttp(t.app.fetch);
    browser = await launchChromium();
    sellerKey = (await t.principal('seller', 'Acme')).key;
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
  });

  /** The key cards as the page shows them: kid and status words. */
  async function rows(page: Page) {
    const cards = await page.locator('.key-cards > li').all();
    return Promise.all(
      cards.map(async (card) => ({
        kid: await card.getAttribute('data-kid'),
        status: ((await card.locator('.badge').textContent()) ?? '').trim(),
      })),
    );
  }

  it('creates, imports, rotates and retires keys, and downloads a published public key', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    page.on('dialog', (d) => void d.accept());
    await signIn(page, server.url, sellerKey);
    await page.goto(`${server.url}/console/seller/keys`);
    await lookAt(page, 'seller-keys-empty');

    await page.getByRole('button', { name: 'Create key' }).click();
    await page.waitForURL(/created=/);
    await expect.poll(() => page.getByRole('status').textContent()).toContain('now active');
    const [first] = await rows(page);
    expect(first!.status).toBe('Active');

    // A bad PEM is refused beside its field, in words.
    await page.getByLabel('Private key (PEM)').fill('-----BEGIN PRIVATE KEY-----\nnope\n');
    await page.getByRole('button', { name: 'Import key' }).click();
    await expect
      .poll(() => page.locator('#f-pem-error').textContent())
      .toContain('not a private key OneClick can read');
    await lookAt(page, 'seller-keys-import-error');

    // Importing a key rotates: it becomes active, the first one retiring.
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await page.getByLabel('Private key (PEM)').fill(pem);
    await page.getByRole('button', { name: 'Import key' }).click();
    await page.waitForURL(/imported=/);
    const imported = new URL(page.url()).searchParams.get('imported')!;
    expect(await rows(page)).toEqual([
      { kid: imported, status: 'Active' },
      { kid: first!.kid, status: 'Retiring: still verifies' },
    ]);
    await lookAt(page, 'seller-keys-rotated');

    // Its public key, downloaded, is the imported key's.
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: `Public key (PEM) ${imported}` }).click();
    const file = await (await download).path();
    expect(await readFile(file, 'utf8')).toBe(
      createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString(),
    );
    const certificate = page.waitForEvent('download');
    await page.getByRole('link', { name: `Certificate ${imported}` }).click();
    expect(await readFile(await (await certificate).path(), 'utf8')).toMatch(
      /^-----BEGIN CERTIFICATE-----/,
    );
    const jwks = await page
      .getByRole('link', { name: '/.well-known/jwks.json' })
      .getAttribute('href');
    const published = (await (await fetch(`${server.url}${jwks}`)).json()) as {
      keys: { kid: string }[];
    };
    expect(published.keys.map((k) => k.kid)).toEqual(
      expect.arrayContaining([imported, first!.kid]),
    );

    // Retiring the rotated-out key: it stops being published.
    await page.getByRole('button', { name: `Retire ${first!.kid}` }).click();
    await page.waitForURL(/retired=/);
    expect(await rows(page)).toEqual([
      { kid: imported, status: 'Active' },
      { kid: first!.kid, status: 'Retired' },
    ]);
    expect(await page.getByRole('button', { name: /^Retire/ }).count()).toBe(0);
    const after = (await (await fetch(`${server.url}${jwks}`)).json()) as {
      keys: { kid: string }[];
    };
    expect(after.keys.map((k) => k.kid)).not.toContain(first!.kid);
    await lookAt(page, 'seller-keys-retired');
    await context.close();
  });

  it('creates API credentials whose SK is shown once, and deletes them', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    page.on('dialog', (d) => void d.accept());
    await signIn(page, server.url, sellerKey);
    await page.goto(`${server.url}/console/seller/credentials`);
    await lookAt(page, 'seller-credentials-empty');

    await page.getByRole('button', { name: 'Create AK/SK' }).click();
    await page.waitForURL(/\/credentials$/);
    const ak = (await page.locator('#new-ak').textContent())!;
    const sk = (await page.locator('#new-sk').textContent())!;
    expect(ak).toMatch(/^[A-Z0-9]{20}$/);
    expect(sk).toHaveLength(40);
    // The pair is the one the open API checks signatures with.
    expect((await license.credentials.lookup(ak))?.sk).toBe(sk);
    await expect.poll(() => page.getByRole('status').textContent()).toContain('only time');
    await lookAt(page, 'seller-credentials-created');

    await page.reload();
    expect(await page.content()).not.toContain(sk);
    expect(await page.locator('#new-sk').count()).toBe(0);
    expect(await page.getByRole('rowheader', { name: ak }).count()).toBe(1);
    // Nothing of the SK is left in the browser either.
    expect(JSON.stringify(await context.cookies())).not.toContain(sk);
    await lookAt(page, 'seller-credentials');

    await page.getByRole('button', { name: `Delete ${ak}` }).click();
    await page.waitForURL(/deleted=/);
    await expect.poll(() => page.getByRole('status').textContent()).toContain('is deleted');
    expect(await page.getByRole('button', { name: `Delete ${ak}` }).count()).toBe(0);
    expect(await license.credentials.lookup(ak)).toBeUndefined();
    await context.close();
  });

  it('shows the signing keys in Chinese', async () => {
    const context = await newContext(browser, { locale: 'zh-CN' });
    const page = await context.newPage();
    await signIn(page, server.url, sellerKey);
    await page.goto(`${server.url}/console/seller/keys`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('签名密钥');
    await lookAt(page, 'seller-keys-zh');
    await page.goto(`${server.url}/console/seller/credentials`);
    await lookAt(page, 'seller-credentials-zh');
    await context.close();
  });
});
