import { describe, expect, it } from 'vitest';
import {
  awaitingOf,
  deployAction,
  liveActivity,
  mib,
  productName,
  productPorts,
  stateOf,
  utcText,
} from '../../../../src/web/buyer/format.js';
import type { DeploymentView, OrderView } from '../../../../src/web/buyer/types.js';

const order = (o: Partial<OrderView> & { state?: string; model?: string } = {}): OrderView => ({
  id: 'ord_1',
  orderId: 'CS1',
  orderLineId: 'CS1-000001',
  productId: 'prd_1',
  skuCode: null,
  status: 'active',
  expireTime: null,
  testFlag: false,
  supervision: {
    licenseModel: o.model ?? 'license2',
    state: o.state ?? 'awaiting_delivery',
    serviceStartTime: null,
  },
  createdAt: '2026-01-02T03:04:05.000Z',
  ...o,
});

const deployment = (d: Partial<DeploymentView> = {}): DeploymentView => ({
  id: 'dep_1',
  orderRef: 'ord_1',
  state: 'install',
  failure: null,
  createdAt: '2026-01-02T03:04:05.000Z',
  updatedAt: '2026-01-02T03:04:05.000Z',
  finishedAt: null,
  steps: [],
  ...d,
});

describe('buyer page helpers', () => {
  it('writes sizes in MiB and times in UTC', () => {
    expect(mib(0)).toBe('0.0');
    expect(mib(5 * 1024 * 1024 + 512 * 1024)).toBe('5.5');
    expect(utcText('2026-12-04T13:16:07.875Z')).toBe('2026-12-04 13:16 UTC');
    expect(utcText('soon')).toBe('soon');
  });

  it('reads the heartbeat fields beside the progress, nested, or not at all', () => {
    expect(liveActivity(undefined)).toBeUndefined();
    expect(liveActivity({ state: 'push', steps: [] })).toBeUndefined();
    const flat = { step: 'push', bytesSent: 10, totalBytes: 20, bytesPerSecond: 5, at: 'now' };
    expect(liveActivity(flat)).toEqual(flat);
    expect(
      liveActivity({ state: 'install', live: { step: 'install', outputTail: 'ok', at: 'x' } }),
    ).toEqual({
      step: 'install',
      outputTail: 'ok',
      at: 'x',
    });
    // Values of the wrong type are left out, not shown.
    expect(
      liveActivity({ step: 'push', bytesSent: -1, outputTail: 7 } as unknown as Parameters<
        typeof liveActivity
      >[0]),
    ).toBeUndefined();
  });

  it("takes the workflow's state while it runs, and the database's once it ended", () => {
    expect(stateOf(deployment({ state: 'server', live: { state: 'ssh' } }))).toBe('ssh');
    expect(stateOf(deployment({ state: 'succeeded', live: { state: 'report' } }))).toBe(
      'succeeded',
    );
    expect(awaitingOf(deployment({ live: { state: 'license', awaiting: 'hardwareId' } }))).toBe(
      'hardwareId',
    );
    expect(
      awaitingOf(deployment({ state: 'failed', live: { awaiting: 'hardwareId' } })),
    ).toBeUndefined();
  });

  it('offers Start Deployment only to an undelivered active order with nothing running or done', () => {
    expect(deployAction(order(), undefined)).toBe('start');
    expect(deployAction(order(), 'failed')).toBe('start');
    expect(deployAction(order(), 'cancelled')).toBe('start');
    expect(deployAction(order(), 'push')).toBe('running');
    expect(deployAction(order(), 'succeeded')).toBe('none');
    expect(deployAction(order({ state: 'code_claimed' }), undefined)).toBe('none');
    expect(deployAction(order({ status: 'expired' }), undefined)).toBe('none');
    expect(
      deployAction(order({ model: 'license1', state: 'awaiting_hardware_id' }), undefined),
    ).toBe('start');
    expect(deployAction(order({ model: 'license1', state: 'seller_confirmed' }), undefined)).toBe(
      'none',
    );
  });

  it("names the product and its ports when the API gives them, else the product's id", () => {
    expect(productName(order())).toBe('prd_1');
    expect(productPorts(order())).toBeUndefined();
    const named = order({ product: { name: 'Acme Analytics', ports: [8443, { port: 22 }, 'x'] } });
    expect(productName(named)).toBe('Acme Analytics');
    expect(productPorts(named)).toEqual([8443, 22]);
  });
});
