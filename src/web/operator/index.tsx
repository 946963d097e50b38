import { Hono } from 'hono';
import type { WebEnv } from '../context.js';
import { operatorDeploymentPages } from './deployments/index.js';
import { operatorAdminPages } from './admin/index.js';

/**
 * The operator's pages, mounted at /console/operator: deployments, their timelines and actions
 * (deployments/); principals and keys, generator health, the audit log and the charts (admin/).
 * Each part registers its own paths under /console/operator.
 */
export function operatorPages() {
  return new Hono<WebEnv>().route('/', operatorDeploymentPages()).route('/', operatorAdminPages());
}
