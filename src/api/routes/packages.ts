import type { Context, MiddlewareHandler } from 'hono';
import { z } from '@hono/zod-openapi';
import { AppError } from '../../errors.js';
import type { PackageStore } from '../../packages/store.js';
import {
  PACKAGE_UPLOAD_ERRORS,
  packageUploadHandler,
  packageUploadRequest,
} from '../../packages/upload-route.js';
import { insertPackage, listPackages } from '../../db/repositories/packages.js';
import { isProductOfSeller } from '../../db/repositories/products.js';
import type { AppEnv } from '../context.js';
import { defineRoute, ok, resourceRoutes } from '../contract.js';
import { encodeCursor, pageQuery } from '../cursor.js';

/** Checks the product before a large body streams in, not after. */
const productOfSeller: MiddlewareHandler<AppEnv> = async (c, next) => {
  const productId = c.req.query('productId');
  // A NUL in it was refused at the edge (middleware/edge.ts), before this reaches the database.
  if (
    productId &&
    !(await isProductOfSeller(c.get('deps').db, productId, c.get('principal').sellerId))
  ) {
    throw new AppError('NOT_FOUND', 'no such product');
  }
  await next();
};

const upload = defineRoute({
  method: 'post',
  path: '/',
  summary: 'Upload a package (seller; application/octet-stream, streamed and hashed)',
  tags: ['packages'],
  auth: 'apiKey',
  roles: ['seller'],
  middleware: [productOfSeller],
  streamsBody: true,
  request: {
    ...packageUploadRequest,
    query: packageUploadRequest.query.extend({
      productId: z
        .string()
        .optional()
        .openapi({ description: "the seller's product the package belongs to" }),
    }),
  },
  errors: [...PACKAGE_UPLOAD_ERRORS, 'NOT_FOUND'],
  responses: { 201: ok('The stored package') },
});

const list = defineRoute({
  method: 'get',
  path: '/',
  summary: "List the seller's packages, newest first (optionally one product's)",
  tags: ['packages'],
  auth: 'apiKey',
  roles: ['seller'],
  middleware: [productOfSeller],
  request: {
    query: z.object({
      ...pageQuery,
      productId: z
        .string()
        .max(64)
        .optional()
        .openapi({ description: "only this product's packages" }),
    }),
  },
  errors: ['NOT_FOUND'],
  responses: {
    200: ok('A page of packages (file name, size, sha256), and the `cursor` of the next (`next`)'),
  },
});

/**
 * Sellers upload packages: `POST /v1/packages?fileName=app.tar.gz[&productId=prd_…]`, raw bytes as
 * application/octet-stream (optionally `X-Content-SHA256`), streamed into the store and recorded.
 */
export function packageRoutes(store: PackageStore, maxBytes: number) {
  const handler = packageUploadHandler({
    store,
    maxBytes,
    onStored: (pkg, plain) => {
      // The handler is env-agnostic; it runs under this app, so our variables are set.
      const c = plain as unknown as Context<AppEnv>;
      return insertPackage(c.get('deps').db, {
        sellerId: c.get('principal').sellerId!,
        productId: c.req.query('productId'),
        ...pkg,
      });
    },
  });
  return resourceRoutes()
    .openapi(upload, handler)
    .openapi(list, async (c) => {
      const q = c.req.valid('query');
      const page = await listPackages(c.get('deps').db, c.get('principal').sellerId!, {
        limit: q.limit,
        ...(q.productId && { productId: q.productId }),
        ...(q.cursor && { after: q.cursor }),
      });
      // The store's key is OneClick's business, not the seller's.
      const items = page.items.map(({ storageKey: _storageKey, ...rest }) => rest);
      return c.json({ items, next: encodeCursor(page.next) });
    });
}
