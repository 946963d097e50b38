import type { Sql } from '../sql.js';
import type { LicenseModel } from '../../domain/supervision.js';
import { iso } from './row-values.js';
import {
  afterKeyset,
  keysetColumn,
  newestFirst,
  toPage,
  type Keyset,
  type Page,
} from './keyset.js';

export type OrderStatus = 'active' | 'expired' | 'unsubscribed';
export type OrderEventKind = 'paid' | 'renewed' | 'unsubscribed' | 'expired';

export interface Order {
  id: string;
  orderId: string;
  orderLineId: string;
  buyerId: string;
  sellerId: string;
  productId: string;
  skuCode: string | null;
  status: OrderStatus;
  periodType: string | null;
  expireTime: string | null;
  testFlag: boolean;
  supervision: {
    id: string;
    licenseModel: LicenseModel;
    state: string;
    serviceStartTime: string | null;
  };
  createdAt: string;
  updatedAt: string;
}

/** An order as `selectOrders` reads it (other repositories pick the order's own columns). */
export interface OrderRow {
  id: string;
  marketplace_order_id: string;
  order_line_id: string;
  buyer_id: string;
  seller_id: string;
  product_id: string;
  sku_code: string | null;
  status: OrderStatus;
  period_type: string | null;
  expire_time: Date | string | null;
  test_flag: boolean;
  created_at: Date | string;
  updated_at: Date | string;
  sup_id: string;
  sup_model: LicenseModel;
  sup_state: string;
  sup_start: Date | string | null;
}

const toOrder = (r: OrderRow): Order => ({
  id: r.id,
  orderId: r.marketplace_order_id,
  orderLineId: r.order_line_id,
  buyerId: r.buyer_id,
  sellerId: r.seller_id,
  productId: r.product_id,
  skuCode: r.sku_code,
  status: r.status,
  periodType: r.period_type,
  expireTime: iso(r.expire_time),
  testFlag: r.test_flag,
  supervision: {
    id: r.sup_id,
    licenseModel: r.sup_model,
    state: r.sup_state,
    serviceStartTime: iso(r.sup_start),
  },
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

const selectOrders = `
  select o.id, o.marketplace_order_id, o.order_line_id, o.buyer_id, o.seller_id, o.product_id,
         o.sku_code, o.status, o.period_type, o.expire_time, o.test_flag, o.created_at,
         o.updated_at, s.id as sup_id, s.license_model as sup_model, s.state as sup_state,
         s.service_start_time as sup_start
    from orders o join supervision_records s on s.order_id = o.id`;

export async function getOrder(sql: Sql, id: string): Promise<Order | undefined> {
  const rows = await sql.query<OrderRow>(`${selectOrders} where o.id = $1`, [id]);
  return rows[0] && toOrder(rows[0]);
}

export async function getOrderByMarketplaceIds(
  sql: Sql,
  orderId: string,
  orderLineId: string,
): Promise<Order | undefined> {
  const rows = await sql.query<OrderRow>(
    `${selectOrders} where o.marketplace_order_id = $1 and o.order_line_id = $2`,
    [orderId, orderLineId],
  );
  return rows[0] && toOrder(rows[0]);
}

/** The licensed order a later event (renewal, unsubscription, expiry) refers to by its line. */
export async function getOrderByLine(sql: Sql, orderLineId: string): Promise<Order | undefined> {
  const rows = await sql.query<OrderRow>(
    `${selectOrders} where o.order_line_id = $1 order by o.created_at limit 1`,
    [orderLineId],
  );
  return rows[0] && toOrder(rows[0]);
}

/** Orders visible to a scope: a buyer's, a seller's, or all (operator). Newest first, by keyset. */
export async function listOrders(
  sql: Sql,
  scope: { buyerId?: string; sellerId?: string },
  page: { limit: number; after?: Keyset },
): Promise<Page<Order>> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (scope.buyerId) where.push(`o.buyer_id = $${params.push(scope.buyerId)}`);
  if (scope.sellerId) where.push(`o.seller_id = $${params.push(scope.sellerId)}`);
  if (page.after) where.push(afterKeyset('o', page.after, params));
  const clause = where.length ? `where ${where.join(' and ')}` : '';
  const rows = await sql.query<OrderRow & { keyset_at: string }>(
    `${selectOrders.replace('select ', `select ${keysetColumn('o')}, `)} ${clause}
      ${newestFirst('o')} limit $${params.push(page.limit + 1)}`,
    params,
  );
  return toPage(rows, page.limit, toOrder);
}

/** What a list of orders shows beside each one: its product and its newest deployment. */
export interface OrderListing {
  product: { id: string; name: string; ports: number[] };
  deployment: { id: string; state: string } | null;
}

/**
 * The product and newest deployment of each order, by order id, in one query (the deployments
 * index on (order_id, created_at desc, id desc) answers each newest one).
 */
export async function orderListings(
  sql: Sql,
  orderIds: readonly string[],
): Promise<Map<string, OrderListing>> {
  if (orderIds.length === 0) return new Map();
  const rows = await sql.query<{
    order_id: string;
    product_id: string;
    product_name: string;
    ports: number[];
    deployment_id: string | null;
    deployment_state: string | null;
  }>(
    `select o.id as order_id, p.id as product_id, p.name as product_name, p.ports,
            d.id as deployment_id, d.state as deployment_state
       from orders o
       join products p on p.id = o.product_id
       left join lateral (
         select id, state from deployments
          where order_id = o.id order by created_at desc, id desc limit 1
       ) d on true
      where o.id = any($1::text[])`,
    [orderIds],
  );
  return new Map(
    rows.map((r) => [
      r.order_id,
      {
        product: { id: r.product_id, name: r.product_name, ports: r.ports },
        deployment:
          r.deployment_id && r.deployment_state
            ? { id: r.deployment_id, state: r.deployment_state }
            : null,
      },
    ]),
  );
}

/** The order an already-received event was applied to, if it was received before. */
export async function findOrderEvent(
  sql: Sql,
  kind: OrderEventKind,
  orderId: string,
  orderLineId: string,
): Promise<{ orderRef: string } | undefined> {
  const rows = await sql.query<{ order_id: string }>(
    'select order_id from order_events where kind = $1 and marketplace_order_id = $2 and order_line_id = $3',
    [kind, orderId, orderLineId],
  );
  return rows[0] && { orderRef: rows[0].order_id };
}

/**
 * Records an event once. Returns false when the same event was recorded concurrently (the unique
 * key decides), so the caller can answer with the first one's result.
 */
export async function insertOrderEvent(
  sql: Sql,
  e: {
    id: string;
    kind: OrderEventKind;
    orderId: string;
    orderLineId: string;
    orderRef: string;
    body: unknown;
  },
): Promise<boolean> {
  const rows = await sql.query(
    `insert into order_events (id, kind, marketplace_order_id, order_line_id, order_id, body)
     values ($1, $2, $3, $4, $5, $6)
     on conflict (kind, marketplace_order_id, order_line_id) do nothing returning id`,
    [e.id, e.kind, e.orderId, e.orderLineId, e.orderRef, JSON.stringify(e.body)],
  );
  return rows.length > 0;
}

export async function insertOrder(
  sql: Sql,
  o: {
    id: string;
    orderId: string;
    orderLineId: string;
    buyerId: string;
    sellerId: string;
    productId: string;
    skuCode: string | null;
    periodType: string | null;
    expireTime: Date | null;
    testFlag: boolean;
  },
): Promise<boolean> {
  const rows = await sql.query(
    `insert into orders (id, marketplace_order_id, order_line_id, buyer_id, seller_id, product_id,
       sku_code, status, period_type, expire_time, test_flag)
     values ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $9, $10)
     on conflict (marketplace_order_id, order_line_id) do nothing returning id`,
    [
      o.id,
      o.orderId,
      o.orderLineId,
      o.buyerId,
      o.sellerId,
      o.productId,
      o.skuCode,
      o.periodType,
      o.expireTime,
      o.testFlag,
    ],
  );
  return rows.length > 0;
}

export async function updateOrderStatus(
  sql: Sql,
  id: string,
  change: { status: OrderStatus; expireTime?: Date },
): Promise<void> {
  await sql.query(
    `update orders set status = $2, expire_time = coalesce($3, expire_time), updated_at = now()
      where id = $1`,
    [id, change.status, change.expireTime ?? null],
  );
}

/** Creates a supervision record in its first state, with the event that opened it. */
export async function insertSupervision(
  sql: Sql,
  s: { id: string; orderRef: string; licenseModel: LicenseModel; state: string; note: string },
): Promise<void> {
  await sql.query(
    'insert into supervision_records (id, order_id, license_model, state) values ($1, $2, $3, $4)',
    [s.id, s.orderRef, s.licenseModel, s.state],
  );
  await insertSupervisionEvent(sql, s.id, null, s.state, s.note);
}

/** The order's supervision record, locked for the transaction; undefined for orders without one. */
export async function lockSupervision(
  tx: Sql,
  orderRef: string,
): Promise<{ id: string; licenseModel: LicenseModel; state: string } | undefined> {
  const rows = await tx.query<{ id: string; license_model: LicenseModel; state: string }>(
    'select id, license_model, state from supervision_records where order_id = $1 for update',
    [orderRef],
  );
  const r = rows[0];
  return r && { id: r.id, licenseModel: r.license_model, state: r.state };
}

/** Moves a supervision record from `from` to `to` (and sets the service start time once given). */
export async function moveSupervision(
  tx: Sql,
  move: {
    id: string;
    from: string;
    to: string;
    note: string;
    serviceStartTime?: Date;
    /** Who made the transition: a principal id, or `system`. */
    actor?: string;
    detail?: Record<string, unknown>;
  },
): Promise<number> {
  await tx.query(
    `update supervision_records set state = $2, updated_at = now(),
            service_start_time = coalesce($3, service_start_time)
      where id = $1`,
    [move.id, move.to, move.serviceStartTime ?? null],
  );
  return insertSupervisionEvent(
    tx,
    move.id,
    move.from,
    move.to,
    move.note,
    move.actor,
    move.detail,
  );
}

/** Records a transition; answers its event id. */
async function insertSupervisionEvent(
  sql: Sql,
  recordId: string,
  from: string | null,
  to: string,
  note: string,
  actor?: string,
  detail?: Record<string, unknown>,
): Promise<number> {
  const rows = await sql.query<{ id: string | number }>(
    `insert into supervision_events (record_id, from_state, to_state, note, actor, detail)
     values ($1, $2, $3, $4, $5, $6) returning id`,
    [recordId, from, to, note, actor ?? null, detail ? JSON.stringify(detail) : null],
  );
  return Number(rows[0]!.id);
}

export interface SupervisionEvent {
  fromState: string | null;
  toState: string;
  note: string | null;
  at: string;
}

export async function listSupervisionEvents(
  sql: Sql,
  recordId: string,
): Promise<SupervisionEvent[]> {
  const rows = await sql.query<{
    from_state: string | null;
    to_state: string;
    note: string | null;
    at: Date | string;
  }>(
    'select from_state, to_state, note, at from supervision_events where record_id = $1 order by id',
    [recordId],
  );
  return rows.map((r) => ({
    fromState: r.from_state,
    toState: r.to_state,
    note: r.note,
    at: iso(r.at),
  }));
}

/** Remembers a marketplace nonce; false when it was seen before (a replay). */
export async function rememberNonce(sql: Sql, nonce: string): Promise<boolean> {
  const rows = await sql.query(
    'insert into marketplace_nonces (nonce) values ($1) on conflict (nonce) do nothing returning nonce',
    [nonce],
  );
  return rows.length > 0;
}
