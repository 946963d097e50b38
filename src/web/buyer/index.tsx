import { Hono } from 'hono';
import type { WebEnv } from '../context.js';
import { page } from '../layout.js';

/** The buyer's pages, mounted at /console/buyer (role checked by the console router). */
export function buyerPages() {
  return new Hono<WebEnv>().get('/', (c) => page(c, { title: c.get('t')('buyer.nav') }));
}
