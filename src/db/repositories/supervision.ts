import type { Sql } from '../sql.js';
import type { LicenseModel } from '../../domain/supervision.js';
import { iso } from './row-values.js';

/**
 * Service supervision beyond its states (orders.ts moves them): the record with the seller's
 * confirmation, the full history with who did what, acceptance reports, and the marketplace
 * reporter's queue (each event is a report, sent in order per record, marked when acknowledged).
 */

/** What a seller's confirmation of completion records. */
export interface Confirmation {
  description: string;
  /** The actual activation time (ISO), or null: the service then starts at acceptance. */
  activationTime: string | null;
  /** The acceptance report: an upload, or the evidence OneClick generated for the deployment. */
  report:
    | { kind: 'upload'; sha256: string; fileName: string; contentType: string; sizeBytes: number }
    | { kind: 'generated-evidence'; deploymentId: string; sha256: string };
  confirmedBy: string;
  confirmedAt: string;
}

export interface SupervisionRecord {
  id: string;
  orderRef: string;
  licenseModel: LicenseModel;
  state: string;
  serviceStartTime: string | null;
  confirmation: Confirmation | null;
  acceptanceDueAt: string | null;
}

export interface SupervisionHistoryEvent {
  id: number;
  fromState: string | null;
  toState: string;
  note: string | null;
  actor: string | null;
  detail: Record<string, unknown> | null;
  at: string;
  report: {
    id: string;
    reportedAt: string | null;
    attempts: number;
    error: string | null;
    abandonedAt: string | null;
  };
}

export async function getSupervisionRecord(
  sql: Sql,
  orderRef: string,
): Promise<SupervisionRecord | undefined> {
  const rows = await sql.query<{
    id: string;
    order_id: string;
    license_model: LicenseModel;
    state: string;
    service_start_time: Date | string | null;
    confirmation: Confirmation | string | null;
    acceptance_due_at: Date | string | null;
  }>(
    `select id, order_id, license_model, state, service_start_time, confirmation,
            acceptance_due_at
       from supervision_records where order_id = $1`,
    [orderRef],
  );
  const r = rows[0];
  return (
    r && {
      id: r.id,
      orderRef: r.order_id,
      licenseModel: r.license_model,
      state: r.state,
      serviceStartTime: iso(r.service_start_time),
      confirmation:
        typeof r.confirmation === 'string'
          ? (JSON.parse(r.confirmation) as Confirmation)
          : r.confirmation,
      acceptanceDueAt: iso(r.acceptance_due_at),
    }
  );
}

/** Stores the seller's confirmation and, for License 1.0, when acceptance falls due. */
export async function setConfirmation(
  tx: Sql,
  recordId: string,
  confirmation: Confirmation,
  acceptanceDueAt: Date | null,
): Promise<void> {
  await tx.query(
    `update supervision_records set confirmation = $2, acceptance_due_at = $3, updated_at = now()
      where id = $1`,
    [recordId, JSON.stringify(confirmation), acceptanceDueAt],
  );
}

/** Sets the service start time (an acceptance without a stated activation time). */
export async function setServiceStartTime(tx: Sql, recordId: string, at: Date): Promise<void> {
  await tx.query(
    `update supervision_records set service_start_time = coalesce(service_start_time, $2)
      where id = $1`,
    [recordId, at],
  );
}

type EventRow = {
  id: string | number;
  from_state: string | null;
  to_state: string;
  note: string | null;
  actor: string | null;
  detail: Record<string, unknown> | string | null;
  at: Date | string;
  report_id: string;
  reported_at: Date | string | null;
  report_attempts: number;
  report_error: string | null;
  report_abandoned_at: Date | string | null;
};

const eventColumns = `id, from_state, to_state, note, actor, detail, at, report_id, reported_at,
  report_attempts, report_error, report_abandoned_at`;

const toEvent = (r: EventRow): SupervisionHistoryEvent => ({
  id: Number(r.id),
  fromState: r.from_state,
  toState: r.to_state,
  note: r.note,
  actor: r.actor,
  detail:
    typeof r.detail === 'string' ? (JSON.parse(r.detail) as Record<string, unknown>) : r.detail,
  at: iso(r.at),
  report: {
    id: r.report_id,
    reportedAt: iso(r.reported_at),
    attempts: r.report_attempts,
    error: r.report_error,
    abandonedAt: iso(r.report_abandoned_at),
  },
});

/** Every transition of a record, oldest first. */
export async function supervisionHistory(
  sql: Sql,
  recordId: string,
): Promise<SupervisionHistoryEvent[]> {
  const rows = await sql.query<EventRow>(
    `select ${eventColumns} from supervision_events where record_id = $1 order by id`,
    [recordId],
  );
  return rows.map(toEvent);
}

export interface AcceptanceReport {
  id: string;
  orderRef: string;
  sha256: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  storageKey: string;
  uploadedBy: string;
  createdAt: string;
}

export async function insertAcceptanceReport(
  sql: Sql,
  r: Omit<AcceptanceReport, 'createdAt'>,
): Promise<void> {
  await sql.query(
    `insert into acceptance_reports (id, order_id, sha256, file_name, content_type, size_bytes,
       storage_key, uploaded_by) values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      r.id,
      r.orderRef,
      r.sha256,
      r.fileName,
      r.contentType,
      r.sizeBytes,
      r.storageKey,
      r.uploadedBy,
    ],
  );
}

/** The newest report of the order with this sha256. */
export async function findAcceptanceReport(
  sql: Sql,
  orderRef: string,
  sha256: string,
): Promise<AcceptanceReport | undefined> {
  const rows = await sql.query<{
    id: string;
    order_id: string;
    sha256: string;
    file_name: string;
    content_type: string;
    size_bytes: string | number;
    storage_key: string;
    uploaded_by: string;
    created_at: Date | string;
  }>(
    `select id, order_id, sha256, file_name, content_type, size_bytes, storage_key, uploaded_by,
            created_at
       from acceptance_reports where order_id = $1 and sha256 = $2
      order by created_at desc limit 1`,
    [orderRef, sha256],
  );
  const r = rows[0];
  return (
    r && {
      id: r.id,
      orderRef: r.order_id,
      sha256: r.sha256,
      fileName: r.file_name,
      contentType: r.content_type,
      sizeBytes: Number(r.size_bytes),
      storageKey: r.storage_key,
      uploadedBy: r.uploaded_by,
      createdAt: iso(r.created_at),
    }
  );
}

/** A transition to be reported, with the order's marketplace ids. */
export interface PendingReport {
  eventId: number;
  reportId: string;
  recordId: string;
  orderRef: string;
  orderId: string;
  orderLineId: string;
  licenseModel: LicenseModel;
  fromState: string | null;
  toState: string;
  actor: string | null;
  detail: Record<string, unknown> | null;
  at: string;
  attempts: number;
}

/**
 * The first unsent report of each record that has one (oldest records first): a record's later
 * reports wait behind its first, so the marketplace hears them in order.
 */
export async function headsOfReportQueues(sql: Sql, limit: number): Promise<PendingReport[]> {
  const rows = await sql.query<{
    id: string | number;
    report_id: string;
    record_id: string;
    order_id: string;
    marketplace_order_id: string;
    order_line_id: string;
    license_model: LicenseModel;
    from_state: string | null;
    to_state: string;
    actor: string | null;
    detail: Record<string, unknown> | string | null;
    at: Date | string;
    report_attempts: number;
  }>(
    `select e.id, e.report_id, e.record_id, r.order_id, o.marketplace_order_id, o.order_line_id,
            r.license_model, e.from_state, e.to_state, e.actor, e.detail, e.at, e.report_attempts
       from supervision_events e
       join supervision_records r on r.id = e.record_id
       join orders o on o.id = r.order_id
      where e.id in (select min(id) from supervision_events
                      where reported_at is null and report_abandoned_at is null
                      group by record_id)
        and (e.report_next_attempt_at is null or e.report_next_attempt_at <= now())
      order by e.id limit $1`,
    [limit],
  );
  return rows.map((r) => ({
    eventId: Number(r.id),
    reportId: r.report_id,
    recordId: r.record_id,
    orderRef: r.order_id,
    orderId: r.marketplace_order_id,
    orderLineId: r.order_line_id,
    licenseModel: r.license_model,
    fromState: r.from_state,
    toState: r.to_state,
    actor: r.actor,
    detail:
      typeof r.detail === 'string' ? (JSON.parse(r.detail) as Record<string, unknown>) : r.detail,
    at: iso(r.at),
    attempts: r.report_attempts,
  }));
}

export async function markReported(sql: Sql, eventId: number): Promise<void> {
  await sql.query(
    'update supervision_events set reported_at = now(), report_error = null where id = $1',
    [eventId],
  );
}

/**
 * Counts a failed send and holds the report back for `retryAfterMs` (runs kicked meanwhile pass it
 * by); after `maxAttempts` it is abandoned (and its queue moves on).
 */
export async function noteReportFailure(
  sql: Sql,
  eventId: number,
  error: string,
  maxAttempts: number,
  retryAfterMs: number,
): Promise<void> {
  await sql.query(
    `update supervision_events
        set report_attempts = report_attempts + 1, report_error = $2,
            report_abandoned_at = case when report_attempts + 1 >= $3 then now() end,
            report_next_attempt_at = now() + make_interval(secs => $4)
      where id = $1`,
    [eventId, error.slice(0, 500), maxAttempts, retryAfterMs / 1000],
  );
}
