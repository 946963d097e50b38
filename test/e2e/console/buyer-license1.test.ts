import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createHuaweiCloud } from '../../../src/cloud/huawei-cloud.js';
import { createEvidenceService } from '../../../src/evidence/evidence-service.js';
import { seedOrder, seedProduct } from '../../helpers/deploy.js';
import { startDeploymentStack, type DeploymentStack } from '../../helpers/deployment-stack.js';
import { createBuyerResources, sandboxCloudOptions } from '../../helpers/provision-harness.js';
import { sshExec } from '../../helpers/ssh-exec.js';
import { launchChromium, lookAt, newContext, serveHttp, signIn } from '../../helpers/browser.js';

const ISSUER = 'http://oneclick.test';
const PASSWORD = 'Buyer!pass-42';
const JWS_CHECK = `grep -Eq '^[A-Za-z0-9_-]+[.][A-Za-z0-9_-]+[.][A-Za-z0-9_-]+$' "$LICENSE_FILE" && echo jws-ok`;
const HARDWARE_ID = '52:54:00:ab:cd:ef|disk-0001|board-0001|cpu-0001';
const CANONICAL = '52:54:00:AB:CD:EF|DISK-0001|BOARD-0001|CPU-0001';

/**
 * License 1.0 in the buyer's console: a deployment onto the buyer's own server, whose
 * fingerprint cannot be read, waits for the hardware ID the buyer submits on the order page;
 * then the buyer rejects the seller's confirmed delivery with a reason and accepts the next.
 */
describe('buyer console, License 1.0', () => {
  let stack: DeploymentStack;
  let server: Awaited<ReturnType<typeof serveHttp>>;
  let browser: Browser;
  let buyerKey: string;
  let sellerKey: string;
  let orderRef: string;
  let secondOrder: string;
  let own: { vpcId: string; subnetId: string; securityGroupId: string; serverId: string };

  beforeAll(async () => {
    stack = await startDeploymentStack({
      connector: true,
      issuer: ISSUER,
      appDeps: (db, license) => ({
        evidence: createEvidenceService({ db, license, issuer: ISSUER }),
      }),
    });
    const { t } = stack;
    const buyer = await t.principal('buyer', 'Zhang Wei');
    const seller = await t.principal('seller', 'Acme Software');
    buyerKey = buyer.key;
    sellerKey = seller.key;
    const sellerId = seller.principal.sellerId!;
    const product = await seedProduct(t.db, stack.store, sellerId, {
      name: 'Acme Ledger',
      licenseModel: 'license1',
      licensePath: '/opt/demo/license.jws',
      verifyCommand: JWS_CHECK,
    });
    orderRef = await seedOrder(t.db, {
      buyerId: buyer.principal.buyerId!,
      sellerId,
      productId: product.id,
      model: 'license1',
    });
    // The buyer's own network and server, every NIC hidden from the fingerprint collector.
    secondOrder = await seedOrder(t.db, {
      buyerId: buyer.principal.buyerId!,
      sellerId,
      productId: product.id,
      model: 'license1',
    });
    const adapter = createHuaweiCloud(sandboxCloudOptions(stack.cloud));
    own = await createBuyerResources(adapter, { name: 'own', net: 21, adminPass: PASSWORD });
    const vm = await adapter.waitServerActive(own.serverId);
    const ssh = { host: vm.ip!, username: 'root', password: PASSWORD };
    let hidden = '';
    for (let i = 0; i < 120 && !hidden.includes('hidden'); i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 250));
      hidden = await sshExec(ssh, 'mount -t tmpfs none /sys/class/net && echo hidden').catch(
        () => '',
      );
    }
    expect(hidden).toContain('hidden');
    server = await serveHttp(t.app.fetch);
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await stack?.stop();
  });

  const seller = (path: string) =>
    stack.t.call('POST', `/v1/orders/${orderRef}/supervision/${path}`, {
      key: sellerKey,
      ...(path === 'confirm' && {
        body: { description: 'Installed and licensed on your server.' },
      }),
    });

  it('submits the hardware ID when asked, then rejects and accepts the delivery', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    page.on('dialog', (d) => void d.accept());
    await signIn(page, server.url, buyerKey);
    await page
      .locator(`tr[data-order="${orderRef}"]`)
      .getByRole('link', { name: /Start Deployment/ })
      .click();
    await page.waitForURL(/\/deploy$/);

    // Everything the buyer's own: server, VPC, subnet and security group, chosen from the lists.
    const choose = async (mode: string, list: string, name: string) => {
      await page.getByLabel(mode).check();
      const select = page.getByLabel(list);
      const value = await select.locator('option', { hasText: name }).getAttribute('value');
      await select.selectOption(value ?? '');
    };
    await choose('Use one of my servers', 'Your server', 'own-vm');
    await choose('Use one of my VPCs', 'Your VPC', 'own-vpc');
    await choose('Use one of my subnets', 'Your subnet', 'own-subnet');
    await choose('Use one of my security groups', 'Your security group', 'own-sg');
    expect(await page.getByLabel('Bind a new elastic IP to the server').isVisible()).toBe(false);
    await page.getByLabel('ECS password (root)').fill(PASSWORD);
    await page.getByRole('button', { name: 'Review' }).click();
    const summary = page.getByRole('region', { name: 'What will be created' });
    expect(await summary.textContent()).toContain('Use one of my servers');
    await page.getByRole('button', { name: 'Confirm and start' }).click();
    await page.waitForURL(new RegExp(`/orders/${orderRef}\\?started`));

    // The deployment asks for the hardware ID: the page shows the form (it reloads by itself).
    const hardwareId = page.getByLabel('Hardware ID (identification code)');
    await expect.poll(() => hardwareId.isVisible(), { timeout: 60_000 }).toBe(true);
    expect(await page.locator('[data-deployment-state]').getAttribute('data-awaiting')).toBe(
      'hardwareId',
    );
    await lookAt(page, 'buyer-order-hardware-id');
    await hardwareId.fill('not a fingerprint');
    await page.getByRole('button', { name: 'Submit the hardware ID' }).click();
    await expect
      .poll(() => page.locator('#f-hardwareId-error').allTextContents())
      .toEqual([expect.stringContaining('INVALID_FINGERPRINT')]);
    await page.getByLabel('Hardware ID (identification code)').fill(HARDWARE_ID);
    await page.getByRole('button', { name: 'Submit the hardware ID' }).click();
    await page.waitForURL(/\?hardwareId/);
    await expect
      .poll(() => page.locator('[data-deployment-state]').getAttribute('data-deployment-state'), {
        timeout: 60_000,
      })
      .toBe('succeeded');

    // The license file, bound to that hardware ID, downloads through the console.
    const license = page.getByRole('region', { name: 'License' });
    await expect.poll(() => license.isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await license.textContent()).toContain(CANONICAL);
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      license.getByRole('link', { name: 'Download the license file' }).click(),
    ]);
    const jws = readFileSync(await file.path(), 'utf8');
    expect(jws.split('.')).toHaveLength(3);

    // The seller confirms; the buyer rejects, saying why.
    expect((await seller('confirm')).status).toBe(200);
    await page.goto(`${server.url}/console/buyer/orders/${orderRef}`);
    const acceptance = page.getByRole('region', { name: 'Acceptance' });
    expect(await acceptance.textContent()).toContain('Installed and licensed on your server.');
    await lookAt(page, 'buyer-order-acceptance');
    await page.getByLabel('Why do you reject it?').fill('The service does not answer on 8443.');
    await page.getByRole('button', { name: 'Reject the delivery' }).click();
    await page.waitForURL(/\?rejected/);
    expect(await page.locator('#supervision-state').textContent()).toBe('Rejected by buyer');
    expect(
      await page.getByRole('region', { name: 'Supervision history' }).first().textContent(),
    ).toContain('The service does not answer on 8443.');

    // The seller delivers again and confirms; this time the buyer accepts.
    expect((await seller('redeliver')).status).toBe(200);
    expect((await seller('confirm')).status).toBe(200);
    await page.goto(`${server.url}/console/buyer/orders/${orderRef}`);
    await page.getByRole('button', { name: 'Accept the delivery' }).click();
    await page.waitForURL(/\?accepted/);
    expect(['Accepted', 'Completed']).toContain(
      await page.locator('#supervision-state').textContent(),
    );
    expect(await page.getByRole('region', { name: 'Acceptance' }).count()).toBe(0);
    await context.close();
  }, 150_000);

  it('cancels a deployment that waits for the hardware ID, after asking', async () => {
    const started = await stack.t.call('POST', `/v1/orders/${secondOrder}/deployments`, {
      key: buyerKey,
      body: {
        server: { existingId: own.serverId },
        vpc: { existingId: own.vpcId },
        subnet: { existingId: own.subnetId },
        securityGroup: { existingId: own.securityGroupId },
        adminPassword: PASSWORD,
      },
    });
    expect(started.status).toBe(201);
    const context = await newContext(browser);
    const page = await context.newPage();
    const asked: string[] = [];
    page.on('dialog', (d) => {
      asked.push(d.message());
      void d.accept();
    });
    await signIn(page, server.url, buyerKey);
    await page.goto(`${server.url}/console/buyer/orders/${secondOrder}`);
    const hardwareId = page.getByLabel('Hardware ID (identification code)');
    await expect.poll(() => hardwareId.isVisible(), { timeout: 60_000 }).toBe(true);
    await page.getByRole('button', { name: 'Cancel the deployment' }).click();
    await page.waitForURL(/\?cancelling/);
    expect(asked).toEqual([expect.stringContaining('Cancel this deployment?')]);
    await expect
      .poll(() => page.locator('[data-deployment-state]').getAttribute('data-deployment-state'), {
        timeout: 60_000,
      })
      .toBe('cancelled');
    await expect
      .poll(() => page.getByRole('link', { name: 'Start Deployment again' }).count(), {
        timeout: 10_000,
      })
      .toBe(1);
    await context.close();
  }, 120_000);
});
