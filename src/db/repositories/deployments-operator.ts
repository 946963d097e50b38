import type { Sql } from '../sql.js';
import {
  DEPLOYMENT_STEPS,
  isFinished,
  type DeploymentState,
  type DeploymentStep,
} from '../../domain/deployment.js';
import {
  afterKeyset,
  keysetColumn,
  newestFirst,
  toPage,
  type Keyset,
  type Page,
} from './keyset.js';
import { iso } from './row-values.js';

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

/** What an operator filters OneClick's own deployment records by (the visibility filters' names). */
export interface RecordedDeploymentFilter {
  /** `running` (any step) or how it ended. */
  status?: 'running' | 'succeeded' | 'failed' | 'cancelled';
  /** The step it is at, or the step it ended at. */
  step?: DeploymentStep;
  sellerId?: string;
  productId?: string;
  orderId?: string;
}

/** One deployment as the operators' list shows it: its record, order, seller, product and step. */
export interface RecordedDeployment {
  id: string;
  orderRef: string;
  workflowId: string;
  runId: string | null;
  state: DeploymentState;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  /** The step it is at, or the step it ended at (null when it ended before any step began). */
  step: DeploymentStep | null;
  /** Attempts of that step so far (null without a step record). */
  stepAttempts: number | null;
  failure: { code: string; message: string } | null;
  sellerId: string;
  sellerName: string;
  productId: string;
  productName: string;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

interface RecordedRow {
  id: string;
  keyset_at: string;
  order_id: string;
  workflow_id: string;
  run_id: string | null;
  state: DeploymentState;
  failure_code: string | null;
  failure_message: string | null;
  created_at: Date | string;
  updated_at: Date | string;
  finished_at: Date | string | null;
  seller_id: string;
  seller_name: string;
  product_id: string;
  product_name: string;
  last_step: DeploymentStep | null;
  last_attempts: number | null;
}

const ENDED = `('succeeded', 'failed', 'cancelled')`;

/** The step a deployment last began (the one it is at, or ended at), for deployment `alias`. */
const lastStepOf = (alias: string, stepsParam: number) =>
  `(select s.step from deployment_steps s where s.deployment_id = ${alias}.id
     order by s.started_at desc, array_position($${stepsParam}::text[], s.step) desc limit 1)`;

/**
 * OneClick's deployments, newest first, filtered as Temporal visibility filters runs (status,
 * step, seller, product, order), one keyset page. Read from the database alone: the list an
 * operator watches live costs Temporal nothing and shows a step the moment an activity records it.
 * The page is cut first; only its rows look up their step, unless the step is itself the filter.
 */
export async function listRecordedDeployments(
  sql: Sql,
  filter: RecordedDeploymentFilter,
  page: { limit: number; after?: Keyset },
): Promise<Page<RecordedDeployment>> {
  const params: unknown[] = [DEPLOYMENT_STEPS];
  const where: string[] = [];
  if (filter.status === 'running') where.push(`d.state not in ${ENDED}`);
  else if (filter.status) where.push(`d.state = $${params.push(filter.status)}`);
  if (filter.step) {
    const step = params.push(filter.step);
    where.push(
      `(d.state = $${step} or (d.state in ${ENDED} and ${lastStepOf('d', 1)} = $${step}))`,
    );
  }
  if (filter.sellerId) where.push(`o.seller_id = $${params.push(filter.sellerId)}`);
  if (filter.productId) where.push(`o.product_id = $${params.push(filter.productId)}`);
  if (filter.orderId) where.push(`d.order_id = $${params.push(filter.orderId)}`);
  if (page.after) where.push(afterKeyset('d', page.after, params));
  const rows = await sql.query<RecordedRow>(
    `with page as (
       select d.id, d.order_id, d.workflow_id, d.run_id, d.state, d.failure_code,
              d.failure_message, d.created_at, d.updated_at, d.finished_at, o.seller_id,
              o.product_id, ${keysetColumn('d')}
         from deployments d join orders o on o.id = d.order_id
        ${where.length ? `where ${where.join(' and ')}` : ''}
        ${newestFirst('d')} limit $${params.push(page.limit + 1)})
     select page.*, se.name as seller_name, p.name as product_name,
            ls.step as last_step, ls.attempts as last_attempts
       from page
       join sellers se on se.id = page.seller_id
       join products p on p.id = page.product_id
       left join lateral (
         select s.step, s.attempts from deployment_steps s where s.deployment_id = page.id
          order by s.started_at desc, array_position($1::text[], s.step) desc limit 1) ls on true
      ${newestFirst('page')}`,
    params,
  );
  return toPage(rows, page.limit, toRecorded);
}

function toRecorded(r: RecordedRow): RecordedDeployment {
  const status = isFinished(r.state) ? r.state : 'running';
  // A running deployment is at the step its state names (its step record may not exist yet).
  const step = status === 'running' ? (r.state as DeploymentStep) : r.last_step;
  return {
    id: r.id,
    orderRef: r.order_id,
    workflowId: r.workflow_id,
    runId: r.run_id,
    state: r.state,
    status,
    step,
    stepAttempts: step !== null && step === r.last_step ? r.last_attempts : null,
    failure: r.failure_code ? { code: r.failure_code, message: r.failure_message ?? '' } : null,
    sellerId: r.seller_id,
    sellerName: r.seller_name,
    productId: r.product_id,
    productName: r.product_name,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
    finishedAt: iso(r.finished_at),
  };
}
