import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { findLicense } from '../../../src/db/repositories/licenses.js';
import { createEvidenceService } from '../../../src/evidence/evidence-service.js';
import { createDirectoryPackageStore } from '../../../src/packages/directory-store.js';
import { launchChromium, lookAt, newContext, serveHttp, signIn } from '../../helpers/browser.js';
import { seedOrder, seedProduct } from '../../helpers/deploy.js';
import { startDeploymentStack, type DeploymentStack } from '../../helpers/deployment-stack.js';

const ISSUER = 'http://oneclick.test';
const PASSWORD = 'Seller-Evid3nce!42';

/**
 * A seller's order whose one-click deployment really delivered (sandbox cloud, sshd, the worker
 * on the dev server): the order page shows the delivery evidence, hands it over as files, and
 * Confirm completion without an uploaded file submits that evidence as the acceptance report.
 */
describe('seller supervision console with a delivered deployment', () => {
  let stack: DeploymentStack;
  let server: Awaited<ReturnType<typeof serveHttp>>;
  let browser: Browser;
  let reportsDir: string;
  let sellerKey: string;
  let orderRef: string;
  let deployed: Awaited<ReturnType<DeploymentStack['deploy']>>;

  beforeAll(async () => {
    reportsDir = mkdtempSync(path.join(tmpdir(), 'oneclick-seller-evidence-'));
    stack = await startDeploymentStack({
      issuer: ISSUER,
      appDeps: (db, license) => ({
        evidence: createEvidenceService({ db, license, issuer: ISSUER }),
        packageStore: createDirectoryPackageStore(reportsDir),
      }),
    });
    const { t } = stack;
    const buyer = await t.principal('buyer', 'Wang');
    const seller = await t.principal('seller', 'Acme Software');
    sellerKey = seller.key;
    const sellerId = seller.principal.sellerId!;
    const product = await seedProduct(t.db, stack.store, sellerId, { name: 'Acme Analytics' });
    orderRef = await seedOrder(t.db, {
      buyerId: buyer.principal.buyerId!,
      sellerId,
      productId: product.id,
    });
    deployed = await stack.deploy(orderRef, buyer.key, PASSWORD);
    // The buyer claims the code and the seller's software activates it: confirmation is next.
    const claimed = await t.call('POST', `/v1/licenses/${deployed.result.licenseId}/claim`, {
      key: buyer.key,
    });
    expect(claimed.status).toBe(200);
    const license = await findLicense(t.db, 'id', deployed.result.licenseId);
    await stack.license.codes.activate(sellerId, stack.license.codes.reveal(license!));
    server = await serveHttp(t.app.fetch);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await stack?.stop();
    if (reportsDir) rmSync(reportsDir, { recursive: true, force: true });
  });

  it('shows the delivery evidence, downloads it, and confirms completion with it as the report', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, server.url, sellerKey);
    await page.goto(`${server.url}/console/seller/orders/${orderRef}`);
    expect(await page.locator('#supervision-state').textContent()).toBe(
      'Authorization code activated',
    );
    const evidence = page.getByRole('region', { name: 'Delivery evidence' });
    expect(await evidence.textContent()).toContain(deployed.deploymentId);
    expect(await evidence.textContent()).toContain(deployed.result.serverIp);
    expect(await evidence.textContent()).toMatch(/SHA256:[A-Za-z0-9+/]{43}/);
    const steps = page.getByRole('table', { name: 'Deployment steps' }).locator('tbody tr');
    expect(await steps.count()).toBeGreaterThanOrEqual(8);
    expect(await steps.filter({ hasText: 'Package upload' }).textContent()).toContain('Succeeded');
    await lookAt(page, 'seller-order-evidence');

    const download = async (name: string) => {
      const [file] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name }).click(),
      ]);
      return { name: file.suggestedFilename(), text: readFileSync(await file.path(), 'utf8') };
    };
    const html = await download('Download the evidence page (HTML)');
    expect(html.name).toBe(`evidence-${orderRef}.html`);
    expect(html.text).toContain(deployed.deploymentId);
    const json = await download('Download the signed evidence (JSON with JWS)');
    const signed = JSON.parse(json.text) as { document: { order: { ref: string } }; jws: string };
    expect(signed.document.order.ref).toBe(orderRef);
    expect(signed.jws.split('.')).toHaveLength(3);

    // No file chosen: OneClick's signed evidence is the acceptance report.
    await page.getByLabel('Description of the delivery').fill('Deployed with OneClick.');
    await page.getByRole('button', { name: 'Confirm completion' }).click();
    await page.waitForURL(/\?confirmed/);
    expect(await page.locator('#supervision-state').textContent()).toBe('Completed');
    expect(await page.getByRole('region', { name: 'Your confirmation' }).textContent()).toContain(
      `OneClick’s delivery evidence of ${deployed.deploymentId}`,
    );
    const view = (await (
      await stack.t.call('GET', `/v1/orders/${orderRef}/supervision`, { key: sellerKey })
    ).json()) as { confirmation: { report: { kind: string; deploymentId: string } } };
    expect(view.confirmation.report).toMatchObject({
      kind: 'generated-evidence',
      deploymentId: deployed.deploymentId,
    });
    await lookAt(page, 'seller-order-evidence-confirmed');
    await context.close();
  });
});
