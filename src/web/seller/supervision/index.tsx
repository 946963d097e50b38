import { Hono } from 'hono';
import type { WebEnv } from '../../context.js';
import { page } from '../../layout.js';

/** The seller/supervision pages (mounted by ../index.tsx; role checked by the console router). */
export function sellerSupervisionPages() {
  return new Hono<WebEnv>().get('/', (c) =>
    page(c, { title: c.get('t')('seller.supervision.title') }),
  );
}
