import { z } from '@hono/zod-openapi';
import type { Principal } from '../../db/repositories/principals.js';
import { AppError } from '../../errors.js';
import type { LicenseServices } from '../../license/services.js';
import { defineRoute, jsonBody, ok, pathParams, resourceRoutes } from '../contract.js';

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
export function generatorRoutes(license: LicenseServices) {
  const tags = ['generators'];
  const list = defineRoute({
    method: 'get',
    path: '/',
    summary: 'List generators with their health',
    tags,
    auth: 'apiKey',
    errors: ['FORBIDDEN'],
    responses: { 200: ok('The generators') },
  });
  const create = defineRoute({
    method: 'post',
    path: '/',
    summary: 'Register a generator (remote ones must pass the conformance check)',
    tags,
    auth: 'apiKey',
    request: { body: jsonBody(createBody) },
    errors: [
      'FORBIDDEN',
      'GENERATOR_URL_NOT_HTTPS',
      'GENERATOR_URL_INVALID',
      'GENERATOR_URL_FORBIDDEN',
    ],
    responses: { 201: ok('The generator (and, for a remote one, its conformance report)') },
  });
  const show = defineRoute({
    method: 'get',
    path: '/{id}',
    summary: 'Show a generator and its last check',
    tags,
    auth: 'apiKey',
    request: { params: pathParams('id') },
    errors: ['NOT_FOUND'],
    responses: { 200: ok('The generator') },
  });
  const checks = defineRoute({
    method: 'get',
    path: '/{id}/checks',
    summary: 'Health history: the latest conformance runs and probes',
    tags,
    auth: 'apiKey',
    request: { params: pathParams('id') },
    errors: ['NOT_FOUND'],
    responses: { 200: ok('The checks, newest first') },
  });
  const recheck = defineRoute({
    method: 'post',
    path: '/{id}/check',
    summary: 'Run the conformance check again',
    tags,
    auth: 'apiKey',
    request: { params: pathParams('id') },
    errors: ['NOT_FOUND', 'GENERATOR_NOT_REMOTE'],
    responses: { 200: ok('The generator and its conformance report') },
  });
  const link = defineRoute({
    method: 'put',
    path: '/{id}/products/{productId}',
    summary: 'License a product with this generator',
    tags,
    auth: 'apiKey',
    request: { params: pathParams('id', 'productId'), body: jsonBody(settingsBody) },
    errors: ['FORBIDDEN', 'NOT_FOUND'],
    responses: { 200: ok("The product's license settings") },
  });
  const visible = async (id: string, p: Principal) => {
    const g = id.length <= 64 ? await license.generators.get(id) : undefined;
    if (!g || (p.role !== 'operator' && (p.role !== 'seller' || g.sellerId !== p.sellerId))) {
      throw new AppError('NOT_FOUND', 'no such generator');
    }
    return g;
  };
  return resourceRoutes()
    .openapi(list, async (c) => {
      const p = c.get('principal');
      if (p.role === 'buyer') throw new AppError('FORBIDDEN', 'buyers do not see generators');
      return c.json({
        items: await license.generators.list(p.role === 'operator' ? undefined : sellerOf(p)),
      });
    })
    .openapi(create, async (c) => {
      const sellerId = sellerOf(c.get('principal'));
      const body = c.req.valid('json');
      if (body.kind === 'built-in') {
        return c.json(
          { generator: await license.generators.createBuiltIn(sellerId, body.name, body.template) },
          201,
        );
      }
      const r = await license.generators.registerRemote(sellerId, body);
      return c.json(r, 201);
    })
    .openapi(show, async (c) => c.json(await visible(c.req.param('id'), c.get('principal'))))
    .openapi(checks, async (c) => {
      const g = await visible(c.req.param('id'), c.get('principal'));
      return c.json({ items: await license.generators.checks(g.id) });
    })
    .openapi(recheck, async (c) => {
      const g = await visible(c.req.param('id'), c.get('principal'));
      return c.json(await license.generators.recheck(g.id));
    })
    .openapi(link, async (c) => {
      const sellerId = sellerOf(c.get('principal'));
      const g = await visible(c.req.param('id'), c.get('principal'));
      const body = c.req.valid('json');
      await license.generators.setProductSettings(sellerId, c.req.param('productId'), {
        generatorId: g.id,
        ...body,
      });
      return c.json({ productId: c.req.param('productId'), generatorId: g.id, ...body });
    });
}
