import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { Sql } from '../../db/sql.js';
import type { Principal } from '../../db/repositories/principals.js';
import { AppError } from '../../errors.js';
import { readAudit } from '../../db/repositories/audit-log.js';
import { verifyStoredAudit } from '../../license/audit-log.js';
import {
  findLicense,
  listLicenses,
  loadOrderContext,
  type LicenseRecord,
} from '../../db/repositories/licenses.js';
import type { LicenseServices } from '../../license/services.js';
import { jsonBody, validate } from '../body.js';
import type { AppEnv } from '../context.js';
import type { OpenApiRegistry } from '../openapi.js';

/**
 * Licenses as buyers, sellers and operators see them (mounted at `/v1/licenses`), and the public
 * verify endpoint (`licenseVerifyRoutes`, mounted at `/`). Foreign ids answer 404, never 403.
 */
const hardwareIdBody = z
  .object({ fingerprint: z.string().min(1).max(1024), rebind: z.boolean().default(false) })
  .strict();
const revokeBody = z.object({ reason: z.string().trim().min(1).max(500) }).strict();
const verifyBody = z
  .object({ license: z.string().min(1).max(65_536), fingerprint: z.string().max(1024).optional() })
  .strict();
const listQuery = z.object({
  orderId: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

function summary(l: LicenseRecord) {
  return {
    id: l.id,
    orderId: l.orderId,
    model: l.model,
    status: l.status,
    generatorId: l.generatorId,
    claimedAt: l.claimedAt?.toISOString() ?? null,
    activatedAt: l.activatedAt?.toISOString() ?? null,
    expiresAt: l.expiresAt?.toISOString() ?? null,
    fingerprint: l.fingerprint,
    kid: l.kid,
    revokedAt: l.revokedAt?.toISOString() ?? null,
    revokeReason: l.revokeReason,
    createdAt: l.createdAt.toISOString(),
  };
}

/** Loads an order's parties and checks the principal is one of them (or an operator). */
async function orderFor(sql: Sql, orderRef: string, p: Principal) {
  const ctx = await loadOrderContext(sql, orderRef).catch((err: unknown) => {
    if (err instanceof AppError && err.code === 'NOT_FOUND') return undefined;
    throw err;
  });
  const visible =
    ctx &&
    (p.role === 'operator' ||
      (p.role === 'buyer' && ctx.buyerId === p.buyerId) ||
      (p.role === 'seller' && ctx.sellerId === p.sellerId));
  if (!ctx || !visible) throw new AppError('NOT_FOUND', 'no such order');
  return ctx;
}

async function licenseFor(sql: Sql, id: string, p: Principal) {
  const l = id.length <= 64 ? await findLicense(sql, 'id', id) : undefined;
  if (!l) throw new AppError('NOT_FOUND', 'no such license');
  const ctx = await orderFor(sql, l.orderId, p).catch(() => {
    throw new AppError('NOT_FOUND', 'no such license');
  });
  return { l, ctx };
}

const actorOf = (p: Principal) => `${p.role}:${p.id}`;

/**
 * Makes sure the license's lifecycle workflow runs (idempotent). A Temporal outage does not undo
 * the issued license: the next call for it starts the workflow.
 */
async function ensureLifecycle(c: Context<AppEnv>, licenseId: string): Promise<void> {
  const temporal = c.get('deps').temporal;
  if (!temporal) return;
  try {
    await temporal.startLicenseLifecycle({ licenseId });
  } catch (err) {
    c.get('log').warn({ err, licenseId }, 'could not start the license lifecycle');
  }
}

/** The license resource. */
export function licenseRoutes(license: LicenseServices, sql: Sql, docs: OpenApiRegistry) {
  docs.add(
    {
      method: 'get',
      path: '/v1/licenses',
      summary: 'List visible licenses',
      tags: ['licenses'],
      query: listQuery,
    },
    {
      method: 'get',
      path: '/v1/licenses/:id',
      summary: 'Show a license (the code or document to its buyer and seller)',
      tags: ['licenses'],
      errors: ['NOT_FOUND'],
    },
    {
      method: 'post',
      path: '/v1/licenses/orders/:orderId/code',
      summary: 'Issue the License 2.0 code of an order (idempotent)',
      tags: ['licenses'],
      errors: ['NOT_FOUND', 'LICENSE_MODEL_MISMATCH', 'ORDER_NOT_ACTIVE'],
    },
    {
      method: 'post',
      path: '/v1/licenses/:id/claim',
      summary: 'Buyer claims the License 2.0 code (ends negotiated unsubscription)',
      tags: ['licenses'],
      errors: ['NOT_FOUND', 'FORBIDDEN'],
    },
    {
      method: 'post',
      path: '/v1/licenses/orders/:orderId/hardware-id',
      summary: 'Submit a hardware ID and get the License 1.0 license bound to it',
      tags: ['licenses'],
      body: hardwareIdBody,
      errors: [
        'INVALID_FINGERPRINT',
        'LICENSE_BOUND_TO_OTHER_MACHINE',
        'REBIND_LIMIT_REACHED',
        'GENERATOR_NOT_ACTIVE',
      ],
    },
    {
      method: 'post',
      path: '/v1/licenses/:id/revoke',
      summary: 'Seller revokes a license',
      tags: ['licenses'],
      body: revokeBody,
      errors: ['NOT_FOUND', 'FORBIDDEN'],
    },
    {
      method: 'get',
      path: '/v1/licenses/:id/audit',
      summary: 'Audit events of a license and whether the chain verifies',
      tags: ['licenses'],
      errors: ['NOT_FOUND'],
    },
  );
  return new Hono<AppEnv>()
    .get('/', async (c) => {
      const p = c.get('principal');
      const q = validate(c.req.query(), listQuery);
      const scope = {
        ...(p.role === 'seller' ? { sellerId: p.sellerId ?? '' } : {}),
        ...(p.role === 'buyer' ? { buyerId: p.buyerId ?? '' } : {}),
        ...(q.orderId ? { orderRef: q.orderId } : {}),
      };
      const items = (await listLicenses(sql, scope, q.limit)).map(summary);
      return c.json({ items });
    })
    .get('/:id', async (c) => {
      const p = c.get('principal');
      const { l } = await licenseFor(sql, c.req.param('id'), p);
      // The code and the document are the buyer's and seller's; operators see the metadata only.
      const secret = p.role !== 'operator';
      if (secret) c.header('cache-control', 'no-store');
      return c.json({
        ...summary(l),
        ...(secret && l.model === 'license2' ? { code: license.codes.reveal(l) } : {}),
        ...(secret && l.model === 'license1' ? { document: l.document } : {}),
      });
    })
    .post('/orders/:orderId/code', async (c) => {
      const p = c.get('principal');
      const ctx = await orderFor(sql, c.req.param('orderId'), p);
      if (p.role === 'buyer')
        throw new AppError('FORBIDDEN', 'the seller or the deployment issues the code');
      const { license: l, code, created } = await license.codes.issue(ctx.orderRef, actorOf(p));
      await ensureLifecycle(c, l.id);
      // The answer holds the code: no cache may keep it.
      c.header('cache-control', 'no-store');
      return c.json({ ...summary(l), code }, created ? 201 : 200);
    })
    .post('/:id/claim', async (c) => {
      const p = c.get('principal');
      const { l } = await licenseFor(sql, c.req.param('id'), p);
      if (p.role !== 'buyer') throw new AppError('FORBIDDEN', 'only the buyer claims a code');
      return c.json(summary(await license.codes.claim(l.id, actorOf(p))));
    })
    .post('/orders/:orderId/hardware-id', async (c) => {
      const p = c.get('principal');
      const ctx = await orderFor(sql, c.req.param('orderId'), p);
      if (p.role === 'operator')
        throw new AppError('FORBIDDEN', 'the buyer or the seller submits the hardware ID');
      const body = await jsonBody(c, hardwareIdBody);
      const r = await license.documents.issueForMachine(ctx.orderRef, body.fingerprint, {
        rebind: body.rebind,
        actor: actorOf(p),
      });
      await ensureLifecycle(c, r.license.id);
      return c.json({
        ...summary(r.license),
        document: r.document,
        changedParts: r.changedParts,
        rebound: r.rebound,
      });
    })
    .post('/:id/revoke', async (c) => {
      const p = c.get('principal');
      const { l } = await licenseFor(sql, c.req.param('id'), p);
      if (p.role !== 'seller' || !p.sellerId)
        throw new AppError('FORBIDDEN', 'only the seller revokes a license');
      const body = await jsonBody(c, revokeBody);
      return c.json(summary(await license.revocation.revoke(p.sellerId, l.id, body.reason)));
    })
    .get('/:id/audit', async (c) => {
      const { l } = await licenseFor(sql, c.req.param('id'), c.get('principal'));
      const [events, chain] = await Promise.all([readAudit(sql, l.id), verifyStoredAudit(sql)]);
      return c.json({ items: events, chain });
    });
}

/** Public online verification for software that cannot verify offline. */
export function licenseVerifyRoutes(license: LicenseServices, docs: OpenApiRegistry) {
  docs.add({
    method: 'post',
    path: '/licenses/verify',
    summary: 'Verify a License 1.0 document (signature, validity, revocation, machine)',
    tags: ['licenses'],
    security: 'none',
    body: verifyBody,
  });
  return new Hono<AppEnv>().post('/licenses/verify', async (c) => {
    const body = await jsonBody(c, verifyBody);
    const result = await license.revocation.verify(body.license, body.fingerprint);
    return c.json(
      result.valid
        ? { valid: true, kid: result.kid, claims: result.claims }
        : {
            valid: false,
            problem: result.problem,
            message: result.message,
            ...(result.kid ? { kid: result.kid } : {}),
          },
    );
  });
}
