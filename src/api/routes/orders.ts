import type { Context } from 'hono';
import { z } from '@hono/zod-openapi';
import { AppError } from '../../errors.js';
import {
  getOrder,
  listOrders,
  listSupervisionEvents,
  orderListings,
  type Order,
} from '../../db/repositories/orders.js';
import type { Principal } from '../../db/repositories/principals.js';
import type { AppEnv } from '../context.js';
import { defineRoute, ok, pathParams, resourceRoutes } from '../contract.js';
import { encodeCursor, pageQuery } from '../cursor.js';

const listQuery = z.object(pageQuery);

/** Whether the principal may see the order: its buyer, its seller, or an operator. */
export function canSeeOrder(p: Principal, o: Order): boolean {
  if (p.role === 'operator') return true;
  if (p.role === 'buyer') return o.buyerId === p.buyerId;
  return o.sellerId === p.sellerId;
}

/** The order of a path, when the principal may see it; 404 otherwise (never 403). */
export async function visibleOrder(c: Context<AppEnv>, id: string): Promise<Order> {
  const order = await getOrder(c.get('deps').db, id);
  if (!order || !canSeeOrder(c.get('principal'), order)) {
    throw new AppError('NOT_FOUND', 'no such order');
  }
  return order;
}

const scopeOf = (p: Principal) =>
  p.role === 'buyer'
    ? { buyerId: p.buyerId! }
    : p.role === 'seller'
      ? { sellerId: p.sellerId! }
      : {};

/** Orders as each role sees them; foreign ids answer 404, never 403. */
export function orderRoutes() {
  const list = defineRoute({
    method: 'get',
    path: '/',
    summary: 'List visible orders, newest first',
    tags: ['orders'],
    auth: 'apiKey',
    request: { query: listQuery },
    errors: [],
    responses: {
      200: ok(
        'A page of orders, newest first, each with its `product` (id, name, ports) and newest `deployment` (id, state; null: none), and the `cursor` of the next (`next`)',
      ),
    },
  });
  const show = defineRoute({
    method: 'get',
    path: '/{id}',
    summary: 'Show an order with its supervision history',
    tags: ['orders'],
    auth: 'apiKey',
    request: { params: pathParams('id') },
    errors: ['NOT_FOUND'],
    responses: {
      200: ok(
        'The order with its `product` (id, name, ports), newest `deployment` (id, state; null: none) and supervision events',
      ),
    },
  });
  return resourceRoutes()
    .openapi(list, async (c) => {
      const q = c.req.valid('query');
      const page = await listOrders(c.get('deps').db, scopeOf(c.get('principal')), {
        limit: q.limit,
        ...(q.cursor && { after: q.cursor }),
      });
      const listings = await orderListings(
        c.get('deps').db,
        page.items.map((o) => o.id),
      );
      return c.json({
        items: page.items.map((o) => ({ ...o, ...listings.get(o.id) })),
        next: encodeCursor(page.next),
      });
    })
    .openapi(show, async (c) => {
      const { db } = c.get('deps');
      const order = await getOrder(db, c.req.param('id'));
      if (!order || !canSeeOrder(c.get('principal'), order))
        throw new AppError('NOT_FOUND', 'no such order');
      const [supervisionEvents, listings] = await Promise.all([
        listSupervisionEvents(db, order.supervision.id),
        orderListings(db, [order.id]),
      ]);
      return c.json({ ...order, ...listings.get(order.id), supervisionEvents });
    });
}
