import type { MiddlewareHandler } from 'hono';
import { createRoute, OpenAPIHono, z, type RouteConfig } from '@hono/zod-openapi';
import type { Role } from '../db/repositories/principals.js';
import type { AppEnv } from './context.js';
import { httpStatusFor } from './errors.js';
import { requireRole } from './middleware/auth.js';
import { jsonGate, validationHook } from './validation.js';

/**
 * The route is the contract: each route declares its request schemas, its success answers and
 * the error codes it may answer; `defineRoute` adds what every route of its kind may answer (auth,
 * validation, body limit, idempotency), derives each error status from the one status table
 * (`httpStatusFor`), and OpenAPIHono validates the request and documents the route from the same
 * declaration. Under tests `contractCheck` refuses any answer the declaration does not list.
 */

/** How a route is called: our bearer API key, KooGallery's marketplace signature, or openly. */
export type Auth = 'apiKey' | 'marketplace' | 'none';

export interface RouteSpec extends Omit<RouteConfig, 'security' | 'middleware'> {
  auth: Auth;
  /** Roles allowed (checked before the request is validated); FORBIDDEN for the others. */
  roles?: readonly Role[];
  /** Error codes the handler (or its own middleware) may answer; statuses come from the table. */
  errors: readonly string[];
  /** Runs before the validators (e.g. a check that must refuse before a large body streams). */
  middleware?: MiddlewareHandler<AppEnv>[];
  /** The body streams under its own limit (package uploads), not the app's JSON body limit. */
  streamsBody?: boolean;
}

type Built<S extends RouteSpec> = Omit<
  S,
  'auth' | 'roles' | 'errors' | 'middleware' | 'streamsBody'
> & {
  middleware: MiddlewareHandler<AppEnv>[];
};

/**
 * Codes any route may answer: our own failure, and the edge's refusals (src/api/app.ts,
 * middleware/edge.ts, api/server.ts): a NUL character anywhere, another method on the path, a
 * URL or header section too large, a request too slow to arrive.
 */
const EVERY_ROUTE = [
  'INTERNAL',
  'VALIDATION_FAILED',
  'METHOD_NOT_ALLOWED',
  'URI_TOO_LONG',
  'HEADERS_TOO_LARGE',
  'REQUEST_TIMEOUT',
] as const;
const BODY_LIMIT = ['BODY_TOO_LARGE'] as const;
const API_KEY = ['UNAUTHENTICATED', 'INVALID_API_KEY'] as const;
/** `Idempotency-Key` on POSTs behind the API key (src/api/middleware/idempotency.ts). */
const IDEMPOTENCY = [
  'VALIDATION_FAILED',
  'IDEMPOTENCY_KEY_REUSED',
  'IDEMPOTENCY_KEY_IN_USE',
  'CONFLICT',
] as const;
const JSON_BODY = ['UNSUPPORTED_MEDIA_TYPE', 'BAD_JSON', 'VALIDATION_FAILED'] as const;

const SECURITY: Record<Auth, RouteConfig['security']> = {
  apiKey: [{ bearer: [] }],
  marketplace: [{ marketplaceSignature: [] }],
  none: [],
};

/** The envelope of every error answer, its code limited to the ones listed. */
export function errorSchema(codes: readonly string[]) {
  return z.object({
    error: z.object({
      code: z.enum(codes as [string, ...string[]]),
      message: z.string(),
      requestId: z.string(),
    }),
  });
}

/** True when the route validates a JSON body with a zod schema (OpenAPIHono does then). */
function hasJsonBody(spec: RouteSpec): boolean {
  const media = spec.request?.body?.content['application/json'];
  return media !== undefined && 'schema' in media && media.schema instanceof z.ZodType;
}

/** Every error code the route may answer: its own and those of its kind. */
export function errorCodesOf(spec: RouteSpec): string[] {
  const req = spec.request;
  const codes = new Set<string>([...EVERY_ROUTE, ...spec.errors]);
  if (!spec.streamsBody) BODY_LIMIT.forEach((c) => codes.add(c));
  if (spec.auth === 'apiKey') API_KEY.forEach((c) => codes.add(c));
  if (spec.auth === 'apiKey' && spec.method === 'post') IDEMPOTENCY.forEach((c) => codes.add(c));
  if (spec.roles) codes.add('FORBIDDEN');
  if (hasJsonBody(spec)) JSON_BODY.forEach((c) => codes.add(c));
  if (req?.params || req?.query || req?.headers) codes.add('VALIDATION_FAILED');
  return [...codes].sort();
}

/** Error responses keyed by status, each status's codes derived from the status table. */
function errorResponses(codes: readonly string[]): RouteConfig['responses'] {
  const byStatus = new Map<number, string[]>();
  for (const code of codes) {
    const status = httpStatusFor(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: RouteConfig['responses'] = {};
  for (const [status, list] of byStatus) {
    responses[status] = {
      description: list.join(', '),
      content: { 'application/json': { schema: errorSchema(list) } },
    };
  }
  return responses;
}

/** A route from its declaration: security, role check, JSON gate, and every answer documented. */
export function defineRoute<const S extends RouteSpec>(spec: S): Built<S> {
  const { auth, roles, errors: _errors, middleware = [], streamsBody: _streams, ...route } = spec;
  const responses = { ...route.responses, ...errorResponses(errorCodesOf(spec)) };
  return createRoute({
    ...route,
    security: SECURITY[auth],
    responses,
    middleware: [
      ...(roles ? [requireRole(...roles)] : []),
      ...middleware,
      ...(hasJsonBody(spec) ? [jsonGate()] : []),
    ],
  });
}

/** A JSON request body validated by the route (required, `application/json`). */
export function jsonBody<S extends z.ZodType>(schema: S) {
  return { required: true, content: { 'application/json': { schema } } } as const;
}

/** A success answer, with its JSON schema when the route has one. */
export function ok(description: string, schema?: z.ZodType) {
  return schema ? { description, content: { 'application/json': { schema } } } : { description };
}

/** A sub-app for one resource; a failed validator answers VALIDATION_FAILED in our envelope. */
export function resourceRoutes(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}

/** Path parameters: plain strings; an unknown id answers NOT_FOUND from the handler. */
export function pathParams<K extends string>(...names: K[]) {
  return z.object(Object.fromEntries(names.map((n) => [n, z.string()])) as Record<K, z.ZodString>);
}

/** Registers the security schemes the routes refer to. */
export function registerSecuritySchemes(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'API key shown once at creation',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'marketplaceSignature', {
    type: 'apiKey',
    in: 'query',
    name: 'signature',
    description: 'KooGallery HMAC-SHA256 over the body, with timestamp and nonce query parameters',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'akskSignature', {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description:
      'SDK-HMAC-SHA256 (Huawei APIG AK/SK) over method, path, query, signed headers and body, with X-Sdk-Date',
  });
}
