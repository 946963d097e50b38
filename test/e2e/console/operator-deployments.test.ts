import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DEFAULT_FLAVOR, DEFAULT_IMAGE_ID } from '../../../src/sandbox/emulator.js';
import { startDeploymentStack, type DeploymentStack } from '../../helpers/deployment-stack.js';
import { GOOD_INSTALLER, seedOrder, seedProduct } from '../../helpers/deploy.js';
import { launchChromium, lookAt, newContext, serveHttp, signIn } from '../../helpers/browser.js';

const TEMPORAL_UI = 'http://temporal-ui.example:8233';
/** The installer fails on the server, as a seller's broken script would. */
const BROKEN_INSTALLER =
  'echo "unpacking"; echo "installer: port 8443 is already taken by another service" >&2; exit 1';

/**
 * The operator's deployments in chromium, on real deployments (sandbox cloud, sshd, worker on the
 * dev server): the live table, a failed deployment's decoded timeline, a retry.
 */
describe('operator deployments console', () => {
  let stack: DeploymentStack;
  let server: Awaited<ReturnType<typeof serveHttp>>;
  let browser: Browser;
  let operatorKey: string;
  let buyer: { key: string; buyerId: string };
  let seller: { key: string; sellerId: string };

  beforeAll(async () => {
    stack = await startDeploymentStack({
      connector: true,
      appDeps: () => ({ temporalUi: { url: TEMPORAL_UI, namespace: 'default' } }),
    });
    server = await serveHttp(stack.t.app.fetch);
    browser = await launchChromium();
    operatorKey = (await stack.t.principal('operator', 'Olga')).key;
    const b = await stack.t.principal('buyer', 'Bo');
    buyer = { key: b.key, buyerId: b.principal.buyerId! };
    const s = await stack.t.principal('seller', 'Acme Software');
    seller = { key: s.key, sellerId: s.principal.sellerId! };
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await stack?.stop();
  });

  /** Starts a deployment of the order as its buyer (no ECS password: retries can replay it). */
  async function startDeployment(orderRef: string) {
    const res = await stack.t.call('POST', `/v1/orders/${orderRef}/deployments`, {
      key: buyer.key,
      body: { server: { imageRef: DEFAULT_IMAGE_ID, flavorRef: DEFAULT_FLAVOR } },
    });
    expect(res.status, await res.clone().text()).toBe(201);
    return (await res.json()) as { id: string; workflowId: string; runId: string };
  }

  const settled = (workflowId: string, runId: string) =>
    stack.client.workflow
      .getHandle(workflowId, runId)
      .result()
      .catch(() => undefined);

  async function operatorPage(locale?: string): Promise<Page> {
    const context = await newContext(browser, locale ? { locale } : {});
    const page = await context.newPage();
    await signIn(page, server.url, operatorKey);
    return page;
  }

  it('shows a new deployment appear and fail in the live table, its decoded failure in the timeline, and a retry as the new deployment', async () => {
    const product = await seedProduct(stack.t.db, stack.store, seller.sellerId, {
      name: 'Acme Vault',
      installCommand: BROKEN_INSTALLER,
    });
    const orderRef = await seedOrder(stack.t.db, {
      buyerId: buyer.buyerId,
      sellerId: seller.sellerId,
      productId: product.id,
    });
    const page = await operatorPage();
    expect(new URL(page.url()).pathname).toBe('/console/operator/deployments');

    // Filter to the seller through the form: a GET, so the URL is the shareable view.
    await page.getByLabel('Seller ID').fill(seller.sellerId);
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL((u) => u.searchParams.get('sellerId') === seller.sellerId);
    await expect
      .poll(() => page.locator('#deployment-rows').textContent())
      .toContain('No deployment matches');
    await lookAt(page, 'operator-deployments-list-empty');

    // The row appears and moves to failed by itself: no navigation happens meanwhile.
    await page.evaluate('window.__sameDocument = true');
    const started = await startDeployment(orderRef);
    const row = page.locator(`#row-${started.id}`);
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
    await expect
      .poll(() => row.getAttribute('data-status'), { timeout: 90_000, interval: 500 })
      .toBe('failed');
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    // The step it failed at and the failure's code, beside it.
    expect(await row.locator('td').nth(4).textContent()).toBe('Installation');
    expect(await row.textContent()).toContain('COMMAND_FAILED');
    await lookAt(page, 'operator-deployments-list-live');
    await settled(started.workflowId, started.runId);

    // Narrow to failed deployments at the install step; the URL carries every filter.
    await page.getByLabel('Status').selectOption('failed');
    await page.getByLabel('Step').selectOption('install');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL((u) => u.searchParams.get('status') === 'failed');
    const url = new URL(page.url());
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      status: 'failed',
      step: 'install',
      sellerId: seller.sellerId,
    });
    await expect.poll(() => page.locator(`#row-${started.id}`).count()).toBe(1);
    await lookAt(page, 'operator-deployments-list-filtered');

    // The timeline: every step, the install step failed with the installer's own words.
    await page.getByRole('link', { name: started.id }).click();
    await page.waitForURL(`**/console/operator/deployments/${started.id}`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
      `Deployment ${started.id}`,
    );
    const install = page.locator('#step-install');
    await expect.poll(() => install.locator('h3').textContent()).toContain('Failed');
    const failed = install.locator('tr[data-outcome="failed"]');
    await expect.poll(() => failed.count()).toBeGreaterThan(0);
    expect(await failed.first().textContent()).toContain('port 8443 is already taken');
    // Decoded: the failure converter's placeholder never shows.
    expect(await page.locator('main').textContent()).not.toContain('Encoded failure');
    expect(await page.locator('#step-push h3').textContent()).toContain('Succeeded');
    expect(await page.locator('.run-failure').textContent()).toContain('port 8443');
    const temporal = page.getByRole('link', { name: /Open this run in the Temporal UI/ });
    expect(await temporal.getAttribute('href')).toBe(
      `${TEMPORAL_UI}/namespaces/default/workflows/${started.workflowId}/${started.runId}/history`,
    );
    // A failed deployment offers a retry only.
    expect(await page.getByRole('button', { name: 'Terminate' }).count()).toBe(0);
    await lookAt(page, 'operator-deployments-timeline-failed');

    // The seller fixes the installer (no product edit API yet: written as its route would);
    // the operator retries, confirming, and lands on the new deployment.
    await stack.t.db.query('update products set install_command = $1 where id = $2', [
      GOOD_INSTALLER,
      product.id,
    ]);
    const questions: string[] = [];
    page.once('dialog', (d) => {
      questions.push(d.message());
      void d.accept();
    });
    await page.getByLabel('Reason (optional, kept in the audit log)').fill('installer fixed');
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.waitForURL(
      (u) => /\/deployments\/dep_[^/]+$/.test(u.pathname) && !u.pathname.endsWith(started.id),
    );
    expect(questions).toEqual(['Start a new deployment of this order from the same request?']);
    const retriedId = new URL(page.url()).pathname.split('/').pop()!;
    expect(await page.getByRole('status').textContent()).toContain(
      `Retry started. This is the new deployment, retrying ${started.id}.`,
    );
    await lookAt(page, 'operator-deployments-timeline-retried');

    // The new one runs to its end; its page then shows it delivered, with nothing to act on.
    const retried = (
      await stack.t.db.query<{ run_id: string }>('select run_id from deployments where id = $1', [
        retriedId,
      ])
    )[0]!;
    await settled(started.workflowId, retried.run_id);
    await page.getByRole('link', { name: 'Refresh' }).click();
    await expect
      .poll(() => page.locator('#step-report h3').textContent(), { timeout: 30_000 })
      .toContain('Succeeded');
    expect(await page.locator('main').textContent()).toContain(
      'This deployment succeeded: there is nothing to retry, cancel or terminate.',
    );
    await lookAt(page, 'operator-deployments-timeline-succeeded');

    // The order's deployments: the retry and the failed one.
    await page.getByRole('link', { name: 'All deployments of this order' }).click();
    await expect.poll(() => page.locator('#deployment-rows tr').count()).toBe(2);
    expect(await page.locator(`#row-${retriedId}`).getAttribute('data-status')).toBe('succeeded');
    expect(await page.locator(`#row-${started.id}`).getAttribute('data-status')).toBe('failed');
    await page.context().close();
  });

  it('speaks Chinese to an operator who reads it', async () => {
    const page = await operatorPage('zh-CN');
    await page.goto(`${server.url}/console/operator/deployments?sellerId=${seller.sellerId}`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('部署');
    await expect.poll(() => page.locator('#deployment-rows tr').count()).toBeGreaterThan(0);
    expect(await page.locator('table.deployments').textContent()).toContain('部署失败');
    await lookAt(page, 'operator-deployments-list-zh');
    await page.context().close();
  });

  it('refuses the pages to a seller (403) and answers an unknown deployment with the 404 page', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, server.url, seller.key);
    for (const path of [
      '/console/operator/deployments',
      '/console/operator/deployments/live',
      '/console/operator/deployments/dep_whatever',
    ]) {
      const res = await page.goto(`${server.url}${path}`);
      expect(res!.status(), path).toBe(403);
    }
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Not allowed');
    await context.close();

    const op = await operatorPage();
    const missing = await op.goto(`${server.url}/console/operator/deployments/dep_nothing_here`);
    expect(missing!.status()).toBe(404);
    await op.context().close();
  });
});
