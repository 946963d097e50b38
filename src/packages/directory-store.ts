import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../errors.js';
import { HashAndLimit, checkExpectedSha256, checksumMismatch } from './hash-and-limit.js';
import type { PackageStore, PutOptions, StoredPackage } from './store.js';

const KEY_RE = /^sha256\/[0-9a-f]{64}$/;
/**
 * The default package store: a directory of content-addressed blobs (`sha256/<hex>`). Uploads
 * stream into `.incoming/` and are renamed into place only when complete and checked, so a broken
 * upload leaves nothing behind and readers never see a partial blob.
 */
export function createDirectoryPackageStore(root: string): PackageStore {
  const incoming = path.join(root, '.incoming');
  const blobPath = (key: string) => {
    if (!KEY_RE.test(key)) {
      throw new AppError('INVALID_STORAGE_KEY', 'storage key is not a package key');
    }
    const hex = key.slice('sha256/'.length);
    return path.join(root, 'sha256', hex.slice(0, 2), hex);
  };

  return {
    async put(source, options: PutOptions): Promise<StoredPackage> {
      const expected = checkExpectedSha256(options.expectedSha256);
      await mkdir(incoming, { recursive: true });
      const tmp = path.join(incoming, randomUUID());
      const meter = new HashAndLimit(options.maxBytes);
      try {
        await pipeline(source, meter, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }), {
          signal: options.signal,
        });
        const sha256 = meter.hash.digest('hex');
        if (expected !== undefined && expected !== sha256) throw checksumMismatch(expected, sha256);
        const storageKey = `sha256/${sha256}`;
        const final = blobPath(storageKey);
        await mkdir(path.dirname(final), { recursive: true });
        // Same content already stored: rename replaces it with identical bytes, which is harmless.
        await rename(tmp, final);
        return { storageKey, sha256, sizeBytes: meter.bytes };
      } catch (err) {
        await rm(tmp, { force: true });
        if (err instanceof AppError) throw err;
        if (options.signal?.aborted) {
          throw new AppError('CANCELLED', 'package upload was cancelled', { cause: err });
        }
        throw new AppError('PACKAGE_UPLOAD_BROKEN', 'package upload ended before completing', {
          cause: err,
          retryable: true,
        });
      }
    },

    async open(storageKey, options = {}): Promise<Readable> {
      const file = blobPath(storageKey);
      const info = await stat(file).catch(() => undefined);
      if (!info) throw new AppError('PACKAGE_NOT_FOUND', `no package ${storageKey}`);
      // 1 MiB reads: fewer syscalls and larger SSH writes than the 64 KiB default.
      return createReadStream(file, { start: options.start ?? 0, highWaterMark: 1024 * 1024 });
    },

    async stat(storageKey) {
      const info = await stat(blobPath(storageKey)).catch(() => undefined);
      return info ? { sizeBytes: info.size } : undefined;
    },

    async delete(storageKey) {
      await rm(blobPath(storageKey), { force: true });
    },

    localPath: blobPath,
  };
}
