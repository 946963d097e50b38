import { Hono } from 'hono';
import type { WebEnv } from '../../context.js';
import { productPages } from './products.js';
import { packageUploadRoutes } from './package-upload.js';
import { PRODUCTS } from './views.js';
import { keyPages } from './keys.js';
import { credentialPages } from './credentials.js';

/**
 * The seller/catalog pages (mounted by ../index.tsx at /console/seller; role checked by the
 * console router): products with their packages, the streamed package upload, signing keys and
 * open-API credentials.
 */
export function sellerCatalogPages() {
  return new Hono<WebEnv>()
    .get('/', (c) => c.redirect(PRODUCTS, 303))
    .route('/', productPages())
    .route('/', packageUploadRoutes())
    .route('/', keyPages())
    .route('/', credentialPages());
}
