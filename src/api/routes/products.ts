import { z } from '@hono/zod-openapi';
import { AppError } from '../../errors.js';
import { createProduct, getProduct, listProducts } from '../../db/repositories/products.js';
import { defineRoute, jsonBody, ok, pathParams, resourceRoutes } from '../contract.js';

const shellCommand = z.string().min(1).max(4096);
export const newProductSchema = z.strictObject({
  marketplaceProductId: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._:-]+$/),
  skuCode: z.string().min(1).max(64).optional(),
  name: z.string().min(1).max(200),
  licenseModel: z.enum(['license2', 'license1']),
  installCommand: shellCommand.optional(),
  verifyCommand: shellCommand.optional(),
  /** Run after the installer, once the license is in place (e.g. to restart the service). */
  postLicenseCommand: shellCommand.optional(),
  /**
   * Days the seller needs SSH access to the buyer's server after delivery (support, updates):
   * OneClick keeps its key on the server, sealed, until then. Without it the key goes at delivery.
   */
  continuedAccessDays: z.number().int().min(1).max(365).optional(),
  installDir: z
    .string()
    .regex(/^\/[A-Za-z0-9._/-]*$/, 'an absolute path')
    .max(255)
    .default('/opt/oneclick'),
  licensePath: z
    .string()
    .regex(/^\/[A-Za-z0-9._/-]*$/, 'an absolute path')
    .max(255)
    .optional(),
  ports: z.array(z.number().int().min(1).max(65535)).max(64).default([]),
  variables: z
    .record(z.string().regex(/^[A-Z_][A-Z0-9_]{0,63}$/, 'UPPER_SNAKE names'), z.string().max(4096))
    .default({}),
});

export const productSchema = newProductSchema.extend({
  id: z.string(),
  sellerId: z.string(),
  skuCode: z.string().nullable(),
  installCommand: z.string().nullable(),
  verifyCommand: z.string().nullable(),
  postLicenseCommand: z.string().nullable(),
  continuedAccessDays: z.number().nullable(),
  licensePath: z.string().nullable(),
  installDir: z.string(),
  ports: z.array(z.number()),
  variables: z.record(z.string(), z.string()),
  createdAt: z.string(),
});

/** Sellers register and read their products; operators read all; buyers none. */
export function productRoutes() {
  const create = defineRoute({
    method: 'post',
    path: '/',
    summary: 'Register a product (seller)',
    tags: ['products'],
    auth: 'apiKey',
    roles: ['seller'],
    request: { body: jsonBody(newProductSchema) },
    errors: ['CONFLICT'],
    responses: { 201: ok('The product', productSchema) },
  });
  const list = defineRoute({
    method: 'get',
    path: '/',
    summary: 'List products (seller: own; operator: all)',
    tags: ['products'],
    auth: 'apiKey',
    roles: ['seller', 'operator'],
    errors: [],
    responses: { 200: ok('The products', z.object({ items: z.array(productSchema) })) },
  });
  const show = defineRoute({
    method: 'get',
    path: '/{id}',
    summary: 'Show a product',
    tags: ['products'],
    auth: 'apiKey',
    roles: ['seller', 'operator'],
    request: { params: pathParams('id') },
    errors: ['NOT_FOUND'],
    responses: { 200: ok('The product', productSchema) },
  });
  return resourceRoutes()
    .openapi(create, async (c) => {
      const body = c.req.valid('json');
      const product = await createProduct(c.get('deps').db, c.get('principal').sellerId!, {
        ...body,
        skuCode: body.skuCode ?? null,
        installCommand: body.installCommand ?? null,
        verifyCommand: body.verifyCommand ?? null,
        postLicenseCommand: body.postLicenseCommand ?? null,
        continuedAccessDays: body.continuedAccessDays ?? null,
        licensePath: body.licensePath ?? null,
      });
      return c.json(product, 201);
    })
    .openapi(list, async (c) => {
      const p = c.get('principal');
      const items = await listProducts(
        c.get('deps').db,
        p.role === 'seller' ? p.sellerId! : undefined,
      );
      return c.json({ items });
    })
    .openapi(show, async (c) => {
      const p = c.get('principal');
      const product = await getProduct(c.get('deps').db, c.req.param('id'));
      // Another seller's product answers exactly like a missing one.
      if (!product || (p.role === 'seller' && product.sellerId !== p.sellerId)) {
        throw new AppError('NOT_FOUND', 'no such product');
      }
      return c.json(product);
    });
}
