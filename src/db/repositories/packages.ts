import type { Sql } from '../sql.js';
import { newId } from '../ids.js';
import { AppError } from '../../errors.js';
import { isProductOfSeller } from './products.js';
import {
  afterKeyset,
  keysetColumn,
  newestFirst,
  toPage,
  type Keyset,
  type Page,
} from './keyset.js';

export interface PackageRecord {
  id: string;
  productId: string | null;
  sellerId: string;
  sha256: string;
  sizeBytes: number;
  storageKey: string;
  fileName: string;
  createdAt: string;
}

interface PackageRow {
  id: string;
  product_id: string | null;
  seller_id: string;
  sha256: string;
  size_bytes: string | number;
  storage_key: string;
  file_name: string;
  created_at: Date | string;
}

const toRecord = (r: PackageRow): PackageRecord => ({
  id: r.id,
  productId: r.product_id,
  sellerId: r.seller_id,
  sha256: r.sha256,
  sizeBytes: Number(r.size_bytes),
  storageKey: r.storage_key,
  fileName: r.file_name,
  createdAt: new Date(r.created_at).toISOString(),
});

/** Records a stored package for a seller, optionally for one of their products. */
export async function insertPackage(
  sql: Sql,
  p: {
    sellerId: string;
    productId?: string;
    sha256: string;
    sizeBytes: number;
    storageKey: string;
    fileName: string;
  },
): Promise<PackageRecord> {
  if (p.productId) {
    // Another seller's product answers like a missing one.
    if (!(await isProductOfSeller(sql, p.productId, p.sellerId))) {
      throw new AppError('NOT_FOUND', 'no such product');
    }
  }
  const rows = await sql.query<PackageRow>(
    `insert into packages (id, product_id, seller_id, sha256, size_bytes, storage_key, file_name)
     values ($1, $2, $3, $4, $5, $6, $7) returning *`,
    [
      newId('pkg'),
      p.productId ?? null,
      p.sellerId,
      p.sha256,
      p.sizeBytes,
      p.storageKey,
      p.fileName,
    ],
  );
  return toRecord(rows[0]!);
}

/** The newest package of a product, the one a deployment pushes. */
export async function latestPackageForProduct(
  sql: Sql,
  productId: string,
): Promise<PackageRecord | undefined> {
  const rows = await sql.query<PackageRow>(
    'select * from packages where product_id = $1 order by created_at desc, id desc limit 1',
    [productId],
  );
  return rows[0] && toRecord(rows[0]);
}

/** A seller's packages, newest first, optionally of one product only. */
export async function listPackages(
  sql: Sql,
  sellerId: string,
  page: { productId?: string; limit: number; after?: Keyset },
): Promise<Page<PackageRecord>> {
  const params: unknown[] = [sellerId];
  const where = ['p.seller_id = $1'];
  if (page.productId) where.push(`p.product_id = $${params.push(page.productId)}`);
  if (page.after) where.push(afterKeyset('p', page.after, params));
  const rows = await sql.query<PackageRow & { keyset_at: string }>(
    `select p.*, ${keysetColumn('p')} from packages p where ${where.join(' and ')}
      ${newestFirst('p')} limit $${params.push(page.limit + 1)}`,
    params,
  );
  return toPage(rows, page.limit, toRecord);
}
