import type { Sql } from '../sql.js';
import { toDate } from './row-values.js';

/**
 * `license_bindings`: every machine a License 1.0 license was bound to, oldest first. The first
 * binding is the issue; each later one is a rebind.
 */

/** Records a binding (the document signed for the machine, and the remote generator's event). */
export async function insertLicenseBinding(
  sql: Sql,
  b: {
    licenseId: string;
    fingerprint: string;
    document: string;
    kid: string;
    remoteEventId: string | null;
    remoteLicenseSha256: string | null;
  },
): Promise<void> {
  await sql.query(
    `insert into license_bindings (license_id, fingerprint, document, kid, remote_event_id, remote_license_sha256)
     values ($1, $2, $3, $4, $5, $6)`,
    [b.licenseId, b.fingerprint, b.document, b.kid, b.remoteEventId, b.remoteLicenseSha256],
  );
}

/** How many bindings a license has had, the first one included. */
export async function countLicenseBindings(sql: Sql, licenseId: string): Promise<number> {
  const rows = await sql.query<{ n: string | number }>(
    'select count(*) as n from license_bindings where license_id = $1',
    [licenseId],
  );
  return Number(rows[0]?.n ?? 0);
}

/** The rebinds (bindings after the first) made after `since`, and when the oldest of them was. */
export async function rebindsSince(
  sql: Sql,
  licenseId: string,
  since: Date,
): Promise<{ count: number; oldest: Date | null }> {
  const rows = await sql.query<{ n: string | number; oldest: Date | string | null }>(
    `select count(*) as n, min(bound_at) as oldest from license_bindings
      where license_id = $1 and bound_at > $2
        and id > (select min(id) from license_bindings where license_id = $1)`,
    [licenseId, since],
  );
  return { count: Number(rows[0]?.n ?? 0), oldest: toDate(rows[0]?.oldest ?? null) };
}
