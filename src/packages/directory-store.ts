import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../errors.js';
import type { PackageStore, PutOptions, StoredPackage } from './store.js';

const KEY_RE = /^sha256\/[0-9a-f]{64}$/;
const SHA256_RE = /^[0-9a-f]{64}$/;

function tooLarge(maxBytes: number): AppError {
  return new AppError('PACKAGE_TOO_LARGE', `package is larger than ${maxBytes} bytes`, {
    context: { maxBytes },
  });
}

/** Counts and hashes bytes as they pass, failing once the limit is crossed. */
class HashAndLimit extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  constructor(private readonly maxBytes: number) {
    super();
  }
  override _transform(
    chunk: Buffer,
    _enc: BufferEncoding,
    done: (err?: Error | null, data?: Buffer) => void,
  ) {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) return done(tooLarge(this.maxBytes));
    this.hash.update(chunk);
    done(null, chunk);
  }
}

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
      const expected = options.expectedSha256?.toLowerCase();
      if (expected !== undefined && !SHA256_RE.test(expected)) {
        throw new AppError('INVALID_SHA256', 'expected sha256 must be 64 hex digits');
      }
      await mkdir(incoming, { recursive: true });
      const tmp = path.join(incoming, randomUUID());
      const meter = new HashAndLimit(options.maxBytes);
      try {
        await pipeline(source, meter, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }), {
          signal: options.signal,
        });
        const sha256 = meter.hash.digest('hex');
        if (expected !== undefined && expected !== sha256) {
          throw new AppError(
            'PACKAGE_CHECKSUM_MISMATCH',
            'package sha256 differs from the one declared',
            {
              context: { expected, actual: sha256 },
            },
          );
        }
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
