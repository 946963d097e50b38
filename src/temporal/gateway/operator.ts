import { WorkflowNotFoundError } from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers.js';
import { ApplicationFailure, type LoadedDataConverter } from '@temporalio/common';
import {
  decode,
  decodeArrayFromPayloads,
  decodeOptionalFailureToOptionalError,
  encode,
} from '@temporalio/common/lib/internal-non-workflow/codec-helpers.js';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes.js';
import { optionalTsToDate } from '@temporalio/common/lib/time.js';
// A CommonJS module: Node's ESM loader sees only its default export, not `temporal`.
import proto, { type temporal } from '@temporalio/proto';
import { AppError } from '../../errors.js';
import {
  DeploymentStatusKey,
  DeploymentStepKey,
  OrderIdKey,
  ProductIdKey,
  SellerIdKey,
} from '../search-attributes.js';
import type { BoundClient } from './bound-client.js';
import { workflowType } from './workflow-types.js';

/** What operators filter deployments by: OneClick's search attributes, exact values. */
export interface DeploymentRunFilter {
  status?: string;
  step?: string;
  sellerId?: string;
  productId?: string;
  orderId?: string;
}

/** How a workflow run stands in Temporal (not what the deployment says of itself). */
export type ExecutionStatus =
  | 'running'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'terminated'
  | 'continued-as-new'
  | 'timed-out'
  | 'unknown';

/** One deployLicense run as Temporal's visibility lists it. */
export interface DeploymentRun {
  workflowId: string;
  runId: string;
  executionStatus: ExecutionStatus;
  orderId: string | null;
  sellerId: string | null;
  productId: string | null;
  /** DeploymentStep and DeploymentStatus as the run last published them. */
  step: string | null;
  status: string | null;
  startedAt: string;
  closedAt: string | null;
}

/** A failure as an operator reads it: its type (an error code) and its decoded messages. */
export interface FailureSummary {
  type: string;
  message: string;
}

export type ActivityOutcome =
  'scheduled' | 'started' | 'completed' | 'failed' | 'timed-out' | 'cancelled';

/** One activity of a run's history, from its scheduling to its end. */
export interface HistoryActivity {
  activityId: string;
  activity: string;
  /**
   * A local activity (recorded as a marker when it ended: no input, no separate start), or one
   * the server scheduled.
   */
  local: boolean;
  /** The deployment step its input names (`mark.step`); null without one (compensation). */
  step: string | null;
  /** The DeploymentStep the run had published when the activity was scheduled. */
  publishedStep: string | null;
  scheduledAt: string | null;
  /** When the last attempt started. */
  startedAt: string | null;
  endedAt: string | null;
  /** Attempts made (the last attempt's number). */
  attempts: number;
  outcome: ActivityOutcome;
  failure: FailureSummary | null;
  /** Why the attempt before the last failed, when one did. */
  lastFailure: FailureSummary | null;
}

/** One run's history, decoded: when it started and ended, how, and its activities. */
export interface DeploymentHistory {
  workflowId: string;
  runId: string;
  startedAt: string | null;
  closedAt: string | null;
  outcome: ExecutionStatus;
  failure: FailureSummary | null;
  /** Who asked for a cancellation or termination, and why, when someone did. */
  cancelRequested: { at: string | null; identity: string | null; reason: string | null } | null;
  terminated: { identity: string | null; reason: string | null } | null;
  activities: HistoryActivity[];
}

/** The operator's view of deployLicense runs: visibility, history, cancel and terminate by run. */
export interface OperatorGateway {
  /** Runs of deployLicense, newest first, filtered on the search attributes; `cursor` pages on. */
  listDeploymentRuns(
    filter: DeploymentRunFilter,
    page: { limit: number; cursor?: string },
  ): Promise<{ runs: DeploymentRun[]; next: string | null }>;
  /** The run's history with failure messages decrypted; undefined when Temporal has no such run. */
  deploymentHistory(workflowId: string, runId: string): Promise<DeploymentHistory | undefined>;
  /** How the run stands in Temporal; undefined when Temporal has no such run. */
  runStatus(workflowId: string, runId: string): Promise<ExecutionStatus | undefined>;
  /** Requests cancellation of that run (it compensates); 'not-running' when it has ended. */
  cancelDeploymentRun(
    workflowId: string,
    runId: string | null,
  ): Promise<'cancelled' | 'not-running'>;
  /** Terminates that run at once (nothing compensates); 'not-running' when it has ended. */
  terminateDeploymentRun(
    workflowId: string,
    runId: string | null,
    reason: string,
  ): Promise<'terminated' | 'not-running'>;
}

/** Values allowed inside the visibility query: ids and enum words only, so no quote can close. */
const QUERY_VALUE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const CURSOR = /^[A-Za-z0-9_-]{1,4096}$/;

/** A value as a visibility query literal; anything but a plain id is refused, never escaped. */
export function queryLiteral(name: string, value: string): string {
  if (!QUERY_VALUE.test(value)) {
    throw new AppError(
      'VALIDATION_FAILED',
      `${name}: must be a plain id (letters, digits, _ . : -)`,
    );
  }
  return `'${value}'`;
}

/** The visibility query for deployLicense runs matching the filter. */
export function deploymentRunQuery(filter: DeploymentRunFilter): string {
  const clauses = [`WorkflowType = ${queryLiteral('workflowType', workflowType('deployLicense'))}`];
  const fields: [keyof DeploymentRunFilter, string][] = [
    ['status', DeploymentStatusKey.name],
    ['step', DeploymentStepKey.name],
    ['sellerId', SellerIdKey.name],
    ['productId', ProductIdKey.name],
    ['orderId', OrderIdKey.name],
  ];
  for (const [key, attribute] of fields) {
    const value = filter[key];
    if (value !== undefined) clauses.push(`${attribute} = ${queryLiteral(key, value)}`);
  }
  return clauses.join(' AND ');
}

const { Payload: PayloadProto } = proto.temporal.api.common.v1;

/**
 * The `next` cursor: Temporal's page token with the query it pages, sealed by the data converter's
 * codec (AES-GCM under the payload key), so a cursor this OneClick did not hand out, or one used
 * with other filters, is refused here instead of reaching the server (which answers a forged token
 * with an unexplained UNKNOWN).
 */
async function sealCursor(
  converter: LoadedDataConverter,
  query: string,
  token: Uint8Array,
): Promise<string> {
  const plain = converter.payloadConverter.toPayload({
    q: query,
    t: Buffer.from(token).toString('base64'),
  });
  const [sealed] = await encode(converter.payloadCodecs, [plain]);
  return Buffer.from(PayloadProto.encode(sealed!).finish()).toString('base64url');
}

/** The page token a cursor holds for this query, or undefined when it is not one of ours. */
async function openCursor(
  converter: LoadedDataConverter,
  query: string,
  cursor: string,
): Promise<Uint8Array | undefined> {
  try {
    const sealed = PayloadProto.decode(Buffer.from(cursor, 'base64url'));
    const [plain] = await decode(converter.payloadCodecs, [sealed]);
    const value = converter.payloadConverter.fromPayload<{ q?: unknown; t?: unknown }>(plain!);
    if (value?.q !== query || typeof value.t !== 'string') return undefined;
    return new Uint8Array(Buffer.from(value.t, 'base64'));
  } catch {
    return undefined;
  }
}

const STATUS_NAMES: Record<string, ExecutionStatus> = {
  RUNNING: 'running',
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'terminated',
  CONTINUED_AS_NEW: 'continued-as-new',
  TIMED_OUT: 'timed-out',
};

const iso = (ts: temporal.api.history.v1.IHistoryEvent['eventTime']): string | null =>
  optionalTsToDate(ts)?.toISOString() ?? null;

/** An error decoded from a failure, as type and message: the causes' messages joined. */
function summarize(err: Error | undefined): FailureSummary | null {
  if (!err) return null;
  const messages: string[] = [];
  let type = err.name;
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e.message && messages.at(-1) !== e.message) messages.push(e.message);
    if (e instanceof ApplicationFailure && e.type) type = e.type;
  }
  return { type, message: messages.join(': ').slice(0, 4000) };
}

/** What core records in a local activity's marker (`details.data`), in its own JSON. */
interface LocalActivityMarkerData {
  seq?: number;
  attempt?: number;
  activity_id?: string;
  activity_type?: string;
  original_schedule_time?: { seconds?: number; nanos?: number } | null;
}

const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

const markerTime = (t: LocalActivityMarkerData['original_schedule_time']): string | null =>
  t?.seconds === undefined
    ? null
    : new Date(t.seconds * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString();

/** Builds the decoded history of one run from its events. */
async function historyOf(
  converter: LoadedDataConverter,
  workflowId: string,
  runId: string,
  events: temporal.api.history.v1.IHistoryEvent[],
): Promise<DeploymentHistory> {
  const failure = (f: temporal.api.failure.v1.IFailure | null | undefined) =>
    decodeOptionalFailureToOptionalError(converter, f).then(summarize);
  const bySchedule = new Map<string, HistoryActivity>();
  const localBySeq = new Map<number, HistoryActivity>();
  const history: DeploymentHistory = {
    workflowId,
    runId,
    startedAt: null,
    closedAt: null,
    outcome: 'running',
    failure: null,
    cancelRequested: null,
    terminated: null,
    activities: [],
  };
  let publishedStep: string | null = null;
  const publish = (fields: Record<string, temporal.api.common.v1.IPayload> | null | undefined) => {
    const step = decodeTypedSearchAttributes(fields).get(DeploymentStepKey);
    if (step !== undefined) publishedStep = step;
  };
  // Event ids are protobuf Longs; their decimal text keys the map.
  const scheduledId = (id: { toString(): string } | null | undefined) => id?.toString() ?? '';

  for (const e of events) {
    const at = iso(e.eventTime);
    if (e.workflowExecutionStartedEventAttributes) {
      history.startedAt = at;
      publish(e.workflowExecutionStartedEventAttributes.searchAttributes?.indexedFields);
    } else if (e.upsertWorkflowSearchAttributesEventAttributes) {
      publish(e.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields);
    } else if (e.activityTaskScheduledEventAttributes) {
      const a = e.activityTaskScheduledEventAttributes;
      const activity: HistoryActivity = {
        activityId: a.activityId ?? '',
        activity: a.activityType?.name ?? 'unknown',
        local: false,
        step: await stepOf(converter, a.input?.payloads),
        publishedStep,
        scheduledAt: at,
        startedAt: null,
        endedAt: null,
        attempts: 0,
        outcome: 'scheduled',
        failure: null,
        lastFailure: null,
      };
      bySchedule.set(scheduledId(e.eventId), activity);
      history.activities.push(activity);
    } else if (e.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER) {
      await localActivity(e.markerRecordedEventAttributes, at);
    } else if (e.activityTaskStartedEventAttributes) {
      const a = e.activityTaskStartedEventAttributes;
      const activity = bySchedule.get(scheduledId(a.scheduledEventId));
      if (activity) {
        activity.startedAt = at;
        activity.attempts = a.attempt ?? 1;
        activity.outcome = 'started';
        activity.lastFailure = await failure(a.lastFailure);
      }
    } else if (e.activityTaskCompletedEventAttributes) {
      end(e.activityTaskCompletedEventAttributes.scheduledEventId, 'completed', at);
    } else if (e.activityTaskFailedEventAttributes) {
      const a = e.activityTaskFailedEventAttributes;
      const activity = end(a.scheduledEventId, 'failed', at);
      if (activity) activity.failure = await failure(a.failure);
    } else if (e.activityTaskTimedOutEventAttributes) {
      const a = e.activityTaskTimedOutEventAttributes;
      const activity = end(a.scheduledEventId, 'timed-out', at);
      if (activity) activity.failure = await failure(a.failure);
    } else if (e.activityTaskCanceledEventAttributes) {
      end(e.activityTaskCanceledEventAttributes.scheduledEventId, 'cancelled', at);
    } else if (e.workflowExecutionCancelRequestedEventAttributes) {
      const a = e.workflowExecutionCancelRequestedEventAttributes;
      history.cancelRequested = { at, identity: a.identity || null, reason: a.cause || null };
    } else if (e.workflowExecutionCompletedEventAttributes) close(at, 'completed');
    else if (e.workflowExecutionFailedEventAttributes) {
      close(at, 'failed');
      history.failure = await failure(e.workflowExecutionFailedEventAttributes.failure);
    } else if (e.workflowExecutionCanceledEventAttributes) close(at, 'cancelled');
    else if (e.workflowExecutionTerminatedEventAttributes) {
      const a = e.workflowExecutionTerminatedEventAttributes;
      close(at, 'terminated');
      history.terminated = { identity: a.identity || null, reason: a.reason || null };
    } else if (e.workflowExecutionTimedOutEventAttributes) close(at, 'timed-out');
    else if (e.workflowExecutionContinuedAsNewEventAttributes) close(at, 'continued-as-new');
  }
  return history;

  function end(
    id: { toString(): string } | null | undefined,
    outcome: ActivityOutcome,
    at: string | null,
  ) {
    const activity = bySchedule.get(scheduledId(id));
    if (!activity) return undefined;
    activity.endedAt = at;
    activity.outcome = outcome;
    // An activity that never reported its start (cancelled while scheduled) made no attempt.
    if (outcome !== 'cancelled') activity.attempts = Math.max(activity.attempts, 1);
    return activity;
  }

  /**
   * A local activity's marker: written when it ended (or when it must wait out a long back-off,
   * then again, under the same sequence number, when a later attempt ends).
   */
  async function localActivity(
    m: temporal.api.history.v1.IMarkerRecordedEventAttributes,
    at: string | null,
  ) {
    const [data] = (await decodeArrayFromPayloads(converter, m.details?.data?.payloads)) as [
      LocalActivityMarkerData | undefined,
    ];
    const seq = data?.seq ?? -1;
    let activity = localBySeq.get(seq);
    if (!activity) {
      activity = {
        activityId: data?.activity_id ?? String(seq),
        activity: data?.activity_type ?? 'unknown',
        local: true,
        step: null,
        publishedStep,
        scheduledAt: markerTime(data?.original_schedule_time) ?? at,
        startedAt: null,
        endedAt: null,
        attempts: 0,
        outcome: 'scheduled',
        failure: null,
        lastFailure: null,
      };
      localBySeq.set(seq, activity);
      history.activities.push(activity);
    }
    activity.attempts = Math.max(activity.attempts, data?.attempt ?? 1);
    // The marker's own complete_time is the worker's clock and reads earlier than the schedule;
    // the event's time (the workflow task that recorded it) is the server's, like the rest.
    activity.endedAt = at;
    activity.lastFailure = activity.failure;
    activity.failure = await failure(m.failure);
    activity.outcome = m.failure ? 'failed' : 'completed';
  }

  function close(at: string | null, outcome: ExecutionStatus) {
    history.closedAt = at;
    history.outcome = outcome;
  }
}

/** The deployment step an activity's input carries (`mark.step`), when it carries one. */
async function stepOf(
  converter: LoadedDataConverter,
  payloads: temporal.api.common.v1.IPayload[] | null | undefined,
): Promise<string | null> {
  if (!payloads?.length) return null;
  try {
    const [first] = await decodeArrayFromPayloads(converter, payloads);
    const mark = (first as { mark?: { step?: unknown } } | null)?.mark;
    return typeof mark?.step === 'string' ? mark.step : null;
  } catch {
    // An input this process cannot decode (another key) still shows as an activity.
    return null;
  }
}

const notRunning = (err: unknown) => err instanceof WorkflowNotFoundError;

/** The operator calls, bound to a client. */
export function operatorGateway({ client }: BoundClient): OperatorGateway {
  const converter = client.options.loadedDataConverter;
  const namespace = client.options.namespace;
  return {
    async listDeploymentRuns(filter, page) {
      const query = deploymentRunQuery(filter);
      let nextPageToken: Uint8Array | undefined;
      if (page.cursor !== undefined) {
        nextPageToken = CURSOR.test(page.cursor)
          ? await openCursor(converter, query, page.cursor)
          : undefined;
        if (!nextPageToken) {
          throw new AppError(
            'VALIDATION_FAILED',
            'cursor: not a cursor this API handed out for these filters',
          );
        }
      }
      const answer = await client.workflowService.listWorkflowExecutions({
        namespace,
        query,
        pageSize: page.limit,
        nextPageToken,
      });
      const runs: DeploymentRun[] = [];
      for (const raw of answer.executions ?? []) {
        const info = await executionInfoFromRaw(raw, converter, raw, namespace);
        const attrs = info.typedSearchAttributes;
        runs.push({
          workflowId: info.workflowId,
          runId: info.runId,
          executionStatus: STATUS_NAMES[info.status.name] ?? 'unknown',
          orderId: attrs.get(OrderIdKey) ?? null,
          sellerId: attrs.get(SellerIdKey) ?? null,
          productId: attrs.get(ProductIdKey) ?? null,
          step: attrs.get(DeploymentStepKey) ?? null,
          status: attrs.get(DeploymentStatusKey) ?? null,
          startedAt: info.startTime.toISOString(),
          closedAt: info.closeTime?.toISOString() ?? null,
        });
      }
      const token = answer.nextPageToken;
      return {
        runs,
        next: token && token.length > 0 ? await sealCursor(converter, query, token) : null,
      };
    },

    async deploymentHistory(workflowId, runId) {
      try {
        const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
        return await historyOf(converter, workflowId, runId, history.events ?? []);
      } catch (err) {
        if (notRunning(err)) return undefined;
        throw err;
      }
    },

    async runStatus(workflowId, runId) {
      try {
        const described = await client.workflow.getHandle(workflowId, runId).describe();
        return STATUS_NAMES[described.status.name] ?? 'unknown';
      } catch (err) {
        if (notRunning(err)) return undefined;
        throw err;
      }
    },

    async cancelDeploymentRun(workflowId, runId) {
      try {
        await client.workflow.getHandle(workflowId, runId ?? undefined).cancel();
        return 'cancelled';
      } catch (err) {
        if (notRunning(err)) return 'not-running';
        throw err;
      }
    },

    async terminateDeploymentRun(workflowId, runId, reason) {
      try {
        await client.workflow.getHandle(workflowId, runId ?? undefined).terminate(reason);
        return 'terminated';
      } catch (err) {
        if (notRunning(err)) return 'not-running';
        throw err;
      }
    },
  };
}
