import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../helpers/api.js';
import { createDirectoryPackageStore } from '../../../../src/packages/directory-store.js';

describe('package upload', () => {
  let t: TestApp;
  let root: string;
  let seller: string;
  let otherSeller: string;
  let buyer: string;
  let productId: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'pkg-api-'));
    t = await startTestApp('pglite', {
      packageStore: createDirectoryPackageStore(root),
      maxPackageBytes: 4 * 1024 * 1024,
    });
    seller = (await t.principal('seller', 'acme')).key;
    otherSeller = (await t.principal('seller', 'other')).key;
    buyer = (await t.principal('buyer', 'bob')).key;
    const res = await t.call('POST', '/v1/products', {
      key: seller,
      body: { marketplaceProductId: 'OFFI-PKG', name: 'Acme', licenseModel: 'license2' },
    });
    productId = ((await res.json()) as { id: string }).id;
  });
  afterAll(async () => {
    await t.close();
    await rm(root, { recursive: true, force: true });
  });

  const upload = (
    key: string,
    bytes: Uint8Array,
    query: string,
    headers: Record<string, string> = {},
  ) =>
    t.app.request(`/v1/packages?${query}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/octet-stream',
        ...headers,
      },
      body: bytes,
    });

  it("stores a package over 1 MiB, hashed, and records it for the seller's product", async () => {
    const bytes = new Uint8Array(2 * 1024 * 1024).map((_, i) => i % 251);
    const res = await upload(seller, bytes, `fileName=acme-1.0.tar.gz&productId=${productId}`);
    expect(res.status).toBe(201);
    const body = (await res.json()) as {
      id: string;
      sha256: string;
      sizeBytes: number;
      productId: string;
    };
    expect(body.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(body.sizeBytes).toBe(bytes.length);
    expect(body.productId).toBe(productId);
    const rows = await t.db.query('select id from packages where id = $1', [body.id]);
    expect(rows).toHaveLength(1);
  });

  it("refuses a buyer, another seller's product, a wrong type, a bad checksum and an oversized body", async () => {
    const small = new TextEncoder().encode('hello');
    expect((await upload(buyer, small, 'fileName=a.tgz')).status).toBe(403);
    expect((await upload(otherSeller, small, `fileName=a.tgz&productId=${productId}`)).status).toBe(
      404,
    );
    expect(
      (await upload(seller, small, 'fileName=a.tgz', { 'content-type': 'application/json' }))
        .status,
    ).toBe(415);
    const mismatch = await upload(seller, small, 'fileName=a.tgz', {
      'x-content-sha256': '0'.repeat(64),
    });
    expect(mismatch.status).toBeGreaterThanOrEqual(400);
    expect(mismatch.status).toBeLessThan(500);
    const big = await upload(seller, new Uint8Array(5 * 1024 * 1024), 'fileName=big.tgz');
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe(
      'PACKAGE_TOO_LARGE',
    );
    // Only the one good package is left in the store and the table.
    expect(await t.db.query('select id from packages')).toHaveLength(1);
    const files = (await readdir(root, { recursive: true })).filter((f) => !f.endsWith('/'));
    expect(files.filter((f) => /tmp|partial/i.test(f))).toEqual([]);
  });

  it("lists the seller's packages newest first, a page at a time, never another seller's", async () => {
    const second = await upload(
      seller,
      new TextEncoder().encode('second'),
      `fileName=acme-1.1.tar.gz&productId=${productId}`,
    );
    expect(second.status).toBe(201);
    const list = (key: string, query: string) =>
      t.app.request(`/v1/packages?${query}`, { headers: { authorization: `Bearer ${key}` } });
    const first = await list(seller, `productId=${productId}&limit=1`);
    expect(first.status).toBe(200);
    const page1 = (await first.json()) as {
      items: { fileName: string; sha256: string; sizeBytes: number; storageKey?: string }[];
      next: string | null;
    };
    expect(page1.items.map((p) => p.fileName)).toEqual(['acme-1.1.tar.gz']);
    expect(page1.items[0]!.sha256).toBe(createHash('sha256').update('second').digest('hex'));
    expect(page1.items[0]).not.toHaveProperty('storageKey');
    const rest = await list(seller, `productId=${productId}&cursor=${page1.next!}`);
    const page2 = (await rest.json()) as { items: { fileName: string }[]; next: string | null };
    expect(page2.items.map((p) => p.fileName)).toEqual(['acme-1.0.tar.gz']);
    expect(page2.next).toBeNull();

    expect(((await (await list(otherSeller, '')).json()) as { items: unknown[] }).items).toEqual(
      [],
    );
    expect((await list(otherSeller, `productId=${productId}`)).status).toBe(404);
    expect((await list(buyer, '')).status).toBe(403);
    expect((await list(seller, 'cursor=nope')).status).toBe(400);
  });
});
