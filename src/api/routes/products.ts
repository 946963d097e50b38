import { Hono } from 'hono';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { createProduct, getProduct, listProducts } from '../../db/repositories/products.js';
import { jsonBody } from '../body.js';
import { requireRole } from '../middleware/auth.js';
import type { AppEnv } from '../context.js';
import type { OpenApiRegistry } from '../openapi.js';

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
  licensePath: z.string().nullable(),
  installDir: z.string(),
  ports: z.array(z.number()),
  variables: z.record(z.string(), z.string()),
  createdAt: z.string(),
});

/** Sellers register and read their products; operators read all; buyers none. */
export function productRoutes(docs: OpenApiRegistry) {
  docs.add(
    {
      method: 'post',
      path: '/v1/products',
      summary: 'Register a product (seller)',
      tags: ['products'],
      body: newProductSchema,
      response: productSchema,
      errors: ['VALIDATION_FAILED', 'CONFLICT', 'FORBIDDEN'],
    },
    {
      method: 'get',
      path: '/v1/products',
      summary: 'List products (seller: own; operator: all)',
      tags: ['products'],
    },
    {
      method: 'get',
      path: '/v1/products/:id',
      summary: 'Show a product',
      tags: ['products'],
      response: productSchema,
      errors: ['NOT_FOUND'],
    },
  );
  return new Hono<AppEnv>()
    .post('/', requireRole('seller'), async (c) => {
      const body = await jsonBody(c, newProductSchema);
      const product = await createProduct(c.get('deps').db, c.get('principal').sellerId!, {
        ...body,
        skuCode: body.skuCode ?? null,
        installCommand: body.installCommand ?? null,
        verifyCommand: body.verifyCommand ?? null,
        licensePath: body.licensePath ?? null,
      });
      return c.json(product, 201);
    })
    .get('/', requireRole('seller', 'operator'), async (c) => {
      const p = c.get('principal');
      const items = await listProducts(
        c.get('deps').db,
        p.role === 'seller' ? p.sellerId! : undefined,
      );
      return c.json({ items });
    })
    .get('/:id', requireRole('seller', 'operator'), async (c) => {
      const p = c.get('principal');
      const product = await getProduct(c.get('deps').db, c.req.param('id'));
      // Another seller's product answers exactly like a missing one.
      if (!product || (p.role === 'seller' && product.sellerId !== p.sellerId)) {
        throw new AppError('NOT_FOUND', 'no such product');
      }
      return c.json(product);
    });
}
