import { Hono } from 'hono';
import { z } from 'zod';
import type { Principal } from '../../db/repositories/principals.js';
import { AppError } from '../../errors.js';
import type { LicenseServices } from '../../license/services.js';
import { jsonBody } from '../body.js';
import type { AppEnv } from '../context.js';
import type { OpenApiRegistry } from '../openapi.js';

/**
 * License generators (mounted at `/v1/generators`): sellers register built-in or remote ones (a
 * remote one runs the conformance check and is active only when it passes), re-check them, link
 * products; sellers see their own generators' health, operators everyone's.
 */
const template = z
  .object({
    validityDays: z.number().int().min(1).max(36_500).optional(),
    features: z
      .record(z.string().max(64), z.union([z.string().max(256), z.number(), z.boolean()]))
      .optional(),
  })
  .strict();

const createBody = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('built-in'),
      name: z.string().trim().min(1).max(100),
      template: template.default({}),
    })
    .strict(),
  z
    .object({
      kind: z.literal('remote'),
      name: z.string().trim().min(1).max(100),
      url: z.url().max(2048),
      accessKey: z.string().min(16).max(128),
      template: template.default({}),
    })
    .strict(),
]);

const settingsBody = z
  .object({
    graceDays: z.number().int().min(0).max(15).optional(),
    retentionDays: z.number().int().min(0).max(365).optional(),
    rebindLimit: z.number().int().min(0).max(100).optional(),
    rebindWindowDays: z.number().int().min(1).max(365).optional(),
  })
  .strict();

const sellerOf = (p: Principal): string => {
  if (p.role !== 'seller' || !p.sellerId)
    throw new AppError('FORBIDDEN', 'only sellers manage generators');
  return p.sellerId;
};

/** The generator resource. */
export function generatorRoutes(license: LicenseServices, docs: OpenApiRegistry) {
  docs.add(
    {
      method: 'get',
      path: '/v1/generators',
      summary: 'List generators with their health',
      tags: ['generators'],
    },
    {
      method: 'post',
      path: '/v1/generators',
      summary: 'Register a generator (remote ones must pass the conformance check)',
      tags: ['generators'],
      body: createBody,
      errors: ['GENERATOR_URL_NOT_HTTPS', 'GENERATOR_URL_INVALID', 'VALIDATION_FAILED'],
    },
    {
      method: 'get',
      path: '/v1/generators/:id',
      summary: 'Show a generator and its last check',
      tags: ['generators'],
      errors: ['NOT_FOUND'],
    },
    {
      method: 'get',
      path: '/v1/generators/:id/checks',
      summary: 'Health history: the latest conformance runs and probes',
      tags: ['generators'],
      errors: ['NOT_FOUND'],
    },
    {
      method: 'post',
      path: '/v1/generators/:id/check',
      summary: 'Run the conformance check again',
      tags: ['generators'],
      errors: ['NOT_FOUND', 'GENERATOR_NOT_REMOTE'],
    },
    {
      method: 'put',
      path: '/v1/generators/:id/products/:productId',
      summary: 'License a product with this generator',
      tags: ['generators'],
      body: settingsBody,
      errors: ['NOT_FOUND'],
    },
  );
  const visible = async (id: string, p: Principal) => {
    const g = id.length <= 64 ? await license.generators.get(id) : undefined;
    if (!g || (p.role !== 'operator' && (p.role !== 'seller' || g.sellerId !== p.sellerId))) {
      throw new AppError('NOT_FOUND', 'no such generator');
    }
    return g;
  };
  return new Hono<AppEnv>()
    .get('/', async (c) => {
      const p = c.get('principal');
      if (p.role === 'buyer') throw new AppError('FORBIDDEN', 'buyers do not see generators');
      return c.json({
        items: await license.generators.list(p.role === 'operator' ? undefined : sellerOf(p)),
      });
    })
    .post('/', async (c) => {
      const sellerId = sellerOf(c.get('principal'));
      const body = await jsonBody(c, createBody);
      if (body.kind === 'built-in') {
        return c.json(
          { generator: await license.generators.createBuiltIn(sellerId, body.name, body.template) },
          201,
        );
      }
      const r = await license.generators.registerRemote(sellerId, body);
      return c.json(r, 201);
    })
    .get('/:id', async (c) => c.json(await visible(c.req.param('id'), c.get('principal'))))
    .get('/:id/checks', async (c) => {
      const g = await visible(c.req.param('id'), c.get('principal'));
      return c.json({ items: await license.generators.checks(g.id) });
    })
    .post('/:id/check', async (c) => {
      const g = await visible(c.req.param('id'), c.get('principal'));
      return c.json(await license.generators.recheck(g.id));
    })
    .put('/:id/products/:productId', async (c) => {
      const sellerId = sellerOf(c.get('principal'));
      const g = await visible(c.req.param('id'), c.get('principal'));
      const body = await jsonBody(c, settingsBody);
      await license.generators.setProductSettings(sellerId, c.req.param('productId'), {
        generatorId: g.id,
        ...body,
      });
      return c.json({ productId: c.req.param('productId'), generatorId: g.id, ...body });
    });
}
