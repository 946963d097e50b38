import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { WebEnv } from './context.js';

/**
 * Live parts of a page over server-sent events: `snapshot` renders the part's HTML from the
 * database (the API) every `everyMs`, and the stream sends it as event `event` whenever it
 * changed (the first one at once). Polling the store keeps nodes stateless: a page on any API
 * node sees a step change the worker wrote, within one interval. The stream ends after `maxMs`
 * (the browser's EventSource reconnects) or when `done` says the part will not change again.
 */
export interface LiveOptions {
  event: string;
  snapshot: () => Promise<string>;
  everyMs?: number;
  maxMs?: number;
  done?: () => boolean;
}

export function liveStream(c: Context<WebEnv>, options: LiveOptions): Response {
  const everyMs = options.everyMs ?? 250;
  const maxMs = options.maxMs ?? 5 * 60 * 1000;
  c.header('Cache-Control', 'no-store');
  c.header('X-Accel-Buffering', 'no');
  return streamSSE(c, async (stream) => {
    let aborted = false;
    stream.onAbort(() => {
      aborted = true;
    });
    const started = Date.now();
    let last: string | undefined;
    let lastSent = Date.now();
    while (!aborted && Date.now() - started < maxMs) {
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
  });
}
