import type { Sql } from '../sql.js';
import { AppError } from '../../errors.js';
import type { LicenseModel } from '../../domain/supervision.js';
import type { OrderRow, OrderStatus } from './orders.js';
import { toDate } from './row-values.js';
import {
  afterKeyset,
  keysetColumn,
  newestFirst,
  toPage,
  type Keyset,
  type Page,
} from './keyset.js';

/**
 * The `licenses` table and the order context a license needs. Plain functions over `Sql` so they
 * run inside the caller's transaction.
 */
export type LicenseStatus = 'issued' | 'claimed' | 'ALIVE' | 'FROZEN' | 'RELEASED';

export interface LicenseRecord {
  id: string;
  orderId: string;
  sellerId: string;
  model: LicenseModel;
  generatorId: string | null;
  codeHash: string | null;
  sealedCode: string | null;
  status: LicenseStatus;
  claimedAt: Date | null;
  activatedAt: Date | null;
  expiresAt: Date | null;
  fingerprint: string | null;
  document: string | null;
  kid: string | null;
  features: Record<string, string | number | boolean>;
  revokedAt: Date | null;
  revokeReason: string | null;
  createdAt: Date;
}

interface LicenseRow {
  id: string;
  order_id: string;
  seller_id: string;
  model: LicenseModel;
  generator_id: string | null;
  code_hash: string | null;
  sealed_code: string | null;
  status: LicenseStatus;
  claimed_at: Date | string | null;
  activated_at: Date | string | null;
  expires_at: Date | string | null;
  fingerprint: string | null;
  document: string | null;
  kid: string | null;
  features: Record<string, string | number | boolean>;
  revoked_at: Date | string | null;
  revoke_reason: string | null;
  created_at: Date | string;
}

const toRecord = (r: LicenseRow): LicenseRecord => ({
  id: r.id,
  orderId: r.order_id,
  sellerId: r.seller_id,
  model: r.model,
  generatorId: r.generator_id,
  codeHash: r.code_hash,
  sealedCode: r.sealed_code,
  status: r.status,
  claimedAt: toDate(r.claimed_at),
  activatedAt: toDate(r.activated_at),
  expiresAt: toDate(r.expires_at),
  fingerprint: r.fingerprint,
  document: r.document,
  kid: r.kid,
  features: r.features,
  revokedAt: toDate(r.revoked_at),
  revokeReason: r.revoke_reason,
  createdAt: toDate(r.created_at),
});

/** Looks a license up by one column; `forUpdate` locks the row for the transaction. */
export async function findLicense(
  sql: Sql,
  by: 'id' | 'order_id' | 'code_hash',
  value: string,
  forUpdate = false,
): Promise<LicenseRecord | undefined> {
  const rows = await sql.query<LicenseRow>(
    `select * from licenses where ${by} = $1${forUpdate ? ' for update' : ''}`,
    [value],
  );
  return rows[0] && toRecord(rows[0]);
}

/** Licenses visible to a scope (a seller's, a buyer's, or all), optionally of one order; newest first, by keyset. */
export async function listLicenses(
  sql: Sql,
  scope: { sellerId?: string; buyerId?: string; orderRef?: string },
  page: { limit: number; after?: Keyset },
): Promise<Page<LicenseRecord>> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (scope.sellerId !== undefined) where.push(`l.seller_id = $${params.push(scope.sellerId)}`);
  if (scope.buyerId !== undefined) where.push(`o.buyer_id = $${params.push(scope.buyerId)}`);
  if (scope.orderRef !== undefined) where.push(`l.order_id = $${params.push(scope.orderRef)}`);
  if (page.after) where.push(afterKeyset('l', page.after, params));
  const rows = await sql.query<LicenseRow & { keyset_at: string }>(
    `select l.*, ${keysetColumn('l')} from licenses l join orders o on o.id = l.order_id
      ${where.length ? `where ${where.join(' and ')}` : ''}
      ${newestFirst('l')} limit $${params.push(page.limit + 1)}`,
    params,
  );
  return toPage(rows, page.limit, toRecord);
}

/** Inserts a license unless the order already has one; returns the order's license either way. */
export async function insertLicenseOnce(
  sql: Sql,
  l: {
    id: string;
    orderId: string;
    sellerId: string;
    model: LicenseModel;
    generatorId: string | null;
    codeHash?: string;
    sealedCode?: string;
    status: LicenseStatus;
    expiresAt: Date | null;
    fingerprint?: string;
    document?: string;
    kid?: string;
    features?: Record<string, unknown>;
  },
): Promise<{ record: LicenseRecord; created: boolean }> {
  const rows = await sql.query<LicenseRow>(
    `insert into licenses (id, order_id, seller_id, model, generator_id, code_hash, sealed_code,
       status, expires_at, fingerprint, document, kid, features)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     on conflict (order_id) do nothing returning *`,
    [
      l.id,
      l.orderId,
      l.sellerId,
      l.model,
      l.generatorId,
      l.codeHash ?? null,
      l.sealedCode ?? null,
      l.status,
      l.expiresAt,
      l.fingerprint ?? null,
      l.document ?? null,
      l.kid ?? null,
      JSON.stringify(l.features ?? {}),
    ],
  );
  if (rows[0]) return { record: toRecord(rows[0]), created: true };
  const existing = await findLicense(sql, 'order_id', l.orderId);
  if (!existing) throw new AppError('INTERNAL', 'license insert conflicted but no license exists');
  return { record: existing, created: false };
}

/** Sets columns of a license and returns it. */
export async function updateLicense(
  sql: Sql,
  id: string,
  set: Partial<{
    status: LicenseStatus;
    claimed_at: Date;
    activated_at: Date;
    expires_at: Date | null;
    fingerprint: string;
    document: string;
    kid: string;
    revoked_at: Date;
    revoke_reason: string;
  }>,
): Promise<LicenseRecord> {
  const entries = Object.entries(set);
  const assignments = entries.map(([k], i) => `${k} = $${i + 2}`);
  const rows = await sql.query<LicenseRow>(
    `update licenses set ${[...assignments, 'updated_at = now()'].join(', ')} where id = $1 returning *`,
    [id, ...entries.map(([, v]) => v)],
  );
  if (!rows[0]) throw new AppError('NOT_FOUND', 'No such license');
  return toRecord(rows[0]);
}

/** Ids and times of every revoked license, oldest revocation first. */
export async function listRevokedLicenses(sql: Sql): Promise<{ id: string; at: Date }[]> {
  const rows = await sql.query<{ id: string; revoked_at: Date | string }>(
    'select id, revoked_at from licenses where revoked_at is not null order by revoked_at, id',
  );
  return rows.map((r) => ({ id: r.id, at: toDate(r.revoked_at) }));
}

/** What one activation attempt found and did (see `activateLicenseCode`). */
export interface ActivationOutcome {
  id: string;
  sellerId: string;
  status: LicenseStatus;
  revokedAt: Date | null;
  marketplaceOrderId: string;
  marketplaceProductId: string;
  newExpiresAt: Date | null;
  activated: boolean;
  /** The license's expiry as found (before this call). */
  expiresAt: Date | null;
  /** The request of the activation stored before this call (null until activated). */
  activationRequest: ActivationRequest | null;
}

/** What an activation asked for, kept with the license (migration 0103). */
export interface ActivationRequest {
  /** `real_effect_time` as sent (ISO), or null when the caller sent none. */
  real_effect_time: string | null;
  /** When the activation was made (ISO). */
  at: string;
}

/**
 * Activation as one call of `license_activate` (migration 0102): the open API's hot path in one
 * round trip, no explicit transaction (locks live for one statement), and a plan PostgreSQL keeps.
 * It locks the code's row; when the seller, state and time allow, the license goes ALIVE,
 * supervision code_claimed → activated with the service start time (a record elsewhere is left
 * alone), the request is kept with it (migration 0103), and the audit chain gets
 * `license.activated` exactly as `appendAudit` would write it. The row comes back either way, with
 * the request kept by an earlier activation, so the caller can say why nothing happened or tell a
 * repeat; undefined when no license has this code.
 */
export async function activateLicenseCode(
  sql: Sql,
  a: {
    codeHash: string;
    sellerId: string;
    effective: Date;
    actor: string;
    at: string;
    request: ActivationRequest;
  },
): Promise<ActivationOutcome | undefined> {
  const rows = await sql.query<{
    id: string;
    seller_id: string;
    status: LicenseStatus;
    revoked_at: Date | string | null;
    marketplace_order_id: string;
    marketplace_product_id: string;
    new_expires_at: Date | string | null;
    activated: boolean;
    expires_at: Date | string | null;
    activation_request: ActivationRequest | string | null;
  }>('select * from license_activate($1, $2, $3, $4, $5, $6)', [
    a.codeHash,
    a.sellerId,
    a.effective,
    a.actor,
    a.at,
    JSON.stringify(a.request),
  ]);
  const r = rows[0];
  return (
    r && {
      id: r.id,
      sellerId: r.seller_id,
      status: r.status,
      revokedAt: toDate(r.revoked_at),
      marketplaceOrderId: r.marketplace_order_id,
      marketplaceProductId: r.marketplace_product_id,
      newExpiresAt: toDate(r.new_expires_at),
      activated: r.activated,
      expiresAt: toDate(r.expires_at),
      activationRequest:
        typeof r.activation_request === 'string'
          ? (JSON.parse(r.activation_request) as ActivationRequest)
          : r.activation_request,
    }
  );
}

/** A product's license rules when its seller set none (or left one out). */
export const LICENSE_SETTING_DEFAULTS = {
  graceDays: 15,
  retentionDays: 30,
  rebindLimit: 3,
  rebindWindowDays: 30,
} as const;

/** What a license needs to know about its order and product. */
export interface OrderContext {
  orderRef: string;
  marketplaceOrderId: string;
  orderLineId: string;
  buyerId: string;
  sellerId: string;
  productId: string;
  marketplaceProductId: string;
  skuCode: string | null;
  orderStatus: OrderStatus;
  expireTime: Date | null;
  testFlag: boolean;
  orderCreatedAt: Date;
  licenseModel: LicenseModel;
  supervisionState: string;
  generatorId: string | null;
  graceDays: number;
  retentionDays: number;
  rebindLimit: number;
  rebindWindowDays: number;
}

/** Loads an order with its product's license settings (defaults when the seller set none). */
export async function loadOrderContext(sql: Sql, orderRef: string): Promise<OrderContext> {
  type OrderContextRow = Pick<
    OrderRow,
    | 'id'
    | 'marketplace_order_id'
    | 'order_line_id'
    | 'buyer_id'
    | 'seller_id'
    | 'product_id'
    | 'sku_code'
    | 'status'
    | 'expire_time'
    | 'test_flag'
    | 'created_at'
  > & {
    marketplace_product_id: string;
    license_model: LicenseModel;
    sup_state: string | null;
    generator_id: string | null;
    grace_days: number | null;
    retention_days: number | null;
    rebind_limit: number | null;
    rebind_window_days: number | null;
  };
  const rows = await sql.query<OrderContextRow>(
    `select o.id, o.marketplace_order_id, o.order_line_id, o.buyer_id, o.seller_id, o.product_id,
            p.marketplace_product_id, coalesce(o.sku_code, p.sku_code) as sku_code, o.status,
            o.expire_time, o.test_flag, o.created_at, p.license_model, s.state as sup_state,
            ls.generator_id, ls.grace_days, ls.retention_days, ls.rebind_limit, ls.rebind_window_days
       from orders o
       join products p on p.id = o.product_id
       left join supervision_records s on s.order_id = o.id
       left join product_license_settings ls on ls.product_id = o.product_id
      where o.id = $1`,
    [orderRef],
  );
  const r = rows[0];
  if (!r) throw new AppError('NOT_FOUND', 'No such order');
  return {
    orderRef: r.id,
    marketplaceOrderId: r.marketplace_order_id,
    orderLineId: r.order_line_id,
    buyerId: r.buyer_id,
    sellerId: r.seller_id,
    productId: r.product_id,
    marketplaceProductId: r.marketplace_product_id,
    skuCode: r.sku_code,
    orderStatus: r.status,
    expireTime: toDate(r.expire_time),
    testFlag: r.test_flag,
    orderCreatedAt: toDate(r.created_at),
    licenseModel: r.license_model,
    supervisionState: r.sup_state ?? '',
    generatorId: r.generator_id,
    graceDays: r.grace_days ?? LICENSE_SETTING_DEFAULTS.graceDays,
    retentionDays: r.retention_days ?? LICENSE_SETTING_DEFAULTS.retentionDays,
    rebindLimit: r.rebind_limit ?? LICENSE_SETTING_DEFAULTS.rebindLimit,
    rebindWindowDays: r.rebind_window_days ?? LICENSE_SETTING_DEFAULTS.rebindWindowDays,
  };
}
