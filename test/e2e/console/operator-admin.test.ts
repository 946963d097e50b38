import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../../helpers/api.js';
import { launchChromium, lookAt, newContext, serveHttp, signIn } from '../../helpers/browser.js';
import { seedOrder, testWraps } from '../../helpers/license/seed.js';
import { createLicenseServices } from '../../../src/license/services.js';
import { newId } from '../../../src/db/ids.js';
import { DEPLOYMENT_STEPS } from '../../../src/domain/deployment.js';
import {
  startSampleGenerator,
  type SampleGenerator,
} from '../../../src/sandbox/sample-generator.js';

const DAY = 86_400_000;
const ACCESS_KEY = 'S'.repeat(40);

/**
 * Deployments over the last days, several outcomes, their steps with durations: what the charts
 * draw. Written as the workflow's activities write them (rows in deployments/deployment_steps).
 */
async function seedDeployments(t: TestApp): Promise<{ total: number }> {
  const { orderRef } = await seedOrder(t.db, 'license2');
  const now = Date.now();
  const plan: [daysAgo: number, state: string][] = [
    [0, 'succeeded'],
    [0, 'failed'],
    [0, 'push'],
    [1, 'succeeded'],
    [1, 'succeeded'],
    [2, 'cancelled'],
    [3, 'succeeded'],
    [3, 'failed'],
    [3, 'succeeded'],
    [5, 'succeeded'],
    [6, 'failed'],
    [9, 'succeeded'],
    [12, 'succeeded'],
  ];
  for (const [i, [daysAgo, state]] of plan.entries()) {
    const id = newId('dep');
    const start = now - daysAgo * DAY - (i + 1) * 60_000;
    await t.db.query(
      `insert into deployments (id, order_id, workflow_id, state, created_at, finished_at)
       values ($1, $2, $3, $4, $5, $6)`,
      [
        id,
        orderRef,
        `deploy-${id}`,
        state,
        new Date(start),
        ['succeeded', 'failed', 'cancelled'].includes(state) ? new Date(start + 600_000) : null,
      ],
    );
    let at = start;
    const steps = state === 'succeeded' ? DEPLOYMENT_STEPS : DEPLOYMENT_STEPS.slice(0, 5);
    for (const [j, step] of steps.entries()) {
      const seconds = step === 'push' ? 40 + i * 7 : step === 'server' ? 25 + i : 1 + j * 0.5;
      const last = j === steps.length - 1 && state !== 'succeeded';
      const status = last ? (state === 'push' ? 'running' : 'failed') : 'succeeded';
      await t.db.query(
        `insert into deployment_steps (deployment_id, step, status, attempts, started_at, ended_at)
         values ($1, $2, $3, $4, $5, $6)`,
        [
          id,
          step,
          status,
          step === 'server' && i % 3 === 0 ? 2 : 1,
          new Date(at),
          status === 'running' ? null : new Date(at + seconds * 1000),
        ],
      );
      at += seconds * 1000;
    }
  }
  return { total: plan.length };
}

describe('operator administration in the console', () => {
  let t: TestApp;
  let server: Awaited<ReturnType<typeof serveHttp>>;
  let browser: Browser;
  let sample: SampleGenerator;
  let operatorKey: string;

  beforeAll(async () => {
    t = await startTestApp('pglite', (db) => ({
      license: createLicenseServices({
        sql: db,
        wraps: testWraps(),
        issuer: 'http://oneclick.test',
        allowPrivateSellerEndpoints: true,
      }),
    }));
    operatorKey = (await t.principal('operator', 'Ops')).key;
    // Two sellers' generators: a remote one that passed then failed its probe, a built-in one.
    const acme = (await t.principal('seller', 'Acme Software')).key;
    const globex = (await t.principal('seller', 'Globex')).key;
    sample = await startSampleGenerator({ accessKey: ACCESS_KEY });
    const reg = await t.call('POST', '/v1/generators', {
      key: acme,
      body: { kind: 'remote', name: 'acme-remote', url: sample.url, accessKey: ACCESS_KEY },
    });
    expect(reg.status).toBe(201);
    const { generator } = (await reg.json()) as { generator: { id: string } };
    sample.setBehaviour({ idempotent: false });
    await t.call('POST', `/v1/generators/${generator.id}/check`, { key: acme });
    await t.call('POST', '/v1/generators', {
      key: globex,
      body: { kind: 'built-in', name: 'globex-built-in' },
    });
    await seedDeployments(t);
    server = await serveHttp(t.app.fetch);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await sample?.close();
    await t?.close();
  });

  const operatorPage = async (locale?: string): Promise<Page> => {
    const context = await newContext(browser, locale ? { locale } : {});
    const page = await context.newPage();
    await signIn(page, server.url, operatorKey);
    return page;
  };

  it('creates a buyer shown its key once, issues another, and revoking it signs that browser out', async () => {
    const page = await operatorPage();
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${server.url}/console/operator/principals`);
    expect(await page.getByRole('rowheader', { name: /Acme Software/ }).count()).toBe(1);
    await lookAt(page, 'operator-admin-principals');

    await page.getByRole('link', { name: 'Create a principal' }).click();
    await page.waitForURL(/\/principals\/new$/);
    await lookAt(page, 'operator-admin-principal-new');
    await page.getByRole('button', { name: 'Create and show the key' }).click();
    await expect
      .poll(() => page.getByRole('alert').first().textContent())
      .toContain('Enter a name of 1 to 200 characters.');
    await lookAt(page, 'operator-admin-principal-new-error');

    await page.getByLabel('Role').selectOption('buyer');
    await page.getByLabel('Name', { exact: true }).fill('Wang Fang');
    await page.getByLabel('Marketplace customer ID (buyers)').fill('cust-wang');
    expect(await page.getByLabel('Existing seller ID (sellers)').isHidden()).toBe(true);
    await page.getByRole('button', { name: 'Create and show the key' }).click();
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('Principal created');
    const key = (await page.locator('#new-key').textContent())!.trim();
    expect(key).toMatch(/^ock_[0-9a-f]{8}_/);
    await lookAt(page, 'operator-admin-principal-created');
    const me = await t.call('GET', '/v1/me', { key });
    expect(((await me.json()) as { role: string }).role).toBe('buyer');

    // Shown once: the list shows the prefix, never the key.
    await page.getByRole('link', { name: 'Back to principals and keys' }).click();
    await page.waitForURL((u) => u.pathname === '/console/operator/principals');
    const list = await page.content();
    expect(list).toContain(key.slice(0, 13));
    expect(list).not.toContain(key);

    // Another key for the same buyer, shown once too.
    await page.getByRole('button', { name: 'Issue a key for Wang Fang' }).click();
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('New key for Wang Fang');
    const second = (await page.locator('#new-key').textContent())!.trim();
    expect(second).not.toBe(key);
    await lookAt(page, 'operator-admin-key-issued');

    // The buyer signs in with the first key in another browser; the operator revokes it.
    const buyerContext = await newContext(browser);
    const buyerPage = await buyerContext.newPage();
    await signIn(buyerPage, server.url, key);
    expect(new URL(buyerPage.url()).pathname).toBe('/console/buyer/orders');

    await page.goto(`${server.url}/console/operator/principals?role=buyer`);
    await page.getByRole('button', { name: `Revoke key ${key.slice(0, 13)}…` }).click();
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toContain(`Key ${key.slice(0, 13)}… is revoked`);
    expect(new URL(page.url()).searchParams.get('role')).toBe('buyer');
    await lookAt(page, 'operator-admin-principals-revoked');

    await buyerPage.reload();
    expect(new URL(buyerPage.url()).pathname).toBe('/console/sign-in');
    expect((await t.call('GET', '/v1/me', { key })).status).toBe(401);
    expect((await t.call('GET', '/v1/me', { key: second })).status).toBe(200);
    await buyerContext.close();
    await page.context().close();
  });

  it("shows every seller's generators with their latest checks", async () => {
    const page = await operatorPage();
    await page.goto(`${server.url}/console/operator/generators`);
    const remote = page.getByRole('row', { name: /acme-remote/ });
    await expect.poll(() => remote.textContent()).toContain('Failing');
    expect(await remote.textContent()).toContain('1 of the last 2 checks passed');
    expect(await remote.textContent()).toContain('Acme Software');
    expect(await remote.textContent()).toContain('Same event, same license');
    expect(await page.getByRole('row', { name: /globex-built-in/ }).textContent()).toContain(
      'Active',
    );
    expect(await page.content()).not.toContain(ACCESS_KEY);
    await lookAt(page, 'operator-admin-generators');
    await page
      .getByRole('link', { name: /Failing/ })
      .first()
      .click();
    await expect.poll(() => page.getByRole('row').count()).toBe(2);
    await page.context().close();
  });

  it('reads the audit log with its chain intact, filters it, and sees where a tampered chain breaks', async () => {
    const page = await operatorPage();
    await page.goto(`${server.url}/console/operator/audit`);
    await expect
      .poll(() => page.locator('#chain').textContent(), { timeout: 15_000 })
      .toContain('The hash chain is intact');
    expect(await page.getByRole('cell', { name: 'api_key.revoked' }).count()).toBe(1);
    await lookAt(page, 'operator-admin-audit');

    await page.getByLabel('Action').fill('generator.registered');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.getByRole('row').count()).toBe(3);

    // Without JavaScript the check is a page of its own.
    await page.goto(`${server.url}/console/operator/audit/chain`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Hash chain');
    expect(await page.textContent('main')).toContain('The hash chain is intact');
    await lookAt(page, 'operator-admin-audit-chain');
    await page.context().close();
  });

  it('draws deployments per day by outcome and step durations, with the numbers in tables', async () => {
    const page = await operatorPage();
    await page.goto(`${server.url}/console/operator/charts`);
    const perDay = page.locator('svg#chart-per-day');
    expect(await perDay.getAttribute('role')).toBe('img');
    expect(await perDay.locator('title').first().textContent()).toBe(
      'Deployments per day by outcome, last 14 days',
    );
    expect(await perDay.locator('desc').textContent()).toContain('13 deployments');
    expect(await perDay.locator('rect.s-succeeded').count()).toBeGreaterThanOrEqual(5);
    expect(await perDay.locator('rect.s-failed').count()).toBeGreaterThanOrEqual(2);
    const totals = await page
      .locator('table.numbers')
      .first()
      .locator('tbody tr td:last-child')
      .allTextContents();
    expect(totals).toHaveLength(14);
    expect(totals.reduce((n, v) => n + Number(v), 0)).toBe(13);
    const durations = page.locator('svg#chart-durations');
    expect(await durations.locator('rect.s-p95').count()).toBe(DEPLOYMENT_STEPS.length);
    const push = page.getByRole('row', { name: /Package upload/ });
    expect(await push.textContent()).toMatch(/\d+ s/);
    await lookAt(page, 'operator-admin-charts');
    await page.context().close();
  });

  it('speaks Chinese on every admin page', async () => {
    const page = await operatorPage('zh-CN');
    await page.goto(`${server.url}/console/operator/charts`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('图表');
    await lookAt(page, 'operator-admin-charts-zh');
    await page.goto(`${server.url}/console/operator/principals`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('主体与密钥');
    await lookAt(page, 'operator-admin-principals-zh');
    await page.goto(`${server.url}/console/operator/generators`);
    await lookAt(page, 'operator-admin-generators-zh');
    await page.goto(`${server.url}/console/operator/audit`);
    await expect.poll(() => page.locator('#chain').textContent()).toContain('哈希链完整');
    await lookAt(page, 'operator-admin-audit-zh');
    await page.context().close();
  });

  it('shows where a tampered audit chain breaks', async () => {
    const [victim] = await t.db.query<{ seq: string }>(
      "select seq from audit_events where action = 'principal.created'",
    );
    await t.db.query(`update audit_events set actor = 'operator:someone-else' where seq = $1`, [
      victim!.seq,
    ]);
    const page = await operatorPage();
    await page.goto(`${server.url}/console/operator/audit`);
    await expect
      .poll(() => page.locator('#chain').textContent())
      .toContain(`The chain breaks at event #${victim!.seq}`);
    expect(await page.locator('#chain').textContent()).toContain(
      'The event was changed after it was written.',
    );
    await lookAt(page, 'operator-admin-audit-broken');
    await page.getByRole('link', { name: `Show the events from #${victim!.seq}` }).click();
    expect(await page.getByRole('rowheader').first().textContent()).toBe(String(victim!.seq));
    await page.context().close();
  });
});
