import { Hono } from 'hono';
import type { WebEnv } from '../context.js';
import { sellerCatalogPages } from './catalog/index.js';
import { sellerSupervisionPages } from './supervision/index.js';

/**
 * The seller's pages, mounted at /console/seller: products, packages, signing keys and API
 * credentials (catalog/), license generators and orders under supervision (supervision/). Each
 * part registers its own absolute paths under /console/seller.
 */
export function sellerPages() {
  return new Hono<WebEnv>().route('/', sellerCatalogPages()).route('/', sellerSupervisionPages());
}
