import type { Sql } from '../sql.js';

// What the delivery evidence (src/evidence) reads beyond the other repositories' lookups.

/** The id of the order's newest succeeded deployment, or undefined when none succeeded. */
export async function latestSucceededDeploymentId(
  sql: Sql,
  orderRef: string,
): Promise<string | undefined> {
  const rows = await sql.query<{ id: string }>(
    `select id from deployments where order_id = $1 and state = 'succeeded'
      order by finished_at desc nulls last, created_at desc, id desc limit 1`,
    [orderRef],
  );
  return rows[0]?.id;
}

/** The product's package with this digest (the newest record of it), as uploaded. */
export async function findPackageByDigest(
  sql: Sql,
  productId: string,
  sha256: string,
): Promise<{ fileName: string; sizeBytes: number } | undefined> {
  const rows = await sql.query<{ file_name: string; size_bytes: string | number }>(
    `select file_name, size_bytes from packages where product_id = $1 and sha256 = $2
      order by created_at desc, id desc limit 1`,
    [productId, sha256],
  );
  const r = rows[0];
  return r && { fileName: r.file_name, sizeBytes: Number(r.size_bytes) };
}
