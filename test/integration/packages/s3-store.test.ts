import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { Readable } from 'node:stream';
import { ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createS3PackageStore } from '../../../src/packages/s3-store.js';
import { testS3Store } from '../../helpers/s3.js';
import { AppError } from '../../../src/errors.js';
import { freePort } from '../../../src/temporal/dev-server.js';

const MiB = 1024 * 1024;

/** A store on the run's SeaweedFS, in 5 MiB parts (S3's smallest) so uploads go in several. */
const storeOnSeaweed = (pullEndpoint?: string) =>
  testS3Store({ pullEndpoint, partSizeBytes: 5 * MiB });

/** A source yielding `total` random bytes in pieces, then failing when `failAt` is reached. */
function source(total: number, failAt?: number): { stream: Readable; sha256: string } {
  const bytes = randomBytes(total);
  const piece = 256 * 1024;
  return {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    stream: Readable.from(
      (async function* () {
        for (let i = 0; i < total; i += piece) {
          // A network's pace: the consumer gets to read between pieces.
          await new Promise((r) => setImmediate(r));
          if (failAt !== undefined && i >= failAt) throw new Error('the client went away');
          yield bytes.subarray(i, i + piece);
        }
      })(),
    ),
  };
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return err instanceof AppError ? err.code : `not an AppError: ${String(err)}`;
  }
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

describe('the S3 package store on SeaweedFS (a real S3 server)', () => {
  const store = storeOnSeaweed();
  afterAll(() => store.client.destroy());

  /** Every object key and every unfinished multipart upload in the bucket. */
  async function bucketContents(): Promise<{ keys: string[]; uploads: number }> {
    const objects = await store.client.send(new ListObjectsV2Command({ Bucket: store.bucket }));
    const uploads = await store.client.send(
      new ListMultipartUploadsCommand({ Bucket: store.bucket }),
    );
    return {
      keys: (objects.Contents ?? []).map((o) => o.Key!),
      uploads: (uploads.Uploads ?? []).length,
    };
  }

  it('streams a multipart upload in, hashed on the way, and reads it back whole and from an offset', async () => {
    const { stream, sha256 } = source(12 * MiB + 123);
    const stored = await store.put(stream, { maxBytes: 64 * MiB, expectedSha256: sha256 });
    expect(stored).toMatchObject({ sha256, sizeBytes: 12 * MiB + 123 });
    expect(stored.storageKey).toMatch(/^blobs\/[0-9a-f-]{36}$/);
    expect(await store.stat(stored.storageKey)).toEqual({ sizeBytes: 12 * MiB + 123 });

    const whole = await readAll(await store.open(stored.storageKey));
    expect(createHash('sha256').update(whole).digest('hex')).toBe(sha256);
    const tail = await readAll(await store.open(stored.storageKey, { start: 12 * MiB }));
    expect(tail.equals(whole.subarray(12 * MiB))).toBe(true);

    await store.delete(stored.storageKey);
    expect(await store.stat(stored.storageKey)).toBeUndefined();
    expect(await codeOf(store.open(stored.storageKey))).toBe('PACKAGE_NOT_FOUND');
  });

  it('leaves nothing in the bucket when an upload is too large, mismatched or broken', async () => {
    const before = await bucketContents();
    expect(await codeOf(store.put(source(11 * MiB).stream, { maxBytes: 7 * MiB }))).toBe(
      'PACKAGE_TOO_LARGE',
    );
    expect(
      await codeOf(
        store.put(source(6 * MiB).stream, { maxBytes: 64 * MiB, expectedSha256: 'a'.repeat(64) }),
      ),
    ).toBe('PACKAGE_CHECKSUM_MISMATCH');
    expect(
      await codeOf(
        store.put(source(1000).stream, { maxBytes: 64 * MiB, expectedSha256: 'b'.repeat(64) }),
      ),
    ).toBe('PACKAGE_CHECKSUM_MISMATCH');
    expect(await codeOf(store.put(source(11 * MiB, 7 * MiB).stream, { maxBytes: 64 * MiB }))).toBe(
      'PACKAGE_UPLOAD_BROKEN',
    );
    const aborted = new AbortController();
    const put = store.put(source(11 * MiB).stream, { maxBytes: 64 * MiB, signal: aborted.signal });
    aborted.abort();
    expect(await codeOf(put)).toBe('CANCELLED');
    expect(
      await codeOf(store.put(source(1).stream, { maxBytes: 64 * MiB, expectedSha256: 'xyz' })),
    ).toBe('INVALID_SHA256');
    expect(await bucketContents()).toEqual(before);
  });

  it('refuses keys that are not its own', async () => {
    expect(await codeOf(store.open('../etc/passwd'))).toBe('INVALID_STORAGE_KEY');
    expect(await codeOf(store.stat('sha256/' + 'a'.repeat(64)))).toBe('INVALID_STORAGE_KEY');
  });

  it('presigns a GET that works without credentials, only for that object and only unaltered', async () => {
    const { stream, sha256 } = source(300_000);
    const stored = await store.put(stream, { maxBytes: MiB });
    const url = await store.presignGet!(stored.storageKey, 60);
    expect(url).toContain('X-Amz-Signature=');
    const got = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(createHash('sha256').update(got).digest('hex')).toBe(sha256);
    const other = url.replace(stored.storageKey, 'blobs/00000000-0000-4000-8000-000000000000');
    expect((await fetch(other)).status).toBeGreaterThanOrEqual(400);
    const unsigned = url.split('?')[0]!;
    expect((await fetch(unsigned)).status).toBe(403);
  });

  it('makes pull URLs for the address servers reach, not the one OneClick calls', async () => {
    const s3 = inject('s3');
    const pulling = storeOnSeaweed(s3.pullEndpoint);
    const stored = await pulling.put(source(1000).stream, { maxBytes: MiB });
    const url = await pulling.presignGet!(stored.storageKey, 60);
    expect(url.startsWith(`${s3.pullEndpoint}/`)).toBe(true);
    expect((await fetch(url)).status).toBe(200);
    pulling.client.destroy();
  });

  it('answers OBJECT_STORE_UNAVAILABLE (retryable, no SDK text) when the store is down', async () => {
    const down = createS3PackageStore({
      endpoint: `http://127.0.0.1:${await freePort()}`,
      region: 'us-east-1',
      bucket: 'nowhere',
      accessKeyId: 'x',
      secretAccessKey: 'y',
    });
    const err = await down
      .put(source(2 * MiB).stream, { maxBytes: 64 * MiB })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('OBJECT_STORE_UNAVAILABLE');
    expect((err as AppError).retryable).toBe(true);
    expect(await codeOf(down.stat('blobs/00000000-0000-4000-8000-000000000000'))).toBe(
      'OBJECT_STORE_UNAVAILABLE',
    );
    down.client.destroy();
  }, 60_000);

  it('answers OBJECT_STORE_UNAVAILABLE when the store fails in the middle of a multipart upload, not the fault of the seller', async () => {
    const s3 = inject('s3');
    // Refused from the first request on (a wrong secret), after the SDK has read the first part.
    const refused = createS3PackageStore({
      endpoint: s3.endpoint,
      region: s3.region,
      bucket: s3.bucket,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: `${s3.secretAccessKey}-wrong`,
      partSizeBytes: 5 * MiB,
    });
    expect(await codeOf(refused.put(source(12 * MiB).stream, { maxBytes: 64 * MiB }))).toBe(
      'OBJECT_STORE_UNAVAILABLE',
    );
    await expect(refused.checkBucket()).rejects.toThrow(/cannot be used \(HTTP 403/);
    refused.client.destroy();
    const noBucket = createS3PackageStore({
      endpoint: s3.endpoint,
      region: s3.region,
      bucket: `missing-${randomBytes(4).toString('hex')}`,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
    });
    await expect(noBucket.checkBucket()).rejects.toThrow(/bucket missing-.* cannot be used/);
    await expect(store.checkBucket()).resolves.toBeUndefined();
    noBucket.client.destroy();
  }, 60_000);

  it('gives up on a store that accepts connections and never answers', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const stuck = createS3PackageStore({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      bucket: 'b',
      accessKeyId: 'x',
      secretAccessKey: 'y',
      requestTimeoutMs: 1_000,
    });
    try {
      expect(await codeOf(stuck.put(source(1000).stream, { maxBytes: MiB }))).toBe(
        'OBJECT_STORE_UNAVAILABLE',
      );
      expect(await codeOf(stuck.stat('blobs/00000000-0000-4000-8000-000000000000'))).toBe(
        'OBJECT_STORE_UNAVAILABLE',
      );
    } finally {
      stuck.client.destroy();
      silent.close();
    }
  }, 60_000);

  it('opens a blob at its end as an empty stream, as a file does (a resumed push with all bytes there)', async () => {
    const stored = await store.put(source(1000).stream, { maxBytes: MiB });
    expect((await readAll(await store.open(stored.storageKey, { start: 1000 }))).length).toBe(0);
    expect((await readAll(await store.open(stored.storageKey, { start: 999 }))).length).toBe(1);
  });
});
