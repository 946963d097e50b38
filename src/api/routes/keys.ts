import { Hono } from 'hono';
import { z } from 'zod';
import type { Principal } from '../../db/repositories/principals.js';
import { AppError } from '../../errors.js';
import { issueCertificate } from '../../license/certificate.js';
import { jwks, publicKeyPem, SIGNING_ALGORITHMS } from '../../license/keys.js';
import type { LicenseServices } from '../../license/services.js';
import { jsonBody } from '../body.js';
import type { AppEnv } from '../context.js';
import type { OpenApiRegistry } from '../openapi.js';

/**
 * Signing keys and open-API credentials. Two sub-apps:
 *  - `publicKeyRoutes`, mounted at `/` without authentication: the JWKS, each published key as PEM
 *    (what `openssl` reads) and as an X.509 certificate, and the signed revocation list;
 *  - `keyRoutes`, mounted at `/v1/keys` behind the API key: a seller's (or, for an operator, the
 *    platform's) keys: add or import (which rotates), retire; and AK/SK pairs for the open API.
 */
const KID = /^[A-Za-z0-9_-]{1,64}$/;

const addKeyBody = z.union([
  z.object({ alg: z.enum(SIGNING_ALGORITHMS).default('EdDSA') }).strict(),
  z
    .object({
      pem: z.string().min(1).max(20_000).optional(),
      pkcs12Base64: z.string().min(1).max(40_000).optional(),
      passphrase: z.string().max(1024).optional(),
      alg: z.enum(SIGNING_ALGORITHMS).optional(),
    })
    .strict()
    .refine((b) => (b.pem === undefined) !== (b.pkcs12Base64 === undefined), {
      message: 'give exactly one of pem or pkcs12Base64',
    }),
]);

/** The key owner a principal manages: its seller, or the platform for an operator. */
function ownerOf(p: Principal): string | null {
  if (p.role === 'seller' && p.sellerId) return p.sellerId;
  if (p.role === 'operator') return null;
  throw new AppError('FORBIDDEN', 'only sellers and operators manage signing keys');
}

/** Unauthenticated publication of keys and revocations. */
export function publicKeyRoutes(license: LicenseServices, docs: OpenApiRegistry) {
  docs.add(
    {
      method: 'get',
      path: '/.well-known/jwks.json',
      summary: 'Public license signing keys (JWKS)',
      tags: ['keys'],
      security: 'none',
    },
    {
      method: 'get',
      path: '/.well-known/license-keys/:kid/public-key.pem',
      summary: 'A published key as SPKI PEM (for openssl)',
      tags: ['keys'],
      security: 'none',
      errors: ['NOT_FOUND'],
    },
    {
      method: 'get',
      path: '/.well-known/license-keys/:kid/certificate.pem',
      summary: 'An X.509 certificate for a published key',
      tags: ['keys'],
      security: 'none',
      errors: ['NOT_FOUND'],
    },
    {
      method: 'get',
      path: '/.well-known/license-revocations.jws',
      summary: 'Signed revocation status list',
      tags: ['licenses'],
      security: 'none',
    },
  );
  const pem = (c: { header: (k: string, v: string) => void }) => {
    c.header('content-type', 'application/x-pem-file');
    c.header('cache-control', 'public, max-age=300');
  };
  return new Hono<AppEnv>()
    .get('/.well-known/jwks.json', async (c) => {
      c.header('cache-control', 'public, max-age=300');
      return c.json(jwks(await license.keys.publishedKeys()));
    })
    .get('/.well-known/license-keys/:kid/public-key.pem', async (c) => {
      const kid = c.req.param('kid');
      const key = KID.test(kid) ? await license.keys.publishedKey(kid) : undefined;
      if (!key) throw new AppError('NOT_FOUND', 'no published key with that kid');
      pem(c);
      return c.body(publicKeyPem(key));
    })
    .get('/.well-known/license-keys/:kid/certificate.pem', async (c) => {
      const kid = c.req.param('kid');
      const key = KID.test(kid) ? await license.keys.publishedKey(kid) : undefined;
      if (!key) throw new AppError('NOT_FOUND', 'no published key with that kid');
      const platform = await license.keys.activeKey(null);
      // The platform key certifies itself and every seller key.
      const cert =
        platform.kid === kid
          ? issueCertificate(platform, { commonName: 'OneClick license platform', days: 365 })
          : issueCertificate(key, {
              commonName: `OneClick license key ${kid.slice(0, 32)}`,
              days: 365,
              issuer: { key: platform, commonName: 'OneClick license platform' },
            });
      pem(c);
      return c.body(cert);
    })
    .get('/.well-known/license-revocations.jws', async (c) => {
      c.header('content-type', 'application/jose');
      c.header('cache-control', 'public, max-age=60');
      return c.body(await license.revocation.statusList());
    });
}

/** A seller's or the platform's keys, and open-API credentials. */
export function keyRoutes(license: LicenseServices, docs: OpenApiRegistry) {
  docs.add(
    {
      method: 'get',
      path: '/v1/keys',
      summary: 'List signing keys (seller: own; operator: platform)',
      tags: ['keys'],
    },
    {
      method: 'post',
      path: '/v1/keys',
      summary: 'Generate or import a signing key; it becomes active, the old one keeps verifying',
      tags: ['keys'],
      body: addKeyBody,
      errors: [
        'KEY_IMPORT_INVALID',
        'KEY_TYPE_UNSUPPORTED',
        'KEY_SIZE_UNSUPPORTED',
        'KEY_ALREADY_REGISTERED',
      ],
    },
    {
      method: 'post',
      path: '/v1/keys/:kid/retire',
      summary: 'Retire a rotated-out key (it stops verifying)',
      tags: ['keys'],
      errors: ['NOT_FOUND', 'KEY_IS_ACTIVE'],
    },
    {
      method: 'post',
      path: '/v1/keys/api-credentials',
      summary: 'Create an AK/SK for the license open API (SK shown once)',
      tags: ['keys'],
    },
    {
      method: 'get',
      path: '/v1/keys/api-credentials',
      summary: 'List open-API access keys',
      tags: ['keys'],
    },
    {
      method: 'delete',
      path: '/v1/keys/api-credentials/:ak',
      summary: 'Revoke an open-API access key',
      tags: ['keys'],
      errors: ['NOT_FOUND'],
    },
  );
  const sellerOnly = (p: Principal): string => {
    if (p.role !== 'seller' || !p.sellerId)
      throw new AppError('FORBIDDEN', 'only sellers hold open-API credentials');
    return p.sellerId;
  };
  return new Hono<AppEnv>()
    .get('/', async (c) => c.json({ items: await license.keys.list(ownerOf(c.get('principal'))) }))
    .post('/', async (c) => {
      const owner = ownerOf(c.get('principal'));
      const body = await jsonBody(c, addKeyBody);
      const source =
        'pem' in body || 'pkcs12Base64' in body
          ? {
              import: {
                ...(body.pem !== undefined ? { pem: body.pem } : {}),
                ...(body.pkcs12Base64 !== undefined
                  ? { pkcs12: Buffer.from(body.pkcs12Base64, 'base64') }
                  : {}),
                ...(body.passphrase !== undefined ? { passphrase: body.passphrase } : {}),
                ...(body.alg !== undefined ? { alg: body.alg } : {}),
              },
            }
          : { generate: body.alg ?? 'EdDSA' };
      return c.json(await license.keys.addKey(owner, source), 201);
    })
    .post('/api-credentials', async (c) => {
      const created = await license.credentials.create(sellerOnly(c.get('principal')));
      // The SK is shown this once: no cache may keep it.
      c.header('cache-control', 'no-store');
      return c.json(created, 201);
    })
    .get('/api-credentials', async (c) =>
      c.json({ items: await license.credentials.list(sellerOnly(c.get('principal'))) }),
    )
    .delete('/api-credentials/:ak', async (c) => {
      await license.credentials.revoke(sellerOnly(c.get('principal')), c.req.param('ak'));
      return c.body(null, 204);
    })
    .post('/:kid/retire', async (c) => {
      const kid = c.req.param('kid');
      if (!KID.test(kid)) throw new AppError('NOT_FOUND', 'no such key');
      return c.json(await license.keys.retire(ownerOf(c.get('principal')), kid));
    });
}
