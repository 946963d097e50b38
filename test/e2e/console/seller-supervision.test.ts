import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createProduct, type Product } from '../../../src/db/repositories/products.js';
import { createEvidenceService } from '../../../src/evidence/evidence-service.js';
import { createLicenseServices } from '../../../src/license/services.js';
import { advanceSupervision } from '../../../src/license/supervision.js';
import { createDirectoryPackageStore } from '../../../src/packages/directory-store.js';
import {
  startSampleGenerator,
  type SampleGenerator,
} from '../../../src/sandbox/sample-generator.js';
import { startTestApp, type TestApp } from '../../helpers/api.js';
import { launchChromium, lookAt, newContext, serveHttp, signIn } from '../../helpers/browser.js';
import { seedOrder } from '../../helpers/deploy.js';
import { testWraps } from '../../helpers/license/seed.js';

const ISSUER = 'http://oneclick.test';
const ACCESS_KEY = 'S4mple-Generator-Key-0123456789abcdef';
const PDF = '%PDF-1.4\n% the acceptance report of a seller\n%%EOF\n';

/**
 * The seller's generators and service supervision in chromium: a real remote generator (the
 * sample generator, over HTTP) checked check by check, health and product binding; orders paged
 * with their supervision state; Confirm completion with an uploaded report; Deliver again after a
 * rejection; revoking a license; roles and tenancy; Chinese.
 */
describe('seller supervision console', () => {
  let t: TestApp;
  let server: Awaited<ReturnType<typeof serveHttp>>;
  let browser: Browser;
  let generator: SampleGenerator;
  let storeDir: string;
  let seller: { key: string; sellerId: string };
  let rival: string;
  let buyer: { key: string; buyerId: string };
  let products: Record<'license1' | 'license2', Product>;

  beforeAll(async () => {
    storeDir = mkdtempSync(path.join(tmpdir(), 'oneclick-seller-supervision-'));
    t = await startTestApp('pglite', (db) => {
      // The sandbox's rule: sellers' endpoints may be plain HTTP on this machine.
      const license = createLicenseServices({
        sql: db,
        wraps: testWraps(),
        issuer: ISSUER,
        allowPrivateSellerEndpoints: true,
      });
      return {
        license,
        packageStore: createDirectoryPackageStore(storeDir),
        evidence: createEvidenceService({ db, license, issuer: ISSUER }),
      };
    });
    server = await serveHttp(t.app.fetch);
    browser = await launchChromium();
    generator = await startSampleGenerator({ accessKey: ACCESS_KEY });
    const s = await t.principal('seller', 'Acme Software');
    seller = { key: s.key, sellerId: s.principal.sellerId! };
    rival = (await t.principal('seller', 'Rival')).key;
    const b = await t.principal('buyer', 'Lin');
    buyer = { key: b.key, buyerId: b.principal.buyerId! };
    const product = (name: string, licenseModel: 'license1' | 'license2') =>
      createProduct(t.db, seller.sellerId, {
        marketplaceProductId: `MP-${licenseModel}`,
        skuCode: null,
        name,
        licenseModel,
        installCommand: 'true',
        verifyCommand: null,
        installDir: '/opt/demo',
        licensePath: '/opt/demo/license',
        ports: [],
        variables: {},
      });
    products = {
      license2: await product('Acme Analytics', 'license2'),
      license1: await product('Acme Vault', 'license1'),
    };
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await generator?.close();
    await t?.close();
    if (storeDir) rmSync(storeDir, { recursive: true, force: true });
  });

  const order = (model: 'license1' | 'license2') =>
    seedOrder(t.db, {
      buyerId: buyer.buyerId,
      sellerId: seller.sellerId,
      productId: products[model].id,
      model,
    });
  const advance = (ref: string, ...steps: [string, Record<string, unknown>?][]) =>
    t.db.transaction(async (tx) => {
      for (const [to, detail] of steps) {
        await advanceSupervision(
          tx,
          ref,
          to,
          `moved to ${to}`,
          to === 'activated' ? new Date() : undefined,
          'system',
          detail,
        );
      }
    });
  const sellerPage = async (opts: { locale?: string } = {}): Promise<Page> => {
    const context = await newContext(browser, opts);
    const page = await context.newPage();
    await signIn(page, server.url, seller.key);
    return page;
  };
  const heading = (page: Page) => page.getByRole('heading', { level: 1 }).textContent();
  /** The check table's row of a check: its result cell's text. */
  const checkResult = (page: Page, name: string) =>
    page.locator(`tr[data-check="${name}"] td`).first().textContent();

  it('registers a remote generator, shows its conformance run check by check, re-checks it, and binds it to a product', async () => {
    const page = await sellerPage();
    await page.goto(`${server.url}/console/seller/generators`);
    expect(await heading(page)).toBe('License generators');
    await lookAt(page, 'seller-generators-empty');

    await page.getByRole('link', { name: 'Register a generator' }).click();
    await lookAt(page, 'seller-generator-register');
    // A remote generator without its endpoint is refused next to the fields, in words.
    await page.getByLabel('Remote', { exact: true }).check();
    await page.getByLabel('Name').fill('Vault licenses');
    await page.getByRole('button', { name: 'Register' }).click();
    await expect
      .poll(() => page.locator('#f-url-error').textContent())
      .toContain('Enter the endpoint URL');
    expect(await page.locator('#f-accessKey-error').textContent()).toContain('16 to 128');
    await lookAt(page, 'seller-generator-register-errors');

    await page.getByLabel('Endpoint URL').fill(generator.url);
    await page.getByLabel('Access key').fill(ACCESS_KEY);
    await page.getByLabel('Validity in days').fill('365');
    await page.getByLabel('Features').fill('edition=pro\nseats=10');
    await page.getByRole('button', { name: 'Register' }).click();
    await page.waitForURL(/\/console\/seller\/generators\/gen_[^/?]+\?registered/);
    expect(await heading(page)).toBe('Vault licenses');
    expect(await page.getByRole('status').first().textContent()).toContain('registered');
    expect(await page.locator('#conformance-summary').textContent()).toContain('Passed');
    for (const check of ['issues-license', 'idempotent-per-event', 'refuses-bad-signature']) {
      expect(await checkResult(page, check)).toBe('Passed');
    }
    expect(await page.getByText('Issues a signed license within 5 seconds').count()).toBe(1);
    // Only debug calls reached the seller's endpoint.
    expect(generator.calls.length).toBeGreaterThan(0);
    expect(generator.calls.every((c) => c.body.testFlag === '1')).toBe(true);
    await lookAt(page, 'seller-generator-passed');

    // The generator stops being idempotent: "Run the check now" shows which check fails.
    generator.setBehaviour({ idempotent: false });
    await page.getByRole('button', { name: 'Run the check now' }).click();
    await page.waitForURL(/\?checked/);
    expect(await page.locator('#conformance-summary').textContent()).toContain('Failed');
    expect(await checkResult(page, 'issues-license')).toBe('Passed');
    expect(await checkResult(page, 'idempotent-per-event')).toBe('Failed');
    expect(await page.locator('tr[data-check="idempotent-per-event"]').textContent()).toContain(
      'different license',
    );
    expect(await page.getByText('Failing', { exact: true }).count()).toBeGreaterThan(0);
    // Health over time: both runs, newest first, and the sparkline names them in words.
    const health = page.getByRole('table', { name: 'Checks and probes' });
    expect(await health.locator('tbody tr').count()).toBe(2);
    expect(await page.locator('svg.sparkline').getAttribute('aria-label')).toBe(
      '2 checks, 1 passed; the slowest call took ' +
        String(
          Math.max(
            ...(
              await t.db.query<{ ms: number }>(
                `select (report->>'slowestMs')::int as ms from license_generator_checks`,
              )
            ).map((r) => r.ms),
          ),
        ) +
        ' ms.',
    );
    expect(await page.locator('svg.sparkline circle.dot.bad').count()).toBe(1);
    generator.setBehaviour({ idempotent: true });

    // Bind it to the License 1.0 product, with a rule; a bad rule is refused beside its field.
    await page.getByLabel('Product', { exact: true }).selectOption(products.license1.id);
    await page.getByLabel('Grace days after expiry').fill('40');
    await page.getByRole('button', { name: 'Use this generator' }).click();
    await expect
      .poll(() => page.locator('#f-graceDays-error').textContent())
      .toContain('from 0 to 15');
    await lookAt(page, 'seller-generator-failing');
    await page.getByLabel('Grace days after expiry').fill('3');
    await page.getByRole('button', { name: 'Use this generator' }).click();
    await page.waitForURL(/\?bound=/);
    expect(await page.getByRole('status').first().textContent()).toBe(
      'Acme Vault now takes its licenses from this generator.',
    );
    const id = new URL(page.url()).pathname.split('/').pop()!;
    const settings = await t.db.query<{ generator_id: string; grace_days: number }>(
      'select generator_id, grace_days from product_license_settings where product_id = $1',
      [products.license1.id],
    );
    expect(settings).toEqual([{ generator_id: id, grace_days: 3 }]);

    // A built-in generator is active at once and needs no check.
    await page.goto(`${server.url}/console/seller/generators/new`);
    await page.getByLabel('Name').fill('Analytics codes');
    await page.getByRole('button', { name: 'Register' }).click();
    await page.waitForURL(/\?registered/);
    expect(await page.getByText('A built-in generator needs no check').count()).toBe(1);
    await lookAt(page, 'seller-generator-built-in');

    await page.goto(`${server.url}/console/seller/generators`);
    const rows = page.getByRole('table', { name: 'Your license generators' }).locator('tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.first().textContent()).toContain('Analytics codes');
    expect(await rows.nth(1).textContent()).toContain('Failing');
    await lookAt(page, 'seller-generators');
    await page.context().close();
  });

  it('pages the orders with their supervision state and confirms completion with an uploaded report', async () => {
    // 21 older orders waiting for delivery, then the one to confirm: two pages of 20.
    for (let i = 0; i < 21; i++) await order('license2');
    const ref = await order('license2');
    await advance(ref, ['code_claimed'], ['activated']);
    // Paid ten minutes ago (the activation time may not be before the order), after the others.
    await t.db.query(
      `update orders set created_at = now() - interval '1 hour' where seller_id = $1 and id <> $2`,
      [seller.sellerId, ref],
    );
    await t.db.query(`update orders set created_at = now() - interval '10 minutes' where id = $1`, [
      ref,
    ]);

    const page = await sellerPage();
    await page.goto(`${server.url}/console/seller/orders`);
    expect(await heading(page)).toBe('Service supervision');
    const rows = page.getByRole('table', { name: 'Your orders' }).locator('tbody tr');
    expect(await rows.count()).toBe(20);
    expect(await rows.first().textContent()).toContain('Authorization code activated');
    expect(await rows.nth(1).textContent()).toContain('Seller delivering');
    expect(await rows.first().textContent()).toContain('Acme Analytics');
    await lookAt(page, 'seller-orders');
    await page.getByRole('link', { name: 'Next page' }).click();
    await page.waitForURL(/cursor=/);
    expect(await rows.count()).toBeGreaterThanOrEqual(2);
    await lookAt(page, 'seller-orders-page-2');
    await page.getByRole('link', { name: 'First page' }).click();

    await rows.first().getByRole('link').click();
    await page.waitForURL(new RegExp(`/console/seller/orders/${ref}$`));
    expect(await page.locator('#supervision-state').textContent()).toBe(
      'Authorization code activated',
    );
    expect(await page.getByText('No deployment of this order has delivered yet.').count()).toBe(1);
    await lookAt(page, 'seller-order-activated');

    // Without a description: refused beside the field, the file not uploaded yet.
    await page.getByRole('button', { name: 'Confirm completion' }).click();
    await expect
      .poll(() => page.locator('#f-description-error').textContent())
      .toBe('Describe the delivery.');
    await lookAt(page, 'seller-order-confirm-errors');

    // Two minutes ago in the browser's own time zone.
    const localTime = await page.evaluate(() => {
      const d = new Date(Date.now() - 120_000);
      const p = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
    });
    await page.getByLabel('Description of the delivery').fill('Installed Acme Analytics 4.2.');
    await page.getByLabel('Actual activation time').fill(localTime);
    await page.getByLabel('Acceptance report').setInputFiles({
      name: '验收报告 final.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from(PDF),
    });
    await page.getByRole('button', { name: 'Confirm completion' }).click();
    await page.waitForURL(/\?confirmed/);
    expect(await page.locator('#supervision-state').textContent()).toBe('Completed');
    const sha256 = createHash('sha256').update(PDF).digest('hex');
    const confirmation = page.getByRole('region', { name: 'Your confirmation' });
    expect(await confirmation.textContent()).toContain('final.pdf');
    expect(await confirmation.textContent()).toContain(sha256);
    const view = (await (
      await t.call('GET', `/v1/orders/${ref}/supervision`, { key: seller.key })
    ).json()) as {
      confirmation: { activationTime: string; report: { kind: string; sha256: string } };
    };
    expect(view.confirmation.report).toMatchObject({ kind: 'upload', sha256 });
    expect(
      Math.abs(Date.parse(view.confirmation.activationTime) - (Date.now() - 120_000)),
    ).toBeLessThan(3 * 60_000);
    // The history names who moved it and whether KooGallery has it.
    const history = page.getByRole('table', { name: 'Every supervision step, oldest first' });
    expect(await history.textContent()).toContain('You');
    expect(await history.textContent()).toContain('Delivery proof uploaded');
    await lookAt(page, 'seller-order-completed');
    await page.context().close();
  });

  it('refuses a report of the wrong type through the console upload, with its words', async () => {
    const ref = await order('license2');
    const page = await sellerPage();
    await page.goto(`${server.url}/console/seller/orders/${ref}`);
    const token = await page.locator('input[name=_csrf]').first().getAttribute('value');
    const answer = await page.evaluate(
      async ([orderRef, csrf]) => {
        const res = await fetch(
          `/console/seller/report-upload?orderId=${orderRef}&fileName=notes.txt`,
          {
            method: 'POST',
            headers: { 'content-type': 'text/plain', 'x-csrf-token': csrf! },
            body: 'not a report',
          },
        );
        return { status: res.status, body: (await res.json()) as { error: { message: string } } };
      },
      [ref, token] as const,
    );
    expect(answer.status).toBe(415);
    expect(answer.body.error.message).toBe('The report must be a PDF, PNG or JPEG file.');
    await page.context().close();
  });

  it('sees the buyer reject a License 1.0 delivery live, with the reason, and delivers it again', async () => {
    const ref = await order('license1');
    await advance(ref, ['awaiting_delivery'], ['seller_confirmed']);
    const page = await sellerPage();
    await page.goto(`${server.url}/console/seller/orders/${ref}`);
    expect(await page.locator('#supervision-state').textContent()).toBe(
      'Awaiting buyer acceptance',
    );
    await lookAt(page, 'seller-order-awaiting-acceptance');
    // The buyer rejects while the page is open: the history shows it without a reload.
    const rejected = await t.call('POST', `/v1/orders/${ref}/supervision/reject`, {
      key: buyer.key,
      body: { reason: 'The service does not start after a reboot.' },
    });
    expect(rejected.status).toBe(200);
    const live = page.locator('#history-live');
    await expect
      .poll(() => live.getByRole('status').textContent(), { timeout: 15_000 })
      .toContain('The order moved on: Rejected by buyer.');
    expect(await live.textContent()).toContain('The service does not start after a reboot.');
    await lookAt(page, 'seller-order-rejected-live');
    await live.getByRole('link', { name: 'Reload the page to see what to do next.' }).click();
    await page.waitForURL(new RegExp(`/orders/${ref}$`));
    expect(await page.locator('#supervision-state').textContent()).toBe('Rejected by buyer');
    expect(await page.getByText('The service does not start after a reboot.').count()).toBe(2);
    await lookAt(page, 'seller-order-rejected');
    await page.getByRole('button', { name: 'Deliver again' }).click();
    await page.waitForURL(/\?redelivered/);
    expect(await page.locator('#supervision-state').textContent()).toBe('Seller delivering');
    // Confirming a License 1.0 order needs Temporal (the buyer's acceptance window), down here:
    // the refusal is said in words above the form.
    await page.getByLabel('Description of the delivery').fill('Fixed the start-up script.');
    await page.getByLabel('Acceptance report').setInputFiles({
      name: 'report.png',
      mimeType: 'image/png',
      buffer: Buffer.from('\x89PNG\r\n\x1a\n a picture of the running service'),
    });
    await page.getByRole('button', { name: 'Confirm completion' }).click();
    await expect
      .poll(() => page.locator('#confirm-title ~ .form-error').textContent())
      .toContain('cannot confirm right now');
    // The uploaded report is kept for the next try (no second upload).
    expect(await page.locator('.upload-message').textContent()).toContain('report.png');
    await lookAt(page, 'seller-order-confirm-unavailable');
    await page.context().close();
  });

  it("revokes an order's license after asking", async () => {
    const ref = await order('license2');
    const issued = await t.call('POST', `/v1/licenses/orders/${ref}/code`, { key: seller.key });
    expect(issued.status).toBe(201);
    const licenseId = ((await issued.json()) as { id: string }).id;
    const page = await sellerPage();
    const questions: string[] = [];
    page.on('dialog', (d) => {
      questions.push(d.message());
      void d.accept();
    });
    await page.goto(`${server.url}/console/seller/orders/${ref}`);
    expect(await page.locator('.license').textContent()).toContain(licenseId);
    await page.getByRole('button', { name: 'Revoke the license' }).click();
    await expect
      .poll(() => page.locator(`#reason-${licenseId}-error`).textContent())
      .toBe('Say why the license is revoked.');
    await page.getByLabel('Reason for revoking').fill('Chargeback on the order.');
    await page.getByRole('button', { name: 'Revoke the license' }).click();
    await page.waitForURL(/\?revoked/);
    expect(questions[0]).toContain('Revoke this license?');
    expect(await page.locator('.license').textContent()).toContain('Chargeback on the order.');
    expect(await page.locator('.license .badge').textContent()).toBe('Revoked');
    expect(await page.getByRole('button', { name: 'Revoke the license' }).count()).toBe(0);
    const license = (await (
      await t.call('GET', `/v1/licenses/${licenseId}`, { key: seller.key })
    ).json()) as { revokedAt: string | null };
    expect(license.revokedAt).not.toBeNull();
    await lookAt(page, 'seller-order-revoked');
    await page.context().close();
  });

  it("answers a buyer with 403 and another seller's order or generator with the 404 page", async () => {
    const ref = await order('license2');
    const context = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, server.url, buyer.key);
    const forbidden = await page.goto(`${server.url}/console/seller/orders`);
    expect(forbidden!.status()).toBe(403);
    await context.close();

    const rivalContext = await newContext(browser);
    const rivalPage = await rivalContext.newPage();
    await signIn(rivalPage, server.url, rival);
    const missing = await rivalPage.goto(`${server.url}/console/seller/orders/${ref}`);
    expect(missing!.status()).toBe(404);
    expect(await heading(rivalPage)).toBe('Not found');
    await lookAt(rivalPage, 'seller-order-not-found');
    const [g] = await t.db.query<{ id: string }>('select id from license_generators limit 1');
    const foreignGenerator = await rivalPage.goto(
      `${server.url}/console/seller/generators/${g!.id}`,
    );
    expect(foreignGenerator!.status()).toBe(404);
    // Posting to another seller's order changes nothing either.
    const token = await rivalPage.locator('input[name=_csrf]').first().getAttribute('value');
    const posted = await rivalPage.evaluate(
      async ([orderRef, csrf]) => {
        const res = await fetch(`/console/seller/orders/${orderRef}/confirm`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ _csrf: csrf!, description: 'not mine' }).toString(),
        });
        return res.status;
      },
      [ref, token] as const,
    );
    expect(posted).toBe(404);
    await rivalContext.close();
  });

  it('speaks Chinese with KooGallery’s supervision names', async () => {
    const ref = await order('license2');
    await advance(ref, ['code_claimed'], ['activated']);
    const page = await sellerPage({ locale: 'zh-CN' });
    await page.goto(`${server.url}/console/seller/orders`);
    expect(await heading(page)).toBe('服务监管');
    expect(await page.getByText('授权码激活').count()).toBeGreaterThan(0);
    await lookAt(page, 'seller-orders-zh');
    await page.goto(`${server.url}/console/seller/orders/${ref}`);
    expect(await page.getByRole('heading', { name: '确认服务完成' }).count()).toBe(1);
    await lookAt(page, 'seller-order-zh');
    const registered = await t.call('POST', '/v1/generators', {
      key: seller.key,
      body: { kind: 'remote', name: '远程生成器', url: generator.url, accessKey: ACCESS_KEY },
    });
    expect(registered.status).toBe(201);
    const { generator: made } = (await registered.json()) as { generator: { id: string } };
    await page.goto(`${server.url}/console/seller/generators/${made.id}`);
    expect(await page.locator('#conformance-summary').textContent()).toContain('通过');
    expect(await page.getByRole('heading', { name: '接口合规检查' }).count()).toBe(1);
    await lookAt(page, 'seller-generator-zh');
    await page.context().close();
  });
});
