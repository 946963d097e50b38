import type { Sql } from '../sql.js';
import type { DeploymentState } from '../../domain/deployment.js';

/** What the operator's list adds to a Temporal run from the database: its deployment. */
export interface RunDeployment {
  id: string;
  orderRef: string;
  state: DeploymentState;
}

/** The deployments recorded for these workflow runs, by run id (runs without one are absent). */
export async function deploymentsByRunIds(
  sql: Sql,
  runIds: readonly string[],
): Promise<Map<string, RunDeployment>> {
  if (runIds.length === 0) return new Map();
  const rows = await sql.query<{
    id: string;
    order_id: string;
    state: DeploymentState;
    run_id: string;
  }>('select id, order_id, state, run_id from deployments where run_id = any($1::text[])', [
    [...runIds],
  ]);
  return new Map(rows.map((r) => [r.run_id, { id: r.id, orderRef: r.order_id, state: r.state }]));
}
