import { resourceRoutes } from '../contract.js';

/** License generators' health across sellers, for operators (filled in by the operator work). */
export function generatorHealthRoutes() {
  return resourceRoutes();
}
