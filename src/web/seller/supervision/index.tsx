import { Hono } from 'hono';
import type { WebEnv } from '../../context.js';
import {
  bindProduct,
  generatorDetailPage,
  generatorsListPage,
  recheckGenerator,
  registerFormPage,
  registerGenerator,
} from './generators.js';
import {
  confirmCompletion,
  evidenceDownload,
  orderDetailPage,
  orderLive,
  ordersListPage,
  redeliver,
  revokeLicense,
} from './orders.js';
import { reportUpload } from './report-upload.js';

/**
 * The seller/supervision pages (mounted by ../index.tsx at /console/seller; role checked by the
 * console router): license generators and the orders under service supervision.
 */
export function sellerSupervisionPages() {
  return (
    new Hono<WebEnv>()
      .get('/generators', generatorsListPage)
      .get('/generators/new', registerFormPage)
      .post('/generators', registerGenerator)
      .get('/generators/:id', generatorDetailPage)
      .post('/generators/:id/check', recheckGenerator)
      .post('/generators/:id/products', bindProduct)
      .get('/orders', ordersListPage)
      .get('/orders/:id', orderDetailPage)
      .get('/orders/:id/live', orderLive)
      .post('/orders/:id/confirm', confirmCompletion)
      .post('/orders/:id/redeliver', redeliver)
      .post('/orders/:id/revoke', revokeLicense)
      .get('/orders/:id/evidence.html', (c) => evidenceDownload(c, 'html'))
      .get('/orders/:id/evidence.json', (c) => evidenceDownload(c, 'json'))
      // The exact path CONSOLE_UPLOAD_PATHS exempts from the JSON body limit: the file streams.
      .post('/report-upload', reportUpload)
  );
}
