import { Hono } from 'hono';
import type { WebEnv } from '../../context.js';
import { principalPages } from './principals.js';
import { generatorsPage } from './generators.js';
import { auditPage, chainPage } from './audit.js';
import { chartsPage } from './charts.js';

/**
 * The operator/admin pages (mounted by ../index.tsx at /console/operator; role checked by the
 * console router): principals and keys, generator health, the audit log, the charts. Each acts
 * only through the JSON API as the signed-in operator (`c.var.api`).
 */
export function operatorAdminPages() {
  return new Hono<WebEnv>()
    .get('/principals', principalPages.list)
    .get('/principals/new', principalPages.new)
    .post('/principals/new', principalPages.create)
    .post('/principals/:id/keys', principalPages.issueKey)
    .post('/principals/:id/keys/:keyId/revoke', principalPages.revoke)
    .get('/generators', generatorsPage)
    .get('/audit', auditPage)
    .get('/audit/chain', chainPage)
    .get('/charts', chartsPage);
}
