import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { startTestApp, type TestApp } from '../../helpers/api.js';
import { createLicenseServices } from '../../../src/license/services.js';
import { wrappingKeysFrom } from '../../../src/license/wrapping-keys.js';
import { createTemporalGateway, lifecycleWorkflowId } from '../../../src/temporal/gateway/index.js';

/**
 * Marketplace renewals and unsubscriptions reach the order's license lifecycle workflow on the
 * real dev server (no worker runs here: the signals are read back from the workflow's history).
 */
describe('marketplace events and the license lifecycle', () => {
  let t: TestApp;
  let connection: Connection;
  let client: Client;
  const taskQueue = `mkt-license-${randomUUID()}`;

  beforeAll(async () => {
    connection = await Connection.connect({ address: inject('temporalAddress') });
    client = new Client({ connection, namespace: inject('temporalNamespace') });
    t = await startTestApp('pglite', { temporal: createTemporalGateway(client, taskQueue) });
  });
  afterAll(async () => {
    await t.close();
    await connection.close();
  });

  async function signalsOf(workflowId: string): Promise<string[]> {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? [])
      .map((e) => e.workflowExecutionSignaledEventAttributes?.signalName)
      .filter((n): n is string => Boolean(n));
  }

  it("signals renew and then unsubscribe to the lifecycle of the order's license", async () => {
    const license = createLicenseServices({
      sql: t.db,
      wraps: wrappingKeysFrom({ activeId: 'k1', keys: new Map([['k1', randomBytes(32)]]) }),
      issuer: 'http://oneclick.test',
    });
    const seller = await t.principal('seller', 'acme');
    const product = await t.call('POST', '/v1/products', {
      key: seller.key,
      body: { marketplaceProductId: 'OFFI-LIFE', name: 'Acme', licenseModel: 'license2' },
    });
    expect(product.status).toBe(201);
    const paid = await t.marketplace('paid', {
      orderId: 'CS-L1',
      orderLineId: 'CS-L1-1',
      customerId: 'cust-l',
      productId: 'OFFI-LIFE',
      expireTime: '20271124000000',
    });
    const orderRef = ((await paid.json()) as { order: { id: string } }).order.id;
    const { license: issued } = await license.codes.issue(orderRef, 'test');
    const workflowId = lifecycleWorkflowId(issued.id);

    const renewed = await t.marketplace('renewed', {
      orderId: 'CS-L1-R',
      orderLineId: 'CS-L1-1',
      expireTime: '20281124000000',
    });
    expect(renewed.status).toBe(201);
    expect(await signalsOf(workflowId)).toEqual(['renew']);

    const unsub = await t.marketplace('unsubscribed', {
      orderId: 'CS-L1-U',
      orderLineId: 'CS-L1-1',
    });
    expect(unsub.status).toBe(201);
    expect(await signalsOf(workflowId)).toEqual(['renew', 'unsubscribe']);
    await client.workflow.getHandle(workflowId).terminate('test done');
  });

  it('records an event for an order without a license and tells no workflow', async () => {
    const seller = await t.principal('seller', 'other');
    await t.call('POST', '/v1/products', {
      key: seller.key,
      body: { marketplaceProductId: 'OFFI-NOLIC', name: 'Other', licenseModel: 'license2' },
    });
    await t.marketplace('paid', {
      orderId: 'CS-N1',
      orderLineId: 'CS-N1-1',
      customerId: 'c',
      productId: 'OFFI-NOLIC',
    });
    const res = await t.marketplace('unsubscribed', { orderId: 'CS-N1-U', orderLineId: 'CS-N1-1' });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { order: { status: string } }).order.status).toBe('unsubscribed');
  });
});
