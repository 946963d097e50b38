import { Hono } from 'hono';
import type { WebEnv } from '../../context.js';
import { page } from '../../layout.js';

/** The operator/admin pages (mounted by ../index.tsx; role checked by the console router). */
export function operatorAdminPages() {
  return new Hono<WebEnv>().get('/', (c) => page(c, { title: c.get('t')('operator.admin.title') }));
}
