import { z } from '@hono/zod-openapi';
import { AppError } from '../../errors.js';
import { createApiKey, createPrincipal, sellerExists } from '../../db/repositories/principals.js';
import { defineRoute, jsonBody, ok, pathParams, resourceRoutes } from '../contract.js';

const name = z.string().min(1).max(200);
/** Each role with the fields it takes, so the document says which go together. */
const newPrincipalSchema = z.discriminatedUnion('role', [
  z.strictObject({
    role: z.literal('buyer'),
    name,
    /** A buyer's marketplace customer id, so their paid orders are theirs. */
    customerId: z.string().min(1).max(64).optional(),
  }),
  z.strictObject({
    role: z.literal('seller'),
    name,
    /** Another login for an existing seller. */
    sellerId: z.string().min(1).max(64).optional(),
  }),
  z.strictObject({ role: z.literal('operator'), name }),
]);

/** Operators create principals and issue keys while OneClick runs (the CLI does it offline). */
export function principalRoutes() {
  const create = defineRoute({
    method: 'post',
    path: '/',
    summary: 'Create a principal and its first API key (operator; the key is shown once)',
    tags: ['auth'],
    auth: 'apiKey',
    roles: ['operator'],
    request: { body: jsonBody(newPrincipalSchema) },
    errors: ['VALIDATION_FAILED', 'NOT_FOUND'],
    responses: { 201: ok('The principal and its API key') },
  });
  const issueKey = defineRoute({
    method: 'post',
    path: '/{id}/keys',
    summary: 'Issue another API key (operator; shown once)',
    tags: ['auth'],
    auth: 'apiKey',
    roles: ['operator'],
    request: { params: pathParams('id') },
    errors: ['NOT_FOUND'],
    responses: { 201: ok('The new API key') },
  });
  return resourceRoutes()
    .openapi(create, async (c) => {
      const body = c.req.valid('json');
      const sellerId = body.role === 'seller' ? body.sellerId : undefined;
      const { db } = c.get('deps');
      if (sellerId && !(await sellerExists(db, sellerId))) {
        throw new AppError('NOT_FOUND', 'no such seller');
      }
      const principal = await createPrincipal(db, {
        role: body.role,
        name: body.name,
        marketplaceCustomerId: body.role === 'buyer' ? body.customerId : undefined,
        sellerId,
      });
      const { id, key } = await createApiKey(db, principal.id, 'api');
      return c.json({ principal, apiKey: { id, key } }, 201);
    })
    .openapi(issueKey, async (c) => {
      const { id, key } = await createApiKey(c.get('deps').db, c.req.param('id'), 'api');
      return c.json({ id, key }, 201);
    });
}
