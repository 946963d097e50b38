import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Hono } from 'hono';
import type { WebEnv } from './context.js';

/**
 * The console's static files, from this process and never a CDN: htmx and its SSE extension from
 * node_modules, our stylesheet and script from `assets/`. Read once, served with an ETag.
 */

const require = createRequire(import.meta.url);
const fromPackage = (pkg: string, file: string) =>
  path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
const own = (file: string) => path.join(import.meta.dirname, 'assets', file);

const FILES: Record<string, { file: string; type: string }> = {
  'htmx.min.js': { file: fromPackage('htmx.org', 'dist/htmx.min.js'), type: 'text/javascript' },
  'sse.js': { file: fromPackage('htmx-ext-sse', 'dist/sse.min.js'), type: 'text/javascript' },
  'console.css': { file: own('console.css'), type: 'text/css' },
  'console.js': { file: own('console.js'), type: 'text/javascript' },
};

/** Scripts and stylesheets a page adds (`page(..., { scripts, styles })`) live under assets/. */
export function assetRoutes() {
  const cache = new Map<string, { body: Buffer; etag: string; type: string }>();
  const load = (name: string) => {
    let entry = cache.get(name);
    if (entry) return entry;
    const known = FILES[name];
    const file = known?.file ?? (/^[a-z0-9-]+\.(js|css)$/.test(name) ? own(name) : undefined);
    if (!file) return undefined;
    let body: Buffer;
    try {
      body = readFileSync(file);
    } catch {
      return undefined;
    }
    entry = {
      body,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      type: known?.type ?? (name.endsWith('.css') ? 'text/css' : 'text/javascript'),
    };
    cache.set(name, entry);
    return entry;
  };
  return new Hono<WebEnv>().get('/:name', (c) => {
    const entry = load(c.req.param('name'));
    if (!entry) return c.notFound();
    c.header('ETag', entry.etag);
    c.header('Cache-Control', 'public, max-age=300');
    if (c.req.header('if-none-match') === entry.etag) return c.body(null, 304);
    c.header('Content-Type', `${entry.type}; charset=utf-8`);
    return c.body(new Uint8Array(entry.body));
  });
}
