import type { Context, MiddlewareHandler } from 'hono';
import { AppError } from '../../errors.js';
import type { AppEnv } from '../context.js';

/**
 * What the app refuses before any route runs: a URL over the length limit (414) and a NUL
 * character anywhere in the request (400), which PostgreSQL would otherwise refuse with a 500.
 */

/** The longest URL (path and query) the API reads; longer ones answer 414 URI_TOO_LONG. */
export const MAX_URL_LENGTH = 8 * 1024;

/** Refuses a URL longer than `max` characters with 414 URI_TOO_LONG. */
export function limitUrl(max = MAX_URL_LENGTH): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const url = new URL(c.req.url);
    if (url.pathname.length + url.search.length > max) {
      throw new AppError('URI_TOO_LONG', `the URL is over ${max} characters`);
    }
    await next();
  };
}

export const NUL_REFUSED = 'text must not contain NUL characters';

/** True when a string anywhere in the value (keys included) holds a NUL character. */
export function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (Array.isArray(value)) return value.some(containsNul);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).some(([k, v]) => k.includes('\0') || containsNul(v));
  }
  return false;
}

const ENCODED_NUL = /%00/i;

/** Where the request holds a NUL character, or undefined: the URL, a header or the body. */
async function nulIn(c: Context<AppEnv>, readBody: boolean): Promise<string | undefined> {
  const url = c.req.url;
  if (url.includes('\0') || ENCODED_NUL.test(url)) return 'the URL';
  for (const [name, value] of c.req.raw.headers) {
    if (name.includes('\0') || value.includes('\0')) return `the ${name} header`;
  }
  if (!readBody || !c.req.raw.body) return undefined;
  // Cached by Hono: the validators, signature checks and handlers read these same bytes.
  const bytes = Buffer.from(await c.req.arrayBuffer());
  if (bytes.includes(0)) return 'the body';
  if (!bytes.includes('\\u0000')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined; // not JSON: the route answers BAD_JSON (or its own) for it
  }
  return containsNul(parsed) ? 'the body' : undefined;
}

export interface RefuseNulOptions {
  /** Paths whose bodies are binary (package uploads): only their URL and headers are checked. */
  binaryBodies?: readonly string[];
  /**
   * A route family's own answer (the KooGallery open API has its envelope), `null` to let the
   * request through (its route reads none of it), or undefined for ours.
   */
  answer?: (c: Context<AppEnv>, message: string) => Response | null | undefined;
}

/**
 * Refuses a NUL character in the URL (path or query, raw or percent-encoded), a header, or a text
 * body (raw, or a `\u0000` escape in a JSON string at any depth) with 400 VALIDATION_FAILED, once
 * for every route. Runs after the body limit, so reading the body is bounded.
 */
export function refuseNul(options: RefuseNulOptions = {}): MiddlewareHandler<AppEnv> {
  const binary = new Set(options.binaryBodies ?? []);
  return async (c, next) => {
    const where = await nulIn(c, !binary.has(c.req.path));
    if (where) {
      const message = `${NUL_REFUSED} (${where})`;
      const own = options.answer?.(c, message);
      if (own) return own;
      if (own === null) return next();
      throw new AppError('VALIDATION_FAILED', message);
    }
    await next();
  };
}

/** The methods of each documented path, matched against a request path. */
export interface PathMethods {
  /** The methods a path answers (with HEAD where GET is), or undefined for an unknown path. */
  allowed(path: string): string[] | undefined;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options'] as const;

/** Indexes an OpenAPI document's paths (`/v1/orders/{id}`) by the methods each answers. */
export function pathMethods(doc: { paths?: object }): PathMethods {
  const index: { pattern: RegExp; methods: Set<string> }[] = [];
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, object>)) {
    const source = path
      .split(/\{[^}]+\}/)
      .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
      .join('[^/]+');
    const methods = new Set(METHODS.filter((m) => m in item).map((m) => m.toUpperCase()));
    if (methods.has('GET')) methods.add('HEAD');
    index.push({ pattern: new RegExp(`^${source}$`), methods });
  }
  return {
    allowed(path) {
      const found = new Set<string>();
      for (const { pattern, methods } of index) {
        if (pattern.test(path)) methods.forEach((m) => found.add(m));
      }
      return found.size ? [...found].sort() : undefined;
    },
  };
}
