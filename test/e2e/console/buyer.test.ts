import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createEvidenceService } from '../../../src/evidence/evidence-service.js';
import { GOOD_INSTALLER, seedOrder, seedProduct } from '../../helpers/deploy.js';
import { startDeploymentStack, type DeploymentStack } from '../../helpers/deployment-stack.js';
import { sandboxAccounts } from '../../helpers/cloud-app.js';
import { launchChromium, lookAt, newContext, serveHttp, signIn } from '../../helpers/browser.js';

const ISSUER = 'http://oneclick.test';
const PASSWORD = 'Buyer-Console!42';
/** The installer takes a few seconds and says so, so the page can be seen while it runs. */
const SLOW_INSTALLER = `${GOOD_INSTALLER}; for i in 1 2 3 4 5 6 7 8; do echo "configuring part $i"; sleep 1; done`;

/** Every step of the panel as `step=status`, in order. */
const stepsOf = async (page: Page): Promise<string[]> => {
  const steps = page.locator('#deployment-live [data-step]');
  const out: string[] = [];
  for (const el of await steps.all()) {
    out.push(`${await el.getAttribute('data-step')}=${await el.getAttribute('data-status')}`);
  }
  return out;
};
const stateOf = (page: Page) =>
  page.locator('[data-deployment-state]').first().getAttribute('data-deployment-state');

/**
 * The buyer's console on a real sandbox deployment: purchased services, Start Deployment with
 * its errors and summary, the live progress in two tabs, the license at the end; tenancy and
 * CSRF; Chinese; the cloud accounts page.
 */
describe('buyer console', () => {
  let stack: DeploymentStack;
  let server: Awaited<ReturnType<typeof serveHttp>>;
  let browser: Browser;
  let buyerKey: string;
  let otherKey: string;
  let orderRef: string;
  let marketplaceOrderId: string;
  let otherOrderRef: string;

  beforeAll(async () => {
    stack = await startDeploymentStack({
      connector: true,
      issuer: ISSUER,
      appDeps: (db, license) => ({
        evidence: createEvidenceService({ db, license, issuer: ISSUER }),
      }),
    });
    const { t } = stack;
    const buyer = await t.principal('buyer', 'Wang Fang');
    const other = await t.principal('buyer', 'Li Lei');
    buyerKey = buyer.key;
    otherKey = other.key;
    const seller = await t.principal('seller', 'Acme Software');
    const sellerId = seller.principal.sellerId!;
    const product = await seedProduct(t.db, stack.store, sellerId, {
      name: 'Acme Analytics',
      installCommand: SLOW_INSTALLER,
    });
    orderRef = await seedOrder(t.db, {
      buyerId: buyer.principal.buyerId!,
      sellerId,
      productId: product.id,
    });
    otherOrderRef = await seedOrder(t.db, {
      buyerId: other.principal.buyerId!,
      sellerId,
      productId: product.id,
    });
    const order = (await (
      await t.call('GET', `/v1/orders/${orderRef}`, { key: buyerKey })
    ).json()) as {
      orderId: string;
    };
    marketplaceOrderId = order.orderId;
    server = await serveHttp(t.app.fetch);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await stack?.stop();
  });

  it('starts a deployment from Purchased services, shows it live in two tabs, and ends with the license', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    page.on('dialog', (d) => void d.accept());
    await signIn(page, server.url, buyerKey);
    expect(new URL(page.url()).pathname).toBe('/console/buyer/orders');
    const row = page.locator(`tr[data-order="${orderRef}"]`);
    expect(await row.textContent()).toContain('License 2.0');
    expect(await row.textContent()).toContain('Seller delivering');
    await lookAt(page, 'buyer-orders');

    await row.getByRole('link', { name: /Start Deployment/ }).click();
    await page.waitForURL(/\/deploy$/);
    await lookAt(page, 'buyer-deploy-form');

    // A first try with mistakes: no flavor, a bad CIDR. The password's rules show as it is typed.
    await page.getByLabel('Image').selectOption({ index: 1 });
    await page.getByLabel('Address range (CIDR)').first().fill('10.0.0.0/33');
    const password = page.getByLabel('ECS password (root)');
    await password.fill('root');
    expect(await page.locator('[data-rule="length"]').getAttribute('data-state')).toBe('unmet');
    expect(await page.locator('[data-rule="user"]').getAttribute('data-state')).toBe('unmet');
    await page.getByRole('button', { name: 'Review' }).click();
    await expect
      .poll(() => page.locator('#f-adminPassword-client-error').textContent())
      .toContain('does not meet');
    await password.fill(PASSWORD);
    for (const rule of await page.locator('[data-rule]').all()) {
      expect(await rule.getAttribute('data-state')).toBe('met');
    }
    await page.getByRole('button', { name: 'Review' }).click();
    await page.getByRole('button', { name: 'Confirm and start' }).click();
    await page.waitForURL(/\/deploy$/);
    expect(await page.locator('#f-flavorRef-error').textContent()).toBe(
      'Choose one from the list.',
    );
    expect(await page.locator('#f-vpcCidr-error').textContent()).toContain('CIDR');
    // The password is never sent back to the browser.
    expect(await page.content()).not.toContain(PASSWORD);
    expect(await page.getByLabel('ECS password (root)').inputValue()).toBe('');
    await lookAt(page, 'buyer-deploy-errors');

    await page.getByLabel('Flavor').selectOption({ index: 1 });
    await page.getByLabel('Address range (CIDR)').first().fill('192.168.0.0/16');
    await page.getByLabel('ECS password (root)').fill(PASSWORD);
    await page.getByRole('button', { name: 'Review' }).click();
    const summary = page.getByRole('region', { name: 'What will be created' });
    await expect.poll(() => summary.isVisible()).toBe(true);
    expect(await summary.textContent()).toContain('Create a new server');
    expect(await summary.textContent()).toContain('Set (not shown)');
    expect(await summary.textContent()).not.toContain(PASSWORD);
    await lookAt(page, 'buyer-deploy-summary');
    await page.getByRole('button', { name: 'Confirm and start' }).dblclick();
    await page.waitForURL(new RegExp(`/orders/${orderRef}\\?started`));

    // The steps move while the installer runs; a second tab shows the same panel.
    await expect.poll(() => stepsOf(page), { timeout: 60_000 }).toContain('install=running');
    expect(await page.locator('[data-step]').count()).toBe(9);
    // The installer's output as it comes (never waiting on a missing element: it is swapped in).
    await expect
      .poll(async () => (await page.locator('#deployment-live pre').allTextContents()).join(''), {
        timeout: 20_000,
      })
      .toContain('configuring part');
    await lookAt(page, 'buyer-order-running');
    const second = await context.newPage();
    await second.goto(`${server.url}/console/buyer/orders/${orderRef}`);
    await expect
      .poll(async () => (await stateOf(page)) === 'succeeded' && (await stateOf(second)), {
        timeout: 60_000,
      })
      .toBe('succeeded');
    expect(await stepsOf(second)).toEqual(await stepsOf(page));
    expect(await stepsOf(page)).toEqual([
      'requested=succeeded',
      'network=succeeded',
      'server=succeeded',
      'ssh=succeeded',
      'push=succeeded',
      'license=succeeded',
      'install=succeeded',
      'verify=succeeded',
      'report=succeeded',
    ]);
    // One deployment, however often Confirm was clicked.
    const deployments = await stack.t.db.query<{ n: number }>(
      'select count(*)::int as n from deployments where order_id = $1',
      [orderRef],
    );
    expect(deployments[0]!.n).toBe(1);

    // The result: the authorization code, revealed and copied; the delivery evidence.
    const license = page.getByRole('region', { name: 'License' });
    await expect.poll(() => license.isVisible(), { timeout: 10_000 }).toBe(true);
    const code = license.locator('code.license-code');
    expect(await code.isVisible()).toBe(false);
    await license.getByRole('button', { name: 'Reveal' }).click();
    expect(await code.isVisible()).toBe(true);
    const view = (await (
      await stack.t.call('GET', `/v1/licenses?orderId=${orderRef}`, { key: buyerKey })
    ).json()) as { items: { id: string }[] };
    const detail = (await (
      await stack.t.call('GET', `/v1/licenses/${view.items[0]!.id}`, { key: buyerKey })
    ).json()) as { code: string };
    expect(await code.textContent()).toBe(detail.code);
    expect(await page.getByRole('region', { name: 'Delivery evidence' }).textContent()).toMatch(
      /SHA256:/,
    );
    expect(await second.locator('#supervision-state').textContent()).toBe(
      await page.locator('#supervision-state').textContent(),
    );
    await lookAt(page, 'buyer-order-done');
    await context.close();
  }, 150_000);

  it("answers 404 for another buyer's order and 403 for a form without its CSRF token", async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, server.url, otherKey);
    for (const path of ['', '/deploy', '/live', '/evidence.html']) {
      const res = await page.goto(`${server.url}/console/buyer/orders/${orderRef}${path}`);
      expect(res!.status(), path).toBe(404);
    }
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Not found');
    const cookie = (await context.cookies()).find((c) => c.name === 'oc_session')!.value;
    const noToken = await fetch(`${server.url}/console/buyer/orders/${otherOrderRef}/deploy`, {
      method: 'POST',
      headers: {
        cookie: `oc_session=${cookie}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        flavorRef: 'x',
        imageRef: 'y',
        adminPassword: PASSWORD,
      }).toString(),
      redirect: 'manual',
    });
    expect(noToken.status).toBe(403);
    const none = await stack.t.db.query<{ n: number }>(
      'select count(*)::int as n from deployments where order_id = $1',
      [otherOrderRef],
    );
    expect(none[0]!.n).toBe(0);
    await context.close();
  });

  it('speaks Chinese to a zh-CN browser', async () => {
    const context = await newContext(browser, { locale: 'zh-CN' });
    const page = await context.newPage();
    await signIn(page, server.url, buyerKey);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('已购买的服务');
    await lookAt(page, 'buyer-orders-zh');
    await page.getByRole('link', { name: marketplaceOrderId, exact: true }).click();
    await page.waitForURL(new RegExp(`/orders/${orderRef}$`));
    expect(await page.locator('[data-deployment-state]').textContent()).toContain('部署成功');
    await lookAt(page, 'buyer-order-done-zh');
    await context.close();
  });

  it('links a cloud account with an access key, shows what was wrong, and unlinks it', async () => {
    const account = await sandboxAccounts(stack.cloud).newBuyerAccount();
    const context = await newContext(browser);
    const page = await context.newPage();
    page.on('dialog', (d) => void d.accept());
    await signIn(page, server.url, buyerKey);
    await page.getByRole('link', { name: 'Cloud accounts' }).click();
    await page.waitForURL(/cloud-accounts$/);
    expect(await page.locator('#agency-name').textContent()).toMatch(/^oneclick-/);
    await lookAt(page, 'buyer-cloud-accounts');

    await page.getByLabel('Access key (AK/SK)').check();
    await page.getByLabel('Name (for you)').fill('production');
    await page.getByLabel('Access key ID (AK)').fill('short');
    await page.getByLabel('Secret access key (SK)').fill(account.sk);
    await page.getByRole('button', { name: 'Link the account' }).click();
    await expect.poll(() => page.locator('#f-ak-error').textContent()).toContain('access key');
    expect(await page.content()).not.toContain(account.sk);
    await lookAt(page, 'buyer-cloud-accounts-errors');

    await page.getByLabel('Access key ID (AK)').fill(account.ak);
    await page.getByLabel('Secret access key (SK)').fill(account.sk);
    await page.getByRole('button', { name: 'Link the account' }).click();
    await page.waitForURL(/\?linked/);
    const row = page.locator('tr', { hasText: 'production' });
    expect(await row.textContent()).toContain('Access key (AK/SK)');
    await lookAt(page, 'buyer-cloud-accounts-linked');
    await page.getByRole('button', { name: 'Unlink production' }).click();
    await page.waitForURL(/\?unlinked/);
    expect(await page.locator('tr', { hasText: 'production' }).count()).toBe(0);
    await context.close();
  });
});
