import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct } from '../../../../../src/db/repositories/products.js';
import { createDirectoryPackageStore } from '../../../../../src/packages/directory-store.js';
import { startTestApp, type TestApp } from '../../../../helpers/api.js';
import { consoleSignIn } from '../../../../helpers/console-session.js';
import { seedOrder } from '../../../../helpers/deploy.js';

const MiB = 1024 * 1024;

/** The session cookie and CSRF token of a console sign-in with `apiKey`. */
async function consoleSession(t: TestApp, apiKey: string) {
  const { cookie, csrf } = await consoleSignIn(t.app, apiKey);
  return { cookie, token: csrf };
}

/** A body that arrives in chunks, with no Content-Length (as a streamed upload may). */
function chunked(bytes: number, first = '%PDF-1.4\n'): ReadableStream<Uint8Array> {
  let sent = 0;
  const chunk = Buffer.alloc(256 * 1024, 0x61);
  return new ReadableStream({
    pull(controller) {
      if (sent === 0) {
        controller.enqueue(new TextEncoder().encode(first));
        sent += first.length;
        return;
      }
      if (sent >= bytes) return controller.close();
      const part = chunk.subarray(0, Math.min(chunk.length, bytes - sent));
      controller.enqueue(new Uint8Array(part));
      sent += part.length;
    },
  });
}

/**
 * /console/seller/report-upload: the report streams through the console to the API's
 * acceptance-report upload as the signed-in seller, and its refusals come back in words.
 */
describe('console acceptance report upload', () => {
  let t: TestApp;
  let storeDir: string;
  let session: { cookie: string; token: string };
  let orderRef: string;
  let foreignOrder: string;

  beforeAll(async () => {
    storeDir = mkdtempSync(path.join(tmpdir(), 'oneclick-report-upload-'));
    t = await startTestApp('pglite', { packageStore: createDirectoryPackageStore(storeDir) });
    const seller = await t.principal('seller', 'acme');
    const rival = await t.principal('seller', 'rival');
    const buyer = await t.principal('buyer', 'lin');
    const product = async (sellerId: string) =>
      (
        await createProduct(t.db, sellerId, {
          marketplaceProductId: `MP-${sellerId}`,
          skuCode: null,
          name: 'Demo',
          licenseModel: 'license2',
          installCommand: 'true',
          verifyCommand: null,
          installDir: '/opt/demo',
          licensePath: '/opt/demo/license',
          ports: [],
          variables: {},
        })
      ).id;
    const ids = (sellerId: string, productId: string) => ({
      buyerId: buyer.principal.buyerId!,
      sellerId,
      productId,
    });
    orderRef = await seedOrder(
      t.db,
      ids(seller.principal.sellerId!, await product(seller.principal.sellerId!)),
    );
    foreignOrder = await seedOrder(
      t.db,
      ids(rival.principal.sellerId!, await product(rival.principal.sellerId!)),
    );
    session = await consoleSession(t, seller.key);
  });
  afterAll(async () => {
    await t?.close();
    if (storeDir) rmSync(storeDir, { recursive: true, force: true });
  });

  const upload = (
    query: string,
    body: string | ReadableStream<Uint8Array> | null,
    headers: Record<string, string> = {},
    withToken = true,
  ) =>
    t.app.request(`/console/seller/report-upload?${query}`, {
      method: 'POST',
      headers: {
        cookie: session.cookie,
        ...(withToken && { 'x-csrf-token': session.token }),
        ...headers,
      },
      body,
      ...(body instanceof ReadableStream && { duplex: 'half' }),
    });

  it('streams a chunked report of several MiB to the API and answers its sha256', async () => {
    const bytes = 6 * MiB;
    const expected = createHash('sha256');
    for await (const part of chunked(bytes)) expected.update(part);
    const res = await upload(
      `orderId=${orderRef}&fileName=${encodeURIComponent('验收 报告.pdf')}`,
      chunked(bytes),
      {
        'content-type': 'application/pdf',
      },
    );
    expect(res.status).toBe(201);
    const body = (await res.json()) as { sha256: string; sizeBytes: number; fileName: string };
    expect(body).toEqual({
      sha256: expected.digest('hex'),
      sizeBytes: bytes,
      fileName: 'acceptance-report.pdf',
    });
    const stored = await t.db.query<{ sha256: string; file_name: string }>(
      'select sha256, file_name from acceptance_reports where order_id = $1',
      [orderRef],
    );
    expect(stored).toEqual([{ sha256: body.sha256, file_name: 'acceptance-report.pdf' }]);
  });

  it('refuses a report over 20 MiB by its length, in words', async () => {
    const res = await upload(`orderId=${orderRef}&fileName=big.pdf`, chunked(21 * MiB), {
      'content-type': 'application/pdf',
      'content-length': String(21 * MiB),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: { code: 'PACKAGE_TOO_LARGE', message: 'The report is larger than 20 MB.' },
    });
  });

  it('refuses a report over 20 MiB that does not say its length, and stores nothing', async () => {
    const before = await t.db.query('select id from acceptance_reports');
    const res = await upload(`orderId=${orderRef}&fileName=big.pdf`, chunked(21 * MiB), {
      'content-type': 'application/pdf',
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      'The report is larger than 20 MB.',
    );
    expect(await t.db.query('select id from acceptance_reports')).toHaveLength(before.length);
  });

  it('answers another seller’s order like a missing one, and a request without an order 400', async () => {
    const foreign = await upload(`orderId=${foreignOrder}&fileName=r.pdf`, '%PDF-1.4 x', {
      'content-type': 'application/pdf',
    });
    expect(foreign.status).toBe(404);
    const missing = await upload('fileName=r.pdf', '%PDF-1.4 x', {
      'content-type': 'application/pdf',
    });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe(
      'VALIDATION_FAILED',
    );
  });

  it('refuses an upload without the CSRF token', async () => {
    const res = await upload(
      `orderId=${orderRef}&fileName=r.pdf`,
      '%PDF-1.4 x',
      { 'content-type': 'application/pdf' },
      false,
    );
    expect(res.status).toBe(403);
  });
});
