import { resourceRoutes } from '../contract.js';

/** Deployment statistics for the operators' charts (filled in by the console's operator work). */
export function deploymentStatsRoutes() {
  return resourceRoutes();
}
