import { Hono } from 'hono';
import { except } from 'hono/combine';
import { bodyLimit } from 'hono/body-limit';
import { AppError } from '../errors.js';
import type { AppDeps, AppEnv } from './context.js';
import { errorResponse, onError } from './errors.js';
import { OpenApiRegistry } from './openapi.js';
import { requestContext } from './middleware/request-context.js';
import { requireApiKey } from './middleware/auth.js';
import { idempotency } from './middleware/idempotency.js';
import { healthRoutes } from './routes/health.js';
import { productRoutes } from './routes/products.js';
import { orderRoutes } from './routes/orders.js';
import { deploymentRoutes } from './routes/deployments.js';
import { marketplaceRoutes } from './routes/marketplace.js';
import { meRoutes } from './routes/me.js';
import { principalRoutes } from './routes/principals.js';
import { licenseRoutes, licenseVerifyRoutes } from './routes/licenses.js';
import { keyRoutes, publicKeyRoutes } from './routes/keys.js';
import { generatorRoutes } from './routes/generators.js';
import { createOpenApiRoutes } from './routes/open-api.js';
import { packageRoutes } from './routes/packages.js';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const PACKAGES_PATH = '/v1/packages';

/** Builds the HTTP API over its dependencies; no module-level state. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const docs = new OpenApiRegistry();
  const app = new Hono<AppEnv>();
  app.use('*', requestContext(deps));
  const maxBody = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const jsonLimit = bodyLimit({
    maxSize: maxBody,
    onError: () => {
      throw new AppError('BODY_TOO_LARGE', `request body is over ${maxBody} bytes`);
    },
  });
  // Package uploads stream into the store under their own (much larger) limit.
  app.use('*', except(PACKAGES_PATH, jsonLimit));
  app.onError(onError);
  app.notFound((c) =>
    errorResponse(c, 404, 'ROUTE_NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`),
  );

  app.route('/', healthRoutes(docs));
  app.route('/marketplace/v1', marketplaceRoutes(docs));

  const v1 = new Hono<AppEnv>();
  v1.use('*', requireApiKey(), idempotency());
  v1.route('/me', meRoutes(docs));
  v1.route('/principals', principalRoutes(docs));
  v1.route('/products', productRoutes(docs));
  v1.route('/orders', orderRoutes(docs));
  v1.route('/orders', deploymentRoutes(docs));
  if (deps.packageStore) {
    v1.route(
      '/packages',
      packageRoutes(deps.packageStore, deps.maxPackageBytes ?? 10 * 1024 ** 3, docs),
    );
  }
  const license = deps.license;
  if (license) {
    // Public: JWKS, certificates, the revocation list, verification, and KooGallery's open API
    // (signed with the seller's AK/SK, not with our bearer keys).
    app.route('/', publicKeyRoutes(license, docs));
    app.route('/', licenseVerifyRoutes(license, docs));
    app.route(
      '/',
      createOpenApiRoutes({
        codes: license.codes,
        credentials: license.credentials,
        onInternalError: (err) => deps.logger.error({ err }, 'license open API failed'),
      }),
    );
    v1.route('/licenses', licenseRoutes(license, deps.db, docs));
    v1.route('/generators', generatorRoutes(license, docs));
    v1.route('/keys', keyRoutes(license, docs));
  }
  app.route('/v1', v1);

  app.get('/openapi.json', (c) =>
    c.json(
      docs.document({
        title: 'OneClick API',
        version: '0.1.0',
        serverUrl: new URL(c.req.url).origin,
      }),
    ),
  );
  return app;
}
