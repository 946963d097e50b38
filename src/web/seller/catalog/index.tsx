import { Hono } from 'hono';
import type { WebEnv } from '../../context.js';
import { page } from '../../layout.js';

/** The seller/catalog pages (mounted by ../index.tsx; role checked by the console router). */
export function sellerCatalogPages() {
  return new Hono<WebEnv>().get('/', (c) => page(c, { title: c.get('t')('seller.catalog.title') }));
}
