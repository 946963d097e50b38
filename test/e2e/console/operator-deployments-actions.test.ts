import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { Client, Connection } from '@temporalio/client';
import { newId } from '../../../src/db/ids.js';
import {
  insertOrGetActiveDeployment,
  setDeploymentRunId,
} from '../../../src/db/repositories/deployments.js';
import { createDirectoryPackageStore } from '../../../src/packages/directory-store.js';
import { DEFAULT_FLAVOR, DEFAULT_IMAGE_ID } from '../../../src/sandbox/emulator.js';
import { createSqlSecretStore } from '../../../src/secrets/secret-store.js';
import { createTemporalGateway } from '../../../src/temporal/gateway/index.js';
import { startTestApp, type TestApp } from '../../helpers/api.js';
import { seedOrder, seedProduct, testKeyring } from '../../helpers/deploy.js';
import { launchChromium, lookAt, newContext, serveHttp, signIn } from '../../helpers/browser.js';

/**
 * Cancel and terminate from the console, each confirmed, on deployments that stay running: their
 * workflows wait on a task queue no worker polls, so they move only when an operator acts.
 */
describe('operator deployment actions console', () => {
  const keyring = testKeyring();
  let t: TestApp;
  let client: Client;
  let storeDir: string;
  let server: Awaited<ReturnType<typeof serveHttp>>;
  let browser: Browser;
  let operatorKey: string;
  let owner: { buyerId: string; sellerId: string };
  const open: { workflowId: string; runId: string }[] = [];

  beforeAll(async () => {
    client = new Client({
      connection: await Connection.connect({ address: inject('temporalAddress') }),
      namespace: inject('temporalNamespace'),
    });
    t = await startTestApp('pglite', {
      temporal: createTemporalGateway(client, `operator-console-${randomUUID()}`),
      secretsKeyring: keyring,
    });
    storeDir = mkdtempSync(path.join(tmpdir(), 'oneclick-operator-console-'));
    server = await serveHttp(t.app.fetch);
    browser = await launchChromium();
    operatorKey = (await t.principal('operator', 'Olga')).key;
    const b = await t.principal('buyer', 'Bo');
    const s = await t.principal('seller', 'Acme Software');
    owner = { buyerId: b.principal.buyerId!, sellerId: s.principal.sellerId! };
  });
  afterAll(async () => {
    for (const run of open) {
      await client.workflow
        .getHandle(run.workflowId, run.runId)
        .terminate('test cleanup')
        .catch(() => undefined);
    }
    await browser?.close();
    await server?.close();
    await client?.connection.close();
    await t?.close();
    if (storeDir) rmSync(storeDir, { recursive: true, force: true });
  });

  /** A deployment whose workflow runs on a queue nobody polls, with the buyer's ECS password. */
  async function stuckDeployment() {
    const product = await seedProduct(t.db, createDirectoryPackageStore(storeDir), owner.sellerId);
    const orderRef = await seedOrder(t.db, { ...owner, productId: product.id });
    const adminPassRef = await createSqlSecretStore(t.db, keyring).put(
      'ecs-admin-pass',
      'Operator!sees-7',
    );
    const deploymentId = newId('dep');
    const input = {
      deploymentId,
      orderRef,
      choices: {
        vpc: { cidr: '192.168.0.0/16' },
        subnet: { cidr: '192.168.1.0/24', gatewayIp: '192.168.1.1' },
        securityGroup: { create: true as const },
        server: { imageRef: DEFAULT_IMAGE_ID, flavorRef: DEFAULT_FLAVOR },
        adminPassRef,
      },
    };
    const workflowId = `deploy-${orderRef}`;
    await insertOrGetActiveDeployment(t.db, {
      id: deploymentId,
      orderRef,
      workflowId,
      request: input,
    });
    const idle = createTemporalGateway(client, `nobody-polls-${randomUUID()}`);
    const started = await idle.startDeployment(workflowId, input, {
      id: orderRef,
      sellerId: owner.sellerId,
      productId: product.id,
    });
    if (started.outcome !== 'running') throw new Error('the stuck deployment did not start');
    await setDeploymentRunId(t.db, deploymentId, started.firstExecutionRunId);
    open.push({ workflowId, runId: started.firstExecutionRunId });
    return { deploymentId, orderRef };
  }

  async function operatorPage(): Promise<Page> {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, server.url, operatorKey);
    return page;
  }

  /** Accepts the next confirmation, keeping its question. */
  const confirmNext = (page: Page) =>
    new Promise<string>((resolve) => {
      page.once('dialog', (d) => {
        resolve(d.message());
        void d.accept();
      });
    });

  it("terminates a running deployment after a confirmation saying it does not compensate, and shows why a retry needs the buyer's password", async () => {
    const stuck = await stuckDeployment();
    const page = await operatorPage();
    await page.goto(`${server.url}/console/operator/deployments/${stuck.deploymentId}`);
    expect(await page.locator('main dl.facts').first().textContent()).toContain('Running');
    // Running: cancel and terminate, no retry.
    expect(await page.getByRole('button', { name: 'Retry' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Cancel deployment' }).count()).toBe(1);
    await lookAt(page, 'operator-deployments-timeline-running');

    // A blank reason is refused beside its field (the browser's own check taken away).
    await page.evaluate(
      `document.querySelector('#f-terminate-reason').removeAttribute('required')`,
    );
    let question = confirmNext(page);
    await page.getByRole('button', { name: 'Terminate' }).click();
    expect(await question).toContain('does NOT compensate');
    await page.waitForLoadState();
    const error = page.locator('#f-terminate-reason-error');
    await expect
      .poll(() => error.textContent())
      .toBe('Give a reason: it is kept in the audit log.');
    expect(await page.locator('#f-terminate-reason').getAttribute('aria-invalid')).toBe('true');
    await lookAt(page, 'operator-deployments-terminate-invalid');

    question = confirmNext(page);
    await page.getByLabel('Reason (required, kept in the audit log)').fill('runaway deployment');
    await page.getByRole('button', { name: 'Terminate' }).click();
    expect(await question).toBe(
      'Terminate this deployment now? This does NOT compensate: everything it created stays and must be removed by hand.',
    );
    await page.waitForURL((u) => u.searchParams.get('done') === 'terminate');
    expect(await page.getByRole('status').textContent()).toBe('Terminated. Nothing was undone.');
    const facts = page.locator('main dl.facts').first();
    expect(await facts.textContent()).toContain('TERMINATED');
    await expect.poll(() => facts.textContent()).toContain('runaway deployment');
    await lookAt(page, 'operator-deployments-timeline-terminated');

    // Its request named the buyer's ECS password, which went with the run: the API refuses.
    question = confirmNext(page);
    await page.getByRole('button', { name: 'Retry' }).click();
    expect(await question).toBe('Start a new deployment of this order from the same request?');
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain("The buyer's ECS password was discarded");
    expect(await page.getByRole('alert').textContent()).toContain('RETRY_NEEDS_PASSWORD');
    await lookAt(page, 'operator-deployments-retry-refused');
    await page.context().close();
  });

  it('cancels a running deployment after confirming, and shows the cancellation requested', async () => {
    const stuck = await stuckDeployment();
    const page = await operatorPage();
    await page.goto(`${server.url}/console/operator/deployments/${stuck.deploymentId}`);
    const question = confirmNext(page);
    await page.getByLabel('Reason (optional, kept in the audit log)').fill('buyer asked');
    await page.getByRole('button', { name: 'Cancel deployment' }).click();
    expect(await question).toBe('Cancel this deployment? Its workflow removes what it created.');
    await page.waitForURL((u) => u.searchParams.get('done') === 'cancel');
    expect(await page.getByRole('status').textContent()).toBe(
      'Cancellation requested. The workflow is removing what it created.',
    );
    // Temporal's history has the request (the reason is in the audit log).
    await expect
      .poll(() => page.locator('main dl.facts').first().textContent())
      .toContain('Cancellation requested');
    await lookAt(page, 'operator-deployments-timeline-cancel-requested');

    // The list shows it with the filters an operator would use for it.
    await page.goto(
      `${server.url}/console/operator/deployments?status=running&orderId=${stuck.orderRef}`,
    );
    await expect.poll(() => page.locator(`#row-${stuck.deploymentId}`).count()).toBe(1);
    await page.context().close();
  });

  it('shows a filter the API refuses next to its field, in words', async () => {
    const page = await operatorPage();
    const res = await page.goto(
      `${server.url}/console/operator/deployments?sellerId=${encodeURIComponent("x' OR 1")}`,
    );
    expect(res!.status()).toBe(400);
    expect(await page.locator('#f-sellerId-error').textContent()).toContain('must be an id');
    expect(await page.locator('#f-sellerId').getAttribute('aria-invalid')).toBe('true');
    await lookAt(page, 'operator-deployments-list-invalid');
    await page.context().close();
  });
});
