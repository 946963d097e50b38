import { Hono, type Context } from 'hono';
import { Readable } from 'node:stream';
import { z } from '@hono/zod-openapi';
import { AppError } from '../errors.js';
import type { PackageStore, StoredPackage } from './store.js';

/** What the upload route needs: the store, the size limit, and where to record the result. */
export interface PackageUploadDeps {
  store: PackageStore;
  /** Largest accepted package (config `maxPackageBytes`, default 10 GiB). */
  maxBytes: number;
  /**
   * Records the stored blob (e.g. a `packages` row for the authenticated seller) and returns the
   * JSON to answer with. Without it the route answers with the blob's description.
   */
  onStored?: (pkg: StoredPackage & { fileName: string }, c: Context) => Promise<unknown>;
}

const FILE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,254}$/;
const SHA256_RE = /^[0-9a-fA-F]{64}$/;

/**
 * The upload's request as the API documents it. The handler checks these itself (with the codes
 * below), so the schemas stay loose enough never to answer VALIDATION_FAILED in their place.
 */
export const packageUploadRequest = {
  query: z.object({
    fileName: z
      .string()
      .optional()
      .openapi({ description: `the package's file name, ${FILE_NAME_RE.source}` }),
  }),
  headers: z.object({
    'x-file-name': z
      .string()
      .optional()
      .openapi({ description: 'fileName, when not in the query' }),
    'x-content-sha256': z
      .string()
      .optional()
      .openapi({ description: 'expected sha256, 64 hex digits; a mismatch keeps nothing' }),
  }),
  body: {
    required: true,
    content: {
      'application/octet-stream': { schema: { type: 'string' as const, format: 'binary' } },
    },
  },
};

/** The codes the upload answers (statuses from the API's table). */
export const PACKAGE_UPLOAD_ERRORS = [
  'UNSUPPORTED_MEDIA_TYPE',
  'INVALID_FILE_NAME',
  'INVALID_SHA256',
  'PACKAGE_TOO_LARGE',
  'PACKAGE_CHECKSUM_MISMATCH',
  'PACKAGE_UPLOAD_BROKEN',
  'EMPTY_PACKAGE',
  'OBJECT_STORE_UNAVAILABLE',
] as const;

/**
 * Seller package upload: `POST /?fileName=app-1.2.tar.gz` with the raw bytes as
 * `application/octet-stream`, optionally `X-Content-SHA256`. The body streams into the store,
 * hashed and size-limited on the way; nothing is buffered whole and a broken upload leaves nothing.
 */
export function createPackageUploadRoute(deps: PackageUploadDeps): Hono {
  return new Hono().post('/', packageUploadHandler(deps));
}

/** The upload handler, for a route that declares `packageUploadRequest`. */
export function packageUploadHandler(deps: PackageUploadDeps) {
  return async (c: Context) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/octet-stream') {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'send the package as application/octet-stream');
    }
    const fileName = c.req.query('fileName') ?? c.req.header('x-file-name') ?? '';
    if (!FILE_NAME_RE.test(fileName) || fileName.includes('..')) {
      throw new AppError(
        'INVALID_FILE_NAME',
        'fileName must be 1-255 letters, digits, ".", "_", "+" or "-", not starting with a dot',
      );
    }
    const declared = c.req.header('x-content-sha256');
    if (declared !== undefined && !SHA256_RE.test(declared)) {
      throw new AppError('INVALID_SHA256', 'X-Content-SHA256 must be 64 hex digits');
    }
    const length = c.req.header('content-length');
    if (length !== undefined && Number(length) > deps.maxBytes) {
      throw new AppError('PACKAGE_TOO_LARGE', `package is larger than ${deps.maxBytes} bytes`, {
        context: { maxBytes: deps.maxBytes },
      });
    }
    const body = c.req.raw.body;
    if (!body) throw new AppError('EMPTY_PACKAGE', 'the request has no body');
    const stored = await deps.store.put(Readable.fromWeb(body), {
      maxBytes: deps.maxBytes,
      expectedSha256: declared?.toLowerCase(),
      signal: c.req.raw.signal,
    });
    if (stored.sizeBytes === 0) {
      await deps.store.delete(stored.storageKey);
      throw new AppError('EMPTY_PACKAGE', 'the package is empty');
    }
    const pkg = { ...stored, fileName };
    return c.json(deps.onStored ? await deps.onStored(pkg, c) : pkg, 201);
  };
}
