import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { AppError } from '../errors.js';

/**
 * What every package store does to bytes on the way in: count, hash and size-limit them, and
 * compare the digest with the one the uploader declared.
 */

const SHA256_RE = /^[0-9a-f]{64}$/;

export function tooLarge(maxBytes: number): AppError {
  return new AppError('PACKAGE_TOO_LARGE', `package is larger than ${maxBytes} bytes`, {
    context: { maxBytes },
  });
}

export function checksumMismatch(expected: string, actual: string): AppError {
  return new AppError('PACKAGE_CHECKSUM_MISMATCH', 'package sha256 differs from the one declared', {
    context: { expected, actual },
  });
}

/** The declared digest, lower-cased, or undefined; a malformed one fails before any byte moves. */
export function checkExpectedSha256(expectedSha256: string | undefined): string | undefined {
  const expected = expectedSha256?.toLowerCase();
  if (expected !== undefined && !SHA256_RE.test(expected)) {
    throw new AppError('INVALID_SHA256', 'expected sha256 must be 64 hex digits');
  }
  return expected;
}

/** Counts and hashes bytes as they pass, failing once the limit is crossed. */
export class HashAndLimit extends Transform {
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
