import type { Sql } from '../sql.js';

/**
 * `license_seller_calls`: each lifecycle call made to a seller's endpoint and how it ended (the
 * seller's "production interface messages").
 */
export interface SellerCall {
  activity: string;
  attempt: number;
  resultCode: string | null;
  errorCode: string | null;
}

/** Records one call attempt. */
export async function insertSellerCall(
  sql: Sql,
  licenseId: string,
  call: SellerCall,
): Promise<void> {
  await sql.query(
    'insert into license_seller_calls (license_id, activity, attempt, result_code, error_code) values ($1, $2, $3, $4, $5)',
    [licenseId, call.activity, call.attempt, call.resultCode, call.errorCode],
  );
}

/** The recorded calls of a license, oldest first. */
export async function listSellerCalls(sql: Sql, licenseId: string): Promise<SellerCall[]> {
  const rows = await sql.query<{
    activity: string;
    attempt: number;
    result_code: string | null;
    error_code: string | null;
  }>(
    'select activity, attempt, result_code, error_code from license_seller_calls where license_id = $1 order by id',
    [licenseId],
  );
  return rows.map((r) => ({
    activity: r.activity,
    attempt: r.attempt,
    resultCode: r.result_code,
    errorCode: r.error_code,
  }));
}
