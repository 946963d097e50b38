import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { AppEnv } from './context.js';
import { errorResponse } from './errors.js';

/**
 * Holds every answer to the published document (for tests: `createApp(deps, { checkContract })`).
 * An answer whose status the route's operation does not list, or whose error code is not among
 * those listed for that status, is replaced by 500 UNDECLARED_RESPONSE and logged, so any API test
 * that provokes an undeclared answer fails.
 */

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
/** The part of an OpenAPI document the check reads. */
export interface ContractDocument {
  paths?: object;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** `METHOD /hono/:path` → operation, from the document's `/openapi/{path}` keys. */
function indexOperations(doc: ContractDocument): Map<string, Operation> {
  const ops = new Map<string, Operation>();
  const paths = (doc.paths ?? {}) as Record<string, Record<string, unknown>>;
  for (const [path, item] of Object.entries(paths)) {
    const honoPath = path.replace(/\{([^}]+)\}/g, ':$1');
    for (const method of METHODS) {
      const op = item[method];
      if (op) ops.set(`${method.toUpperCase()} ${honoPath}`, op);
    }
  }
  return ops;
}

/** The operation of the route that answered: the first matched endpoint (middleware ends in *). */
export function operationOf(c: Context, ops: Map<string, Operation>): Operation | undefined {
  const method = c.req.method === 'HEAD' ? 'GET' : c.req.method;
  for (const r of matchedRoutes(c)) {
    if (r.path.endsWith('*')) continue;
    if (r.method !== 'ALL' && r.method !== method) continue;
    const op = ops.get(`${method} ${r.path}`);
    if (op) return op;
  }
  return undefined;
}

/** The error codes an operation lists for a status (our envelope's `error.code` enum). */
function codesListed(op: Operation, status: string): string[] | undefined {
  const schema = op.responses?.[status]?.content?.['application/json']?.schema as
    { properties?: { error?: { properties?: { code?: { enum?: string[] } } } } } | undefined;
  return schema?.properties?.error?.properties?.code?.enum;
}

/** Why the answer breaks the operation's contract, or undefined when it keeps it. */
export async function undeclared(op: Operation, res: Response): Promise<string | undefined> {
  const status = String(res.status);
  if (!op.responses?.[status]) return `status ${status}`;
  if (res.status < 400 || !(res.headers.get('content-type') ?? '').includes('json')) return;
  const listed = codesListed(op, status);
  if (!listed) return;
  const body = (await res
    .clone()
    .json()
    .catch(() => undefined)) as { error?: { code?: unknown } } | undefined;
  const code = body?.error?.code;
  if (typeof code !== 'string') return `status ${status} without an error code`;
  if (!listed.includes(code)) return `status ${status} with code ${code}`;
  return;
}

/** The checking middleware; `doc` is read once, at the first request. */
export function contractCheck(doc: () => ContractDocument): MiddlewareHandler<AppEnv> {
  let ops: Map<string, Operation> | undefined;
  return async (c, next) => {
    await next();
    ops ??= indexOperations(doc());
    const op = operationOf(c, ops);
    if (!op) return;
    const problem = await undeclared(op, c.res);
    if (!problem) return;
    const message = `${c.req.method} ${c.req.path} answered ${problem}, which its route does not declare`;
    c.get('log').error({ problem }, message);
    c.res = undefined;
    c.res = errorResponse(c, 500, 'UNDECLARED_RESPONSE', message);
  };
}
