import type { Context } from 'hono';
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
import type { AppEnv } from '../context.js';
import { resourceRoutes } from '../contract.js';
import { encodeCursor } from '../cursor.js';
import { licenseContracts as route } from './licenses.schema.js';

/**
 * Licenses as buyers, sellers and operators see them (mounted at `/v1/licenses`), and the public
 * verify endpoint (`licenseVerifyRoutes`, mounted at `/`). Foreign ids answer 404, never 403.
 */
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
export function licenseRoutes(license: LicenseServices, sql: Sql) {
  return resourceRoutes()
    .openapi(route.list, async (c) => {
      const p = c.get('principal');
      const q = c.req.valid('query');
      const scope = {
        ...(p.role === 'seller' ? { sellerId: p.sellerId ?? '' } : {}),
        ...(p.role === 'buyer' ? { buyerId: p.buyerId ?? '' } : {}),
        ...(q.orderId ? { orderRef: q.orderId } : {}),
      };
      const page = await listLicenses(sql, scope, {
        limit: q.limit,
        ...(q.cursor && { after: q.cursor }),
      });
      return c.json({ items: page.items.map(summary), next: encodeCursor(page.next) });
    })
    .openapi(route.show, async (c) => {
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
    .openapi(route.issueCode, async (c) => {
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
    .openapi(route.claim, async (c) => {
      const p = c.get('principal');
      const { l } = await licenseFor(sql, c.req.param('id'), p);
      if (p.role !== 'buyer') throw new AppError('FORBIDDEN', 'only the buyer claims a code');
      return c.json(summary(await license.codes.claim(l.id, actorOf(p))));
    })
    .openapi(route.hardwareId, async (c) => {
      const p = c.get('principal');
      const ctx = await orderFor(sql, c.req.param('orderId'), p);
      if (p.role === 'operator')
        throw new AppError('FORBIDDEN', 'the buyer or the seller submits the hardware ID');
      const body = c.req.valid('json');
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
    .openapi(route.revoke, async (c) => {
      const p = c.get('principal');
      const { l } = await licenseFor(sql, c.req.param('id'), p);
      if (p.role !== 'seller' || !p.sellerId)
        throw new AppError('FORBIDDEN', 'only the seller revokes a license');
      const body = c.req.valid('json');
      return c.json(summary(await license.revocation.revoke(p.sellerId, l.id, body.reason)));
    })
    .openapi(route.audit, async (c) => {
      const { l } = await licenseFor(sql, c.req.param('id'), c.get('principal'));
      const [events, chain] = await Promise.all([readAudit(sql, l.id), verifyStoredAudit(sql)]);
      return c.json({ items: events, chain });
    });
}

/** Public online verification for software that cannot verify offline. */
export function licenseVerifyRoutes(license: LicenseServices) {
  return resourceRoutes().openapi(route.verify, async (c) => {
    const body = c.req.valid('json');
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
