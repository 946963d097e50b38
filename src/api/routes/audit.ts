import { resourceRoutes } from '../contract.js';

/** The audit log for operators (filled in by the console's operator work). */
export function auditRoutes() {
  return resourceRoutes();
}
