-- Service supervision to the end (issue 11). Each transition says who made it and may carry
-- details (a rejection's reason, a confirmation's description); each is a report to the
-- marketplace, identified by its report id (the marketplace recognises a resend by it), sent in
-- order per order and marked when acknowledged. Rows written before (and by license_activate,
-- which names no columns of these) get a report id of their own from the default.
alter table supervision_events
  add column actor text,
  add column detail jsonb,
  add column report_id text not null default gen_random_uuid()::text,
  add column reported_at timestamptz,
  add column report_attempts integer not null default 0,
  -- After a failed send, not before: KooGallery's spacing (2 minutes) whatever kicks a run.
  add column report_next_attempt_at timestamptz,
  add column report_error text,
  add column report_abandoned_at timestamptz;
create unique index supervision_events_report on supervision_events (report_id);
-- The reporter's queue: what is still to be sent, oldest first.
create index supervision_events_unreported on supervision_events (record_id, id)
  where reported_at is null and report_abandoned_at is null;

-- The seller's confirmation of completion: description, actual activation time and the
-- acceptance report it points at; and, for License 1.0, when the buyer's acceptance falls due.
alter table supervision_records
  add column confirmation jsonb,
  add column acceptance_due_at timestamptz;

-- Delivery acceptance reports (PDF or image) a seller uploads, kept in the package store by
-- their sha256.
create table acceptance_reports (
  id text primary key,
  order_id text not null references orders (id),
  sha256 text not null,
  file_name text not null,
  content_type text not null,
  size_bytes bigint not null,
  storage_key text not null,
  uploaded_by text not null,
  created_at timestamptz not null default now()
);
create index acceptance_reports_order on acceptance_reports (order_id, created_at);
