import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDirectoryPackageStore } from '../../../src/packages/directory-store.js';
import type { PackageStore } from '../../../src/packages/store.js';
import { AppError } from '../../../src/errors.js';
import { filesUnder } from '../../helpers/files.js';

async function readAll(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function chunked(data: Buffer, size = 64 * 1024): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
    })(),
  );
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return e instanceof AppError ? e.code : `not an AppError: ${String(e)}`;
  }
  return 'resolved';
}

describe('directory package store', () => {
  let root: string;
  let store: PackageStore;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'oneclick-store-'));
    store = createDirectoryPackageStore(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('stores a streamed package under its sha256 and gives the same bytes back', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const sha = createHash('sha256').update(data).digest('hex');
    const pkg = await store.put(chunked(data), { maxBytes: 10 * 1024 * 1024 });
    expect(pkg).toEqual({ storageKey: `sha256/${sha}`, sha256: sha, sizeBytes: data.length });
    expect(await store.stat(pkg.storageKey)).toEqual({ sizeBytes: data.length });
    expect((await readAll(await store.open(pkg.storageKey))).equals(data)).toBe(true);
    const tail = await readAll(await store.open(pkg.storageKey, { start: 1000 }));
    expect(tail.equals(data.subarray(1000))).toBe(true);
    expect(filesUnder(root)).toEqual([`sha256/${sha.slice(0, 2)}/${sha}`]);
  });

  it('refuses a package over the limit with PACKAGE_TOO_LARGE and keeps nothing', async () => {
    const data = randomBytes(2 * 1024 * 1024);
    expect(await codeOf(store.put(chunked(data), { maxBytes: 1024 * 1024 }))).toBe(
      'PACKAGE_TOO_LARGE',
    );
    expect(filesUnder(root)).toEqual([]);
  });

  it('keeps nothing when the source breaks in the middle', async () => {
    const source = new Readable({ read() {} });
    source.push(randomBytes(512 * 1024));
    setTimeout(() => source.destroy(new Error('connection reset')), 20);
    expect(await codeOf(store.put(source, { maxBytes: 1024 ** 3 }))).toBe('PACKAGE_UPLOAD_BROKEN');
    expect(filesUnder(root)).toEqual([]);
  });

  it('keeps nothing when the declared sha256 does not match', async () => {
    const data = randomBytes(1000);
    const code = await codeOf(
      store.put(chunked(data), { maxBytes: 1e6, expectedSha256: 'ab'.repeat(32) }),
    );
    expect(code).toBe('PACKAGE_CHECKSUM_MISMATCH');
    expect(filesUnder(root)).toEqual([]);
  });

  it('accepts a matching declared sha256 in upper case', async () => {
    const data = randomBytes(1000);
    const sha = createHash('sha256').update(data).digest('hex');
    const pkg = await store.put(chunked(data), {
      maxBytes: 1e6,
      expectedSha256: sha.toUpperCase(),
    });
    expect(pkg.sha256).toBe(sha);
  });

  it('stores the same content once', async () => {
    const data = randomBytes(4096);
    const a = await store.put(chunked(data), { maxBytes: 1e6 });
    const b = await store.put(chunked(data), { maxBytes: 1e6 });
    expect(b.storageKey).toBe(a.storageKey);
    expect(filesUnder(root)).toHaveLength(1);
  });

  it.each(['../../etc/passwd', 'sha256/../../x', 'sha256/XYZ', ''])(
    'rejects the storage key %j with INVALID_STORAGE_KEY',
    async (key) => {
      expect(await codeOf(store.open(key))).toBe('INVALID_STORAGE_KEY');
    },
  );

  it('answers PACKAGE_NOT_FOUND for a missing blob', async () => {
    expect(await codeOf(store.open(`sha256/${'0'.repeat(64)}`))).toBe('PACKAGE_NOT_FOUND');
    expect(await store.stat(`sha256/${'0'.repeat(64)}`)).toBeUndefined();
  });
});
