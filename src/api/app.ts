import type { OpenAPIHono } from '@hono/zod-openapi';
import { except } from 'hono/combine';
import { bodyLimit } from 'hono/body-limit';
import { AppError } from '../errors.js';
import type { AppDeps, AppEnv } from './context.js';
import { errorResponse, onError } from './errors.js';
import { defineRoute, ok, registerSecuritySchemes, resourceRoutes } from './contract.js';
import { contractCheck } from './contract-check.js';
import { requestContext } from './middleware/request-context.js';
import { requireApiKey } from './middleware/auth.js';
import { idempotency } from './middleware/idempotency.js';
import { limitUrl, pathMethods, refuseNul, type PathMethods } from './middleware/edge.js';
import { healthRoutes } from './routes/health.js';
import { productRoutes } from './routes/products.js';
import { orderRoutes } from './routes/orders.js';
import { deploymentRoutes } from './routes/deployments.js';
import { acceptanceReportRoutes, supervisionRoutes } from './routes/supervision.js';
import { ACCEPTANCE_REPORTS_PATH } from './routes/supervision.schema.js';
import { marketplaceRoutes } from './routes/marketplace.js';
import { meRoutes } from './routes/me.js';
import { principalRoutes } from './routes/principals.js';
import { licenseRoutes, licenseVerifyRoutes } from './routes/licenses.js';
import { keyRoutes, publicKeyRoutes } from './routes/keys.js';
import { generatorRoutes } from './routes/generators.js';
import { createOpenApiRoutes, OPEN_API_BASE, OPEN_API_CODES } from './routes/open-api.js';
import { packageRoutes } from './routes/packages.js';
import { codecRoutes } from './routes/codec.js';
import { operatorDeploymentRoutes } from './routes/deployments-operator.js';
import { evidenceRoutes } from './routes/evidence.js';
import { cloudAccountRoutes } from './routes/cloud-accounts.js';
import { cloudCatalogueRoutes } from './routes/cloud-catalogue.js';
import { consoleRoutes, CONSOLE_UPLOAD_PATHS } from '../web/console.js';
import { auditRoutes } from './routes/audit.js';
import { deploymentStatsRoutes } from './routes/deployment-stats.js';
import { generatorHealthRoutes } from './routes/generator-health.js';
import { timeRequests } from '../metrics/http-metrics.js';
import { metricsRoutes } from '../metrics/metrics-route.js';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const PACKAGES_PATH = '/v1/packages';
const OPEN_API_OPERATION = /\/v[12]\/license\/(activate|heartbeat)$/;

export interface AppOptions {
  /**
   * Tests: answer 500 UNDECLARED_RESPONSE (and log) instead of any answer whose status or error
   * code the route's contract does not declare, so every API test also checks the document.
   */
  checkContract?: boolean;
}

/** Builds the HTTP API over its dependencies; no module-level state. */
export function createApp(deps: AppDeps, options: AppOptions = {}): OpenAPIHono<AppEnv> {
  const app = resourceRoutes();
  const document = (serverUrl?: string) =>
    app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: { title: 'OneClick API', version: '0.1.0' },
      ...(serverUrl && { servers: [{ url: serverUrl }] }),
    });
  registerSecuritySchemes(app);
  // First, so the time covers every other middleware and error answers too.
  if (deps.metrics) app.use('*', timeRequests(deps.metrics.http));
  app.use('*', requestContext(deps));
  if (options.checkContract)
    app.use(
      '*',
      contractCheck(() => document()),
    );
  const maxBody = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const jsonLimit = bodyLimit({
    maxSize: maxBody,
    onError: () => {
      throw new AppError('BODY_TOO_LARGE', `request body is over ${maxBody} bytes`);
    },
  });
  app.use('*', limitUrl());
  // Package uploads stream into the store under their own (much larger) limit.
  app.use(
    '*',
    except([PACKAGES_PATH, ACCEPTANCE_REPORTS_PATH, ...CONSOLE_UPLOAD_PATHS], jsonLimit),
  );
  app.use(
    '*',
    refuseNul({
      binaryBodies: [PACKAGES_PATH, ACCEPTANCE_REPORTS_PATH, ...CONSOLE_UPLOAD_PATHS],
      // KooGallery's open API answers in its own envelope, as for any other bad parameter; its
      // catch-all answers 405 whatever the request holds.
      answer: (c, message) => {
        if (!c.req.path.startsWith(`${OPEN_API_BASE}/`)) return undefined;
        if (c.req.method !== 'POST' || !OPEN_API_OPERATION.test(c.req.path)) return null;
        return c.json({ error_code: OPEN_API_CODES.BAD_PARAMETER, error_msg: message }, 400);
      },
    }),
  );
  app.onError(onError);
  let paths: PathMethods | undefined;
  app.notFound((c) => {
    paths ??= pathMethods(document());
    const allowed = paths.allowed(c.req.path);
    if (!allowed) {
      return errorResponse(c, 404, 'ROUTE_NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`);
    }
    c.header('Allow', allowed.join(', '));
    return errorResponse(
      c,
      405,
      'METHOD_NOT_ALLOWED',
      `${c.req.path} answers ${allowed.join(', ')}, not ${c.req.method}`,
    );
  });

  app.route('/', healthRoutes());
  // Prometheus carries no API key: unauthenticated, outside /v1 and the OpenAPI document.
  if (deps.metrics && deps.metricsRoute !== false) app.route('/', metricsRoutes(deps.metrics));
  if (deps.console !== false) {
    // The console acts through this same app, in process, as its signed-in principal.
    const web = consoleRoutes({
      api: (input, init, env) => app.request(input, init, env),
      ...(deps.console?.sessionMs !== undefined && { sessionMs: deps.console.sessionMs }),
    });
    app.route('/console', web);
    app.get('/', (c) => c.redirect('/console', 303));
  }
  app.route('/marketplace/v1', marketplaceRoutes());
  // Temporal's remote codec, outside /v1: the UI and CLI call `<endpoint>/decode`.
  if (deps.codec) app.route('/codec', codecRoutes(deps.codec));

  const v1 = resourceRoutes();
  v1.use('*', requireApiKey(), idempotency());
  v1.route('/me', meRoutes());
  v1.route('/principals', principalRoutes());
  v1.route('/products', productRoutes());
  v1.route('/orders', orderRoutes());
  v1.route('/orders', deploymentRoutes());
  v1.route('/deployments', operatorDeploymentRoutes());
  v1.route('/deployment-stats', deploymentStatsRoutes());
  v1.route('/audit', auditRoutes());
  v1.route('/generator-health', generatorHealthRoutes());
  v1.route('/orders', supervisionRoutes());
  if (deps.packageStore) v1.route('/acceptance-reports', acceptanceReportRoutes());
  if (deps.evidence) v1.route('/orders', evidenceRoutes(deps.evidence));
  if (deps.packageStore) {
    v1.route('/packages', packageRoutes(deps.packageStore, deps.maxPackageBytes ?? 10 * 1024 ** 3));
  }
  if (deps.cloud) {
    v1.route('/cloud-accounts', cloudAccountRoutes(deps.cloud));
    v1.route('/cloud', cloudCatalogueRoutes(deps.cloud, deps.cloudCatalogue));
  }
  const license = deps.license;
  if (license) {
    // Public: JWKS, certificates, the revocation list, verification, and KooGallery's open API
    // (signed with the seller's AK/SK, not with our bearer keys).
    app.route('/', publicKeyRoutes(license));
    app.route('/', licenseVerifyRoutes(license));
    app.route(
      '/',
      createOpenApiRoutes({
        codes: license.codes,
        credentials: license.credentials,
        onInternalError: (err) => deps.logger.error({ err }, 'license open API failed'),
      }),
    );
    v1.route('/licenses', licenseRoutes(license, deps.db));
    v1.route('/generators', generatorRoutes(license));
    v1.route('/keys', keyRoutes(license));
  }
  app.route('/v1', v1);

  app.openapi(
    defineRoute({
      method: 'get',
      path: '/openapi.json',
      summary: 'This document: every route with its parameters, bodies and answers',
      tags: ['meta'],
      auth: 'none',
      errors: [],
      responses: { 200: ok('OpenAPI 3.1 document') },
    }),
    (c) => c.json(document(new URL(c.req.url).origin)),
  );
  return app;
}
