import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { findConsoleSession } from '../db/repositories/console-sessions.js';
import type { WebEnv } from './context.js';

/**
 * Live parts of a page over server-sent events: `snapshot` renders the part's HTML from the
 * database (the API) every `everyMs`, and the stream sends it as event `event` whenever it
 * changed (the first one at once). Polling the store keeps nodes stateless: a page on any API
 * node sees a step change the worker wrote, within one interval. The stream ends after `maxMs`
 * (the browser's EventSource reconnects), when `done` says the part will not change again, or
 * as soon as its session ends (sign-out, expiry, the key revoked): it is re-read every few
 * seconds, as each page request would read it.
 */
export interface LiveOptions {
  event: string;
  snapshot: () => Promise<string>;
  everyMs?: number;
  maxMs?: number;
  done?: () => boolean;
}

/** Open streams per session on this node; a browser needs a handful (tabs), not hundreds. */
export const MAX_STREAMS_PER_SESSION = 8;
const SESSION_RECHECK_MS = 3_000;
const openStreams = new Map<string, number>();

export function liveStream(c: Context<WebEnv>, options: LiveOptions): Response {
  const everyMs = options.everyMs ?? 250;
  const maxMs = options.maxMs ?? 5 * 60 * 1000;
  const session = c.get('session');
  const tokenHash = session?.tokenHash ?? '';
  const open = openStreams.get(tokenHash) ?? 0;
  if (open >= MAX_STREAMS_PER_SESSION) {
    // EventSource retries on its own; the page still works from a reload.
    return c.text('too many live views open for this session', 429, { 'Retry-After': '30' });
  }
  openStreams.set(tokenHash, open + 1);
  const db = c.get('deps').db;
  c.header('Cache-Control', 'no-store');
  c.header('X-Accel-Buffering', 'no');
  return streamSSE(c, async (stream) => {
    let aborted = false;
    stream.onAbort(() => {
      aborted = true;
    });
    try {
      const started = Date.now();
      let last: string | undefined;
      let lastSent = Date.now();
      let checked = Date.now();
      while (!aborted && Date.now() - started < maxMs) {
        if (Date.now() - checked >= SESSION_RECHECK_MS) {
          checked = Date.now();
          if (!(await findConsoleSession(db, tokenHash))) break;
        }
        const html = await options.snapshot();
        if (html !== last) {
          last = html;
          lastSent = Date.now();
          await stream.writeSSE({ event: options.event, data: html });
          if (options.done?.()) break;
        } else if (Date.now() - lastSent > 15_000) {
          // A comment line keeps proxies from closing an idle stream.
          await stream.write(': keep-alive\n\n');
          lastSent = Date.now();
        }
        await stream.sleep(everyMs);
      }
    } finally {
      const left = (openStreams.get(tokenHash) ?? 1) - 1;
      if (left > 0) openStreams.set(tokenHash, left);
      else openStreams.delete(tokenHash);
    }
  });
}
