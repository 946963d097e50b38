import { Hono, type Context } from 'hono';
import { AppError } from '../../errors.js';
import type { PackageStore } from '../../packages/store.js';
import { createPackageUploadRoute } from '../../packages/upload-route.js';
import { insertPackage } from '../../db/repositories/packages.js';
import { requireRole } from '../middleware/auth.js';
import type { AppEnv } from '../context.js';
import type { OpenApiRegistry } from '../openapi.js';

/**
 * Sellers upload packages: `POST /v1/packages?fileName=app.tar.gz[&productId=prd_…]`, raw bytes as
 * application/octet-stream (optionally `X-Content-SHA256`), streamed into the store and recorded.
 */
export function packageRoutes(store: PackageStore, maxBytes: number, docs: OpenApiRegistry) {
  docs.add({
    method: 'post',
    path: '/v1/packages',
    summary: 'Upload a package (seller; application/octet-stream, streamed and hashed)',
    tags: ['packages'],
    errors: [
      'UNSUPPORTED_MEDIA_TYPE',
      'INVALID_FILE_NAME',
      'PACKAGE_TOO_LARGE',
      'SHA256_MISMATCH',
      'NOT_FOUND',
    ],
  });
  const upload = createPackageUploadRoute({
    store,
    maxBytes,
    onStored: (pkg, plain) => {
      // The upload sub-app is env-agnostic; it runs under this app, so our variables are set.
      const c = plain as unknown as Context<AppEnv>;
      return insertPackage(c.get('deps').db, {
        sellerId: c.get('principal').sellerId!,
        productId: c.req.query('productId'),
        ...pkg,
      });
    },
  });
  return new Hono<AppEnv>()
    .use('*', requireRole('seller'))
    .use('*', async (c, next) => {
      // Check the product before a large body streams in, not after.
      const productId = c.req.query('productId');
      if (productId) {
        const rows = await c
          .get('deps')
          .db.query('select 1 from products where id = $1 and seller_id = $2', [
            productId,
            c.get('principal').sellerId,
          ]);
        if (rows.length === 0) throw new AppError('NOT_FOUND', 'no such product');
      }
      await next();
    })
    .route('/', upload);
}
