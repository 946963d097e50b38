import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { AppError } from '../errors.js';
import { HashAndLimit, checksumMismatch, checkExpectedSha256 } from './hash-and-limit.js';
import type { PackageStore, PutOptions, StoredPackage } from './store.js';

/** Where the store is and how to sign for it (Huawei OBS, SeaweedFS, MinIO, AWS S3 alike). */
export interface S3StoreOptions {
  /** The S3 endpoint OneClick calls, e.g. `https://obs.cn-north-4.myhuaweicloud.com`. */
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Path-style addressing (`endpoint/bucket/key`): SeaweedFS and MinIO want it; OBS takes both. */
  forcePathStyle?: boolean;
  /**
   * The endpoint as target servers reach it, for presigned URLs (the host is signed, so a URL
   * only works on the address it was made for). Unset: the same as `endpoint`.
   */
  pullEndpoint?: string;
  /** Bytes per multipart part; 8 MiB by default (S3's minimum is 5 MiB). */
  partSizeBytes?: number;
  /**
   * How long a request may wait for its answer (and a connection for a byte) before it fails;
   * default 60 s. The SDK's default is forever: an object store that stops answering would hold
   * an upload, or a delivery, for good.
   */
  requestTimeoutMs?: number;
}

// The SDK warns on every process start that versions published after January 2027 will need
// Node 22. The lockfile pins one that supports this Node 20; the warning would only be noise in
// every node's log.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const KEY_RE = /^blobs\/[0-9a-f-]{36}$/;
const PART_SIZE = 8 * 1024 * 1024;

function checkKey(key: string): string {
  if (!KEY_RE.test(key)) throw new AppError('INVALID_STORAGE_KEY', 'storage key is not a blob key');
  return key;
}

function isNotFound(err: unknown): boolean {
  return (
    err instanceof S3ServiceException &&
    (err.$metadata.httpStatusCode === 404 || err.name === 'NoSuchKey' || err.name === 'NotFound')
  );
}

/** A store failure as OneClick's own error: retryable, and never the SDK's raw message. */
function storeUnavailable(err: unknown, what: string): AppError {
  return new AppError('OBJECT_STORE_UNAVAILABLE', `the object store failed to ${what}`, {
    cause: err,
    retryable: true,
  });
}

/**
 * A package store on the S3 API. Each upload is its own object (`blobs/<uuid>`), written as a
 * multipart upload while it is hashed and size-limited on the way in, so nothing is buffered
 * whole; a broken or refused upload aborts the multipart upload (or deletes the object), which
 * leaves nothing behind. Unlike the directory store it does not deduplicate equal content: a copy
 * to a content-addressed key would cost a second write of every package (and S3 copies stop at
 * 5 GiB), for a saving only when a seller uploads the same bytes twice.
 */
export function createS3PackageStore(options: S3StoreOptions): PackageStore & {
  /** The client, for set-up tasks such as creating the bucket. */
  client: S3Client;
  bucket: string;
  /** Fails unless the bucket exists and the credentials may use it (checked at start). */
  checkBucket(): Promise<void>;
} {
  const timeoutMs = options.requestTimeoutMs ?? 60_000;
  const clientConfig = {
    region: options.region,
    forcePathStyle: options.forcePathStyle ?? true,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    // SeaweedFS and OBS predate the SDK's default CRC32 trailers on every request.
    requestChecksumCalculation: 'WHEN_REQUIRED' as const,
    responseChecksumValidation: 'WHEN_REQUIRED' as const,
    requestHandler: {
      connectionTimeout: Math.min(timeoutMs, 10_000),
      // Until the answer's headers (a part's upload included); the body is under socketTimeout.
      requestTimeout: timeoutMs,
      throwOnRequestTimeout: true,
      // A stream (a delivery reading a package) that stalls this long fails instead of hanging.
      socketTimeout: timeoutMs,
    },
  };
  const client = new S3Client({ ...clientConfig, endpoint: options.endpoint });
  const presigner =
    options.pullEndpoint && options.pullEndpoint !== options.endpoint
      ? new S3Client({ ...clientConfig, endpoint: options.pullEndpoint })
      : client;
  const Bucket = options.bucket;

  return {
    client,
    bucket: Bucket,

    async put(source, putOptions: PutOptions): Promise<StoredPackage> {
      const expected = checkExpectedSha256(putOptions.expectedSha256);
      const storageKey = `blobs/${randomUUID()}`;
      const meter = new HashAndLimit(putOptions.maxBytes);
      const upload = new Upload({
        client,
        params: { Bucket, Key: storageKey, Body: meter, ContentType: 'application/octet-stream' },
        partSize: options.partSizeBytes ?? PART_SIZE,
        queueSize: 2,
        // On failure the SDK aborts the multipart upload: no parts are left behind.
        leavePartsOnError: false,
      });
      // The upload reads `meter`. Whichever side fails, the other ends too: a failing feed (size
      // limit, broken source, abort) destroys `meter`, which fails the upload; a failing store
      // makes the SDK close its reader, which ends the feed with a premature close (and, should
      // it not, destroying `meter` here does). Both settle before we decide which it was.
      const uploading = upload.done().catch((err: unknown) => {
        if (!meter.destroyed) meter.destroy(err instanceof Error ? err : new Error(String(err)));
        throw err;
      });
      const abortUpload = () => void upload.abort().catch(() => undefined);
      putOptions.signal?.addEventListener('abort', abortUpload, { once: true });
      // The source's own failure (the uploader went away), told apart from the feed being cut
      // off because the store failed: the SDK then ends its reader with an abort or a close.
      let sourceFailed = false;
      const reading = async function* () {
        try {
          yield* source;
        } catch (err) {
          sourceFailed = true;
          throw err;
        }
      };
      const feeding = pipeline(reading(), meter, { signal: putOptions.signal });
      try {
        const [fed, uploaded] = await Promise.allSettled([feeding, uploading]);
        if (fed.status === 'rejected') {
          const err: unknown = fed.reason;
          const cutOffByStore = uploaded.status === 'rejected' && !sourceFailed;
          if (err instanceof AppError || putOptions.signal?.aborted || !cutOffByStore) throw err;
        }
        if (uploaded.status === 'rejected') throw storeUnavailable(uploaded.reason, 'store a blob');
        const sha256 = meter.hash.digest('hex');
        if (expected !== undefined && expected !== sha256) throw checksumMismatch(expected, sha256);
        return { storageKey, sha256, sizeBytes: meter.bytes };
      } catch (err) {
        await upload.abort().catch(() => undefined);
        // A single-part upload may have completed before the check failed.
        await client.send(new DeleteObjectCommand({ Bucket, Key: storageKey })).catch(() => {});
        if (err instanceof AppError) throw err;
        if (putOptions.signal?.aborted) {
          throw new AppError('CANCELLED', 'package upload was cancelled', { cause: err });
        }
        throw new AppError('PACKAGE_UPLOAD_BROKEN', 'package upload ended before completing', {
          cause: err,
          retryable: true,
        });
      } finally {
        putOptions.signal?.removeEventListener('abort', abortUpload);
      }
    },

    async open(storageKey, openOptions = {}): Promise<Readable> {
      const start = openOptions.start ?? 0;
      try {
        const res = await client.send(
          new GetObjectCommand({
            Bucket,
            Key: checkKey(storageKey),
            ...(start > 0 && { Range: `bytes=${start}-` }),
          }),
        );
        if (!(res.Body instanceof Readable)) throw new Error('the object body is not a stream');
        return res.Body;
      } catch (err) {
        if (err instanceof AppError) throw err;
        if (isNotFound(err)) throw new AppError('PACKAGE_NOT_FOUND', `no package ${storageKey}`);
        // From the end (a resumed push whose bytes are all there): nothing left, as a file gives.
        if (
          start > 0 &&
          err instanceof S3ServiceException &&
          err.$metadata.httpStatusCode === 416
        ) {
          return Readable.from([]);
        }
        throw storeUnavailable(err, 'read a blob');
      }
    },

    async stat(storageKey) {
      try {
        const head = await client.send(
          new HeadObjectCommand({ Bucket, Key: checkKey(storageKey) }),
        );
        return { sizeBytes: head.ContentLength ?? 0 };
      } catch (err) {
        if (err instanceof AppError) throw err;
        if (isNotFound(err)) return undefined;
        throw storeUnavailable(err, 'look up a blob');
      }
    },

    async delete(storageKey) {
      try {
        await client.send(new DeleteObjectCommand({ Bucket, Key: checkKey(storageKey) }));
      } catch (err) {
        if (err instanceof AppError) throw err;
        throw storeUnavailable(err, 'delete a blob');
      }
    },

    async checkBucket() {
      try {
        await client.send(new HeadBucketCommand({ Bucket }));
      } catch (err) {
        const status = err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;
        throw new Error(
          `the object store's bucket ${Bucket} at ${options.endpoint} cannot be used` +
            (status ? ` (HTTP ${status}: missing, or the credentials or region are wrong)` : '') +
            `: ${err instanceof Error ? err.name : String(err)}`,
          { cause: err },
        );
      }
    },

    presignGet(storageKey, ttlSeconds) {
      return getSignedUrl(presigner, new GetObjectCommand({ Bucket, Key: checkKey(storageKey) }), {
        expiresIn: ttlSeconds,
      });
    },
  };
}
