import type { Sql } from '../sql.js';
import {
  DEPLOYMENT_STEPS,
  type DeployLicenseInput,
  type DeploymentState,
  type DeploymentStep,
  type StepProgress,
  type StepStatus,
} from '../../domain/deployment.js';
import { iso, toDate } from './row-values.js';

/** A deployment row with its steps. */
export interface Deployment {
  id: string;
  orderRef: string;
  workflowId: string;
  runId: string | null;
  state: DeploymentState;
  failureCode: string | null;
  failureMessage: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  /** The workflow input the deployment was started with (references only, no secrets). */
  request: DeployLicenseInput | null;
}

interface DeploymentRow {
  id: string;
  order_id: string;
  workflow_id: string;
  run_id: string | null;
  state: DeploymentState;
  failure_code: string | null;
  failure_message: string | null;
  created_at: Date | string;
  updated_at: Date | string;
  finished_at: Date | string | null;
  request: DeployLicenseInput | string | null;
}

const toDeployment = (r: DeploymentRow): Deployment => ({
  id: r.id,
  orderRef: r.order_id,
  workflowId: r.workflow_id,
  runId: r.run_id,
  state: r.state,
  failureCode: r.failure_code,
  failureMessage: r.failure_message,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
  finishedAt: iso(r.finished_at),
  request:
    typeof r.request === 'string' ? (JSON.parse(r.request) as DeployLicenseInput) : r.request,
});

const columns = `id, order_id, workflow_id, run_id, state, failure_code, failure_message,
  created_at, updated_at, finished_at, request`;

/**
 * Inserts a requested deployment, unless the order already has an active one (the unique index
 * decides, so two concurrent clicks cannot both win). Returns the active deployment either way.
 */
export async function insertOrGetActiveDeployment(
  sql: Sql,
  d: { id: string; orderRef: string; workflowId: string; request: DeployLicenseInput },
): Promise<{ deployment: Deployment; created: boolean }> {
  const rows = await sql.query<DeploymentRow>(
    `insert into deployments (id, order_id, workflow_id, state, request)
     values ($1, $2, $3, 'requested', $4)
     on conflict (order_id) where state not in ('succeeded', 'failed', 'cancelled') do nothing
     returning ${columns}`,
    [d.id, d.orderRef, d.workflowId, JSON.stringify(d.request)],
  );
  if (rows[0]) return { deployment: toDeployment(rows[0]), created: true };
  const active = await getActiveDeployment(sql, d.orderRef);
  if (!active) {
    // The active one finished between the two statements: try once more.
    return insertOrGetActiveDeployment(sql, d);
  }
  return { deployment: active, created: false };
}

export async function getActiveDeployment(
  sql: Sql,
  orderRef: string,
): Promise<Deployment | undefined> {
  const rows = await sql.query<DeploymentRow>(
    `select ${columns} from deployments
      where order_id = $1 and state not in ('succeeded', 'failed', 'cancelled')`,
    [orderRef],
  );
  return rows[0] && toDeployment(rows[0]);
}

/** The order's newest deployment, active or finished. */
export async function getLatestDeployment(
  sql: Sql,
  orderRef: string,
): Promise<Deployment | undefined> {
  const rows = await sql.query<DeploymentRow>(
    `select ${columns} from deployments where order_id = $1 order by created_at desc, id desc limit 1`,
    [orderRef],
  );
  return rows[0] && toDeployment(rows[0]);
}

export async function getDeployment(sql: Sql, id: string): Promise<Deployment | undefined> {
  const rows = await sql.query<DeploymentRow>(`select ${columns} from deployments where id = $1`, [
    id,
  ]);
  return rows[0] && toDeployment(rows[0]);
}

export async function setDeploymentRunId(sql: Sql, id: string, runId: string): Promise<void> {
  await sql.query('update deployments set run_id = $2, updated_at = now() where id = $1', [
    id,
    runId,
  ]);
}

/** Moves an active deployment to a step; a finished one is left alone (late replays). */
export async function setDeploymentState(
  sql: Sql,
  id: string,
  state: DeploymentStep,
): Promise<void> {
  await sql.query(
    `update deployments set state = $2, updated_at = now()
      where id = $1 and state not in ('succeeded', 'failed', 'cancelled')`,
    [id, state],
  );
}

/** Ends a deployment once; the first end wins. */
export async function finishDeployment(
  sql: Sql,
  id: string,
  end: { state: 'succeeded' | 'failed' | 'cancelled'; code?: string; message?: string },
): Promise<boolean> {
  const rows = await sql.query(
    `update deployments set state = $2, failure_code = $3, failure_message = $4,
            updated_at = now(), finished_at = now()
      where id = $1 and state not in ('succeeded', 'failed', 'cancelled') returning id`,
    [id, end.state, end.code ?? null, end.message?.slice(0, 2000) ?? null],
  );
  return rows.length > 0;
}

/** Records a step's start; a retried start counts an attempt and reopens the step. */
export async function startStep(
  sql: Sql,
  deploymentId: string,
  step: DeploymentStep,
  attempts: number,
): Promise<void> {
  await sql.query(
    `insert into deployment_steps (deployment_id, step, status, attempts)
     values ($1, $2, 'running', $3)
     on conflict (deployment_id, step) do update
       set status = 'running', attempts = greatest(deployment_steps.attempts, excluded.attempts),
           ended_at = null`,
    [deploymentId, step, attempts],
  );
}

/**
 * A step a statement ended, as that statement left it: what the step-duration metric observes,
 * from the database's own clock (the same whichever worker ran each attempt).
 */
export interface ClosedStep {
  step: DeploymentStep;
  status: Exclude<StepStatus, 'running'>;
  /** Milliseconds from the step's recorded start (its first attempt) to its end. */
  durationMs: number;
}

interface ClosedStepRow {
  step: DeploymentStep;
  status: Exclude<StepStatus, 'running'>;
  started_at: Date | string;
  ended_at: Date | string;
}

const CLOSED_COLUMNS = 'step, status, started_at, ended_at';

function closedStep(r: ClosedStepRow): ClosedStep {
  const durationMs = toDate(r.ended_at).getTime() - toDate(r.started_at).getTime();
  return { step: r.step, status: r.status, durationMs: Math.max(0, durationMs) };
}

/** Records a step's end with its status, attempts and log tail; answers the step as it ended. */
export async function endStep(
  sql: Sql,
  deploymentId: string,
  step: DeploymentStep,
  end: { status: Exclude<StepStatus, 'running'>; attempts?: number; logTail?: string },
): Promise<ClosedStep[]> {
  const rows = await sql.query<ClosedStepRow>(
    `insert into deployment_steps (deployment_id, step, status, attempts, ended_at, log_tail)
     values ($1, $2, $3, coalesce($4, 1), now(), $5)
     on conflict (deployment_id, step) do update
       set status = excluded.status, ended_at = now(),
           attempts = greatest(deployment_steps.attempts, excluded.attempts),
           log_tail = coalesce(excluded.log_tail, deployment_steps.log_tail)
     returning ${CLOSED_COLUMNS}`,
    [deploymentId, step, end.status, end.attempts ?? null, end.logTail ?? null],
  );
  return rows.map(closedStep);
}

/**
 * An attempt of a step begins: the deployment moves to the step (unless it already ended), the
 * step opens with the attempt number, and, when given, the step before it is closed as succeeded
 * with its tail. One statement, so recording a step costs one round trip; it answers the step it
 * closed (none when `previous` had already ended), so its end is observed once, by its closer.
 */
export async function beginStepAttempt(
  sql: Sql,
  deploymentId: string,
  step: DeploymentStep,
  attempt: number,
  previous?: { step: DeploymentStep; logTail: string },
): Promise<ClosedStep[]> {
  // Every data-modifying part of a WITH runs, whatever the final SELECT reads. A step never
  // closes itself: one statement may not both update a row and upsert it again.
  const rows = await sql.query<ClosedStepRow>(
    `with moved as (
       update deployments set state = $2, updated_at = now()
        where id = $1 and state not in ('succeeded', 'failed', 'cancelled')),
     closed as (
       update deployment_steps set status = 'succeeded', ended_at = now(),
              log_tail = coalesce($5, log_tail)
        where deployment_id = $1 and step = $4 and status = 'running' and $4 is distinct from $2
        returning ${CLOSED_COLUMNS}),
     opened as (
       insert into deployment_steps (deployment_id, step, status, attempts)
       values ($1, $2, 'running', $3)
       on conflict (deployment_id, step) do update
         set status = 'running', attempts = greatest(deployment_steps.attempts, excluded.attempts),
             ended_at = null)
     select * from closed`,
    [deploymentId, step, attempt, previous?.step ?? null, previous?.logTail ?? null],
  );
  return rows.map(closedStep);
}

/** Keeps what went wrong with a step's attempt while the step stays open for the next one. */
export async function noteStepAttemptFailed(
  sql: Sql,
  deploymentId: string,
  step: DeploymentStep,
  logTail: string,
): Promise<void> {
  await sql.query(
    `update deployment_steps set log_tail = $3
      where deployment_id = $1 and step = $2 and status = 'running'`,
    [deploymentId, step, logTail.slice(-4000)],
  );
}

/** Closes every step still running (a deployment that failed or was cancelled mid-step). */
export async function failRunningSteps(
  sql: Sql,
  deploymentId: string,
  logTail: string,
): Promise<ClosedStep[]> {
  const rows = await sql.query<ClosedStepRow>(
    `update deployment_steps set status = 'failed', ended_at = now(), log_tail = $2
      where deployment_id = $1 and status = 'running'
      returning ${CLOSED_COLUMNS}`,
    [deploymentId, logTail.slice(-4000)],
  );
  return rows.map(closedStep);
}

export async function listSteps(sql: Sql, deploymentId: string): Promise<StepProgress[]> {
  const rows = await sql.query<{
    step: DeploymentStep;
    status: StepStatus;
    attempts: number;
    started_at: Date | string;
    ended_at: Date | string | null;
    log_tail: string | null;
  }>(
    // Steps recorded in the same microsecond keep the deployment's own order, not their names'.
    `select step, status, attempts, started_at, ended_at, log_tail from deployment_steps
      where deployment_id = $1 order by started_at, array_position($2::text[], step)`,
    [deploymentId, DEPLOYMENT_STEPS],
  );
  return rows.map((r) => ({
    step: r.step,
    status: r.status,
    attempts: r.attempts,
    startedAt: iso(r.started_at),
    endedAt: iso(r.ended_at),
    logTail: r.log_tail,
  }));
}

/** Records a supervision event without moving the state (deploying, delivered, failed). */
export async function recordSupervisionNote(
  sql: Sql,
  orderRef: string,
  note: string,
): Promise<boolean> {
  const rows = await sql.query(
    // The record is locked as a transition locks it: a note and a transition never interleave,
    // so a note carries the state it was made in and its id orders it among the transitions.
    `insert into supervision_events (record_id, from_state, to_state, note)
     select id, state, state, $2 from supervision_records where order_id = $1 for update
     returning id`,
    [orderRef, note.slice(0, 2000)],
  );
  return rows.length > 0;
}

/**
 * The server of the order's newest deployment that reached one: the buyer's own (`existingId` in
 * the recorded request) or the one the deployment created, read from its succeeded `server`
 * step, whose tail is `server <id> <status> at <ip>` (activities/step-recording.ts and the
 * workflow's step description). Undefined when no deployment got as far as a server.
 */
export async function findDeploymentServer(
  sql: Sql,
  orderRef: string,
): Promise<{ deploymentId: string; serverId: string } | undefined> {
  const rows = await sql.query<{ id: string; server_id: string }>(
    `select d.id, coalesce(d.request #>> '{choices,server,existingId}',
                           substring(s.log_tail from '^server ([^ ]+) ')) as server_id
       from deployments d
       left join deployment_steps s
         on s.deployment_id = d.id and s.step = 'server' and s.status = 'succeeded'
      where d.order_id = $1
        and coalesce(d.request #>> '{choices,server,existingId}',
                     substring(s.log_tail from '^server ([^ ]+) ')) is not null
      order by d.created_at desc, d.id desc
      limit 1`,
    [orderRef],
  );
  const r = rows[0];
  return r && { deploymentId: r.id, serverId: r.server_id };
}
