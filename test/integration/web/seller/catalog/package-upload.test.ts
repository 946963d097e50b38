import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../../helpers/api.js';
import { consoleSignIn } from '../../../../helpers/console-session.js';
import { createDirectoryPackageStore } from '../../../../../src/packages/directory-store.js';

const MAX = 4 * 1024 * 1024;

/** The console's streamed package upload, through the whole app as a signed-in browser. */
describe('console package upload', () => {
  let t: TestApp;
  let root: string;
  let seller: { cookie: string; csrf: string };
  let productId: string;

  /** Signs a browser in; its session cookie and the CSRF token its pages carry. */
  async function browser(key: string) {
    const { cookie, csrf } = await consoleSignIn(t.app, key);
    return { cookie, csrf };
  }

  const upload = (
    who: { cookie: string; csrf?: string },
    query: string,
    body: string | Uint8Array | ReadableStream<Uint8Array>,
    headers: Record<string, string> = {},
  ) =>
    t.app.request(`/console/seller/package-upload?${query}`, {
      method: 'POST',
      headers: {
        cookie: who.cookie,
        ...(who.csrf && { 'x-csrf-token': who.csrf }),
        'content-type': 'application/octet-stream',
        ...headers,
      },
      body,
      // A streamed body (undici's option).
      ...({ duplex: 'half' } as object),
    });

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'console-upload-'));
    t = await startTestApp('pglite', {
      packageStore: createDirectoryPackageStore(root),
      maxPackageBytes: MAX,
    });
    const { key } = await t.principal('seller', 'acme');
    seller = await browser(key);
    expect(seller.csrf).not.toBe('');
    const res = await t.call('POST', '/v1/products', {
      key,
      body: { marketplaceProductId: 'OFFI-UP', name: 'Acme', licenseModel: 'license2' },
    });
    productId = ((await res.json()) as { id: string }).id;
  });
  afterAll(async () => {
    await t?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('streams a body over the 1 MiB JSON limit into the product’s package, and answers its sha256', async () => {
    const bytes = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 7) % 256);
    // Sent in chunks with no length, as a stream: nothing here needs the whole file at once.
    const chunks = Array.from({ length: 12 }, (_, i) =>
      bytes.subarray(i * 256 * 1024, (i + 1) * 256 * 1024),
    );
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const res = await upload(seller, `product=${productId}&fileName=acme-1.0.tar.gz`, stream);
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { sha256: string; sizeBytes: number; size: string };
    expect(body).toMatchObject({
      sha256: createHash('sha256').update(bytes).digest('hex'),
      sizeBytes: bytes.length,
      size: '3 MiB',
    });
    const rows = await t.db.query<{ sha256: string }>(
      'select sha256 from packages where product_id = $1',
      [productId],
    );
    expect(rows.map((r) => r.sha256)).toEqual([body.sha256]);
  });

  it('answers the API’s refusals in words: too large, a bad name, not the seller’s product', async () => {
    const big = await upload(
      seller,
      `product=${productId}&fileName=big.tar.gz`,
      new Uint8Array(MAX + 1),
    );
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({
      error: {
        code: 'PACKAGE_TOO_LARGE',
        message: 'The package is too large: OneClick accepts packages up to 4 MiB.',
      },
    });
    const name = await upload(seller, `product=${productId}&fileName=my app.tgz`, 'x');
    expect(name.status).toBe(400);
    expect(((await name.json()) as { error: { message: string } }).error.message).toContain(
      'Rename the file',
    );
    const other = await browser((await t.principal('seller', 'other')).key);
    const foreign = await upload(other, `product=${productId}&fileName=a.tgz`, 'x');
    expect(foreign.status).toBe(404);
    expect(((await foreign.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    const none = await upload(seller, 'fileName=a.tgz', 'x');
    expect(none.status).toBe(400);
  });

  it('refuses an upload without the CSRF token, from another origin, or from a buyer', async () => {
    const query = `product=${productId}&fileName=a.tgz`;
    expect((await upload({ cookie: seller.cookie }, query, 'x')).status).toBe(403);
    expect((await upload(seller, query, 'x', { origin: 'https://evil.example' })).status).toBe(403);
    const buyer = await browser((await t.principal('buyer', 'bob')).key);
    expect((await upload(buyer, query, 'x')).status).toBe(403);
    expect(await t.db.query('select id from packages where file_name = $1', ['a.tgz'])).toEqual([]);
  });

  it('explains to a browser without JavaScript how to upload, and never reads a multipart body', async () => {
    const help = await t.app.request(
      `/console/seller/package-upload?product=${productId}&package=a.tgz`,
      {
        headers: { cookie: seller.cookie },
      },
    );
    expect(help.status).toBe(400);
    const html = await help.text();
    expect(html).toContain('Upload needs JavaScript');
    expect(html).toContain(`/console/seller/products/${productId}`);
    // A multipart post carries its token in the body, which an upload path never reads: refused.
    const form = new FormData();
    form.set('_csrf', seller.csrf);
    form.set('package', new Blob(['hello']), 'a.tgz');
    const posted = await t.app.request(`/console/seller/package-upload?product=${productId}`, {
      method: 'POST',
      headers: { cookie: seller.cookie },
      body: form,
    });
    expect(posted.status).toBe(403);
  });
});
