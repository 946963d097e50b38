import type { Readable } from 'node:stream';

/** A package blob as the store holds it. */
export interface StoredPackage {
  /** Opaque key to open the blob again; content-addressed in the directory store. */
  storageKey: string;
  /** Lower-case hex SHA-256 of the bytes, computed on the way in. */
  sha256: string;
  sizeBytes: number;
}

/** Limits and checks applied while a package streams in. */
export interface PutOptions {
  /** Bytes beyond this fail the upload with PACKAGE_TOO_LARGE (413). */
  maxBytes: number;
  /** When given, a different digest fails with PACKAGE_CHECKSUM_MISMATCH. */
  expectedSha256?: string;
  signal?: AbortSignal;
}

/**
 * Where sellers' packages live. `put` streams, hashes and size-limits the bytes and leaves nothing
 * behind when the source breaks: a directory by default (directory-store.ts), or an object store
 * on the S3 API (s3-store.ts) when several nodes share it.
 */
export interface PackageStore {
  put(source: Readable | AsyncIterable<Uint8Array>, options: PutOptions): Promise<StoredPackage>;
  /** Streams a blob, optionally from a byte offset (a resumed push). */
  open(storageKey: string, options?: { start?: number }): Promise<Readable>;
  /** Size of a blob, or undefined when there is none under the key. */
  stat(storageKey: string): Promise<{ sizeBytes: number } | undefined>;
  delete(storageKey: string): Promise<void>;
  /** A local file path for the blob, when the store is on this filesystem (SFTP fastPut). */
  localPath?(storageKey: string): string;
  /**
   * A short-lived URL that GETs the blob without credentials, when the store can make one (an
   * object store): a server downloads its package from it instead of OneClick pushing the bytes.
   */
  presignGet?(storageKey: string, ttlSeconds: number): Promise<string>;
}
