import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicenseServices } from '../../../../src/license/services.js';
import { startTestApp, type TestApp } from '../../../helpers/api.js';
import { consoleSignIn } from '../../../helpers/console-session.js';
import { createDirectoryPackageStore } from '../../../../src/packages/directory-store.js';
import { seedOrder, seedProduct } from '../../../helpers/deploy.js';
import { testWraps } from '../../../helpers/license/seed.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * The buyer's pages over an app with neither Temporal nor a cloud connector: every refusal the
 * API gives is shown in words (beside its field, or above the form), never as a 5xx, and foreign
 * or unknown ids are the 404 page.
 */
describe('buyer pages, refusals', () => {
  let t: TestApp;
  let dir: string;
  let orderRef: string;
  let cookie: string;
  let token: string;

  async function session(key: string) {
    const signedIn = await consoleSignIn(t.app, key);
    return { cookie: signedIn.cookie, token: signedIn.csrf, html: signedIn.html };
  }
  const get = (p: string) => t.app.request(p, { headers: { cookie } });
  const post = (p: string, form: Record<string, string> = {}) =>
    t.app.request(p, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: token, ...form }).toString(),
    });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'oc-buyer-pages-'));
    t = await startTestApp('pglite', (db) => ({
      license: createLicenseServices({ sql: db, wraps: testWraps(), issuer: 'http://127.0.0.1' }),
    }));
    const buyer = await t.principal('buyer', 'Wang');
    const seller = await t.principal('seller', 'Acme');
    const product = await seedProduct(
      t.db,
      createDirectoryPackageStore(dir),
      seller.principal.sellerId!,
      { name: 'Acme Analytics' },
    );
    orderRef = await seedOrder(t.db, {
      buyerId: buyer.principal.buyerId!,
      sellerId: seller.principal.sellerId!,
      productId: product.id,
    });
    ({ cookie, token } = await session(buyer.key));
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the order with Start Deployment, and shows it with no deployment yet', async () => {
    const list = await (await get('/console/buyer/orders')).text();
    expect(list).toContain(`href="/console/buyer/orders/${orderRef}/deploy"`);
    const page = await get(`/console/buyer/orders/${orderRef}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Start Deployment');
    expect(html).not.toContain('data-deployment-state');
    expect(html).not.toContain('<section id="license"');
  });

  it('shows the form with a text field for each list the cloud could not give', async () => {
    const res = await get(`/console/buyer/orders/${orderRef}/deploy?region=NOT%20A%20REGION`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Enter a region name such as cn-north-4.');
    expect(html).toMatch(/<input id="f-flavorRef" name="flavorRef"/);
    expect(html).toContain('The list could not be loaded');
  });

  it('says why a deployment cannot start without Temporal, and never echoes the password', async () => {
    const res = await post(`/console/buyer/orders/${orderRef}/deploy`, {
      _idem: 'console-test-1',
      flavorRef: 's6.small.1',
      imageRef: 'img-1',
      vpcCidr: '192.168.0.0/16',
      subnetCidr: '192.168.1.0/24',
      gatewayIp: '192.168.1.1',
      adminPassword: 'Secret-Pass!42',
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('OneClick cannot do this right now');
    expect(html).not.toContain('Secret-Pass!42');
  });

  it('answers each order action refused by the API in words, beside its field', async () => {
    const cancel = await post(`/console/buyer/orders/${orderRef}/cancel`);
    expect(cancel.status).toBe(409);
    expect(await cancel.text()).toContain('No deployment of this order is running.');
    const accept = await post(`/console/buyer/orders/${orderRef}/accept`);
    expect(accept.status).toBe(409);
    expect(await accept.text()).toContain('That is not possible in the order’s current state.');
    const reject = await post(`/console/buyer/orders/${orderRef}/reject`, { reason: 'No.' });
    expect(reject.status).toBe(409);
    expect(await reject.text()).toContain('That is not possible in the order’s current state.');
    const hardware = await post(`/console/buyer/orders/${orderRef}/hardware-id`, {
      hardwareId: 'aa|bb|cc|dd',
    });
    expect(hardware.status).toBe(409);
  });

  it("answers 404 for unknown and foreign ids, the evidence before delivery, and a license that isn't the order's", async () => {
    const other = await t.principal('buyer', 'Li');
    const foreign = await session(other.key);
    const theirs = await t.app.request(`/console/buyer/orders/${orderRef}`, {
      headers: { cookie: foreign.cookie },
    });
    expect(theirs.status).toBe(404);
    for (const p of [
      '/console/buyer/orders/ord_nope',
      '/console/buyer/orders/..%2F..%2Fetc',
      `/console/buyer/orders/${orderRef}/license/lic_nope`,
      `/console/buyer/orders/${orderRef}/live`,
    ]) {
      expect((await get(p)).status, p).toBe(404);
    }
    expect((await post('/console/buyer/cloud-accounts/acc_nope/unlink')).status).toBe(404);
  });

  it('says cloud accounts cannot be linked where OneClick has no cloud connector', async () => {
    const res = await get('/console/buyer/cloud-accounts');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('This OneClick deploys only into its own account.');
  });
});
