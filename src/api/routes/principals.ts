import type { Context } from 'hono';
import { z } from '@hono/zod-openapi';
import { AppError } from '../../errors.js';
import {
  createApiKey,
  createPrincipal,
  getPrincipalWithKeys,
  listPrincipals,
  revokePrincipalKey,
  sellerExists,
} from '../../db/repositories/principals.js';
import { appendAudit } from '../../license/audit-log.js';
import type { AppEnv } from '../context.js';
import { defineRoute, jsonBody, ok, pathParams, resourceRoutes } from '../contract.js';
import { encodeCursor, pageQuery } from '../cursor.js';

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

const listQuery = z.object({
  role: z.enum(['buyer', 'seller', 'operator']).optional(),
  ...pageQuery,
  limit: z.coerce.number().int().min(1).max(200).default(20),
});

const tags = ['auth'];
/** A key is shown once: the answer must not be cached, and is stored only sealed for replay. */
const shownOnce = (c: Context<AppEnv>) => c.header('Cache-Control', 'no-store');
const actorOf = (c: Context<AppEnv>) => `operator:${c.get('principal').id}`;

/**
 * Operators manage principals and their API keys while OneClick runs (the CLI does it offline):
 * list them with their keys (prefix, name, dates; never a key), create one with its first key,
 * issue another key, revoke a key (which ends the console sessions it opened). Each change is
 * in the audit log under the principal's id.
 */
export function principalRoutes() {
  const list = defineRoute({
    method: 'get',
    path: '/',
    summary: 'List principals with their API keys, newest first (operator; never the keys)',
    tags,
    auth: 'apiKey',
    roles: ['operator'],
    request: { query: listQuery },
    errors: [],
    responses: { 200: ok('A page of principals and the `cursor` of the next (`next`)') },
  });
  const show = defineRoute({
    method: 'get',
    path: '/{id}',
    summary: 'Show a principal with its API keys (operator; never the keys)',
    tags,
    auth: 'apiKey',
    roles: ['operator'],
    request: { params: pathParams('id') },
    errors: ['NOT_FOUND'],
    responses: { 200: ok('The principal and its keys') },
  });
  const create = defineRoute({
    method: 'post',
    path: '/',
    summary: 'Create a principal and its first API key (operator; the key is shown once)',
    tags,
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
    tags,
    auth: 'apiKey',
    roles: ['operator'],
    request: { params: pathParams('id') },
    errors: ['NOT_FOUND'],
    responses: { 201: ok('The new API key') },
  });
  const revoke = defineRoute({
    method: 'post',
    path: '/{id}/keys/{keyId}/revoke',
    summary:
      'Revoke an API key and end the console sessions it opened (operator; the last operator key is kept: CONFLICT)',
    tags,
    auth: 'apiKey',
    roles: ['operator'],
    request: { params: pathParams('id', 'keyId') },
    errors: ['NOT_FOUND', 'CONFLICT'],
    responses: { 200: ok('The revoked key (unchanged when it was already revoked)') },
  });
  return resourceRoutes()
    .openapi(list, async (c) => {
      const q = c.req.valid('query');
      const page = await listPrincipals(
        c.get('deps').db,
        { ...(q.role && { role: q.role }) },
        { limit: q.limit, ...(q.cursor && { after: q.cursor }) },
      );
      return c.json({ items: page.items, next: encodeCursor(page.next) });
    })
    .openapi(show, async (c) => {
      const p = await getPrincipalWithKeys(c.get('deps').db, c.req.param('id'));
      if (!p) throw new AppError('NOT_FOUND', 'no such principal');
      return c.json(p);
    })
    .openapi(create, async (c) => {
      const body = c.req.valid('json');
      const sellerId = body.role === 'seller' ? body.sellerId : undefined;
      const { db } = c.get('deps');
      if (sellerId && !(await sellerExists(db, sellerId))) {
        throw new AppError('NOT_FOUND', 'no such seller');
      }
      const created = await db.transaction(async (tx) => {
        const principal = await createPrincipal(tx, {
          role: body.role,
          name: body.name,
          marketplaceCustomerId: body.role === 'buyer' ? body.customerId : undefined,
          sellerId,
        });
        const key = await createApiKey(tx, principal.id, 'api');
        await appendAudit(tx, {
          actor: actorOf(c),
          action: 'principal.created',
          subject: principal.id,
          data: { role: principal.role, name: principal.name, keyId: key.id, prefix: key.prefix },
        });
        return { principal, key };
      });
      shownOnce(c);
      const { id, key, prefix } = created.key;
      return c.json({ principal: created.principal, apiKey: { id, key, prefix } }, 201);
    })
    .openapi(issueKey, async (c) => {
      const principalId = c.req.param('id');
      const issued = await c.get('deps').db.transaction(async (tx) => {
        const key = await createApiKey(tx, principalId, 'api');
        await appendAudit(tx, {
          actor: actorOf(c),
          action: 'api_key.issued',
          subject: principalId,
          data: { keyId: key.id, prefix: key.prefix },
        });
        return key;
      });
      shownOnce(c);
      return c.json({ id: issued.id, key: issued.key, prefix: issued.prefix, principalId }, 201);
    })
    .openapi(revoke, async (c) => {
      const { id, keyId } = c.req.valid('param');
      const db = c.get('deps').db;
      const r = await db.transaction(async (tx) => {
        const outcome = await revokePrincipalKey(tx, id, keyId);
        if (outcome.outcome === 'revoked') {
          await appendAudit(tx, {
            actor: actorOf(c),
            action: 'api_key.revoked',
            subject: id,
            data: { keyId, prefix: outcome.key.prefix, endedSessions: outcome.endedSessions },
          });
        }
        return outcome;
      });
      switch (r.outcome) {
        case 'not-found':
          throw new AppError('NOT_FOUND', 'no such key of this principal');
        case 'last-operator-key':
          throw new AppError(
            'CONFLICT',
            'this is the last unrevoked operator key; issue another operator key first',
          );
        case 'already-revoked':
          return c.json({ principalId: id, key: r.key, endedSessions: 0 }, 200);
        case 'revoked':
          return c.json({ principalId: id, key: r.key, endedSessions: r.endedSessions }, 200);
      }
    });
}
