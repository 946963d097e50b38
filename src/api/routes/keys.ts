import type { Principal } from '../../db/repositories/principals.js';
import { AppError } from '../../errors.js';
import { issueCertificate } from '../../license/certificate.js';
import { jwks, publicKeyPem } from '../../license/keys.js';
import type { LicenseServices } from '../../license/services.js';
import { resourceRoutes } from '../contract.js';
import { KID, keyContracts as route, publicKeyContracts as publicRoute } from './keys.schema.js';

/**
 * Signing keys and open-API credentials. Two sub-apps:
 *  - `publicKeyRoutes`, mounted at `/` without authentication: the JWKS, each published key as PEM
 *    (what `openssl` reads) and as an X.509 certificate, and the signed revocation list;
 *  - `keyRoutes`, mounted at `/v1/keys` behind the API key: a seller's (or, for an operator, the
 *    platform's) keys: add or import (which rotates), retire; and AK/SK pairs for the open API.
 */
/** The key owner a principal manages: its seller, or the platform for an operator. */
function ownerOf(p: Principal): string | null {
  if (p.role === 'seller' && p.sellerId) return p.sellerId;
  if (p.role === 'operator') return null;
  throw new AppError('FORBIDDEN', 'only sellers and operators manage signing keys');
}

/** Unauthenticated publication of keys and revocations. */
export function publicKeyRoutes(license: LicenseServices) {
  const pem = (c: { header: (k: string, v: string) => void }) => {
    c.header('content-type', 'application/x-pem-file');
    c.header('cache-control', 'public, max-age=300');
  };
  return resourceRoutes()
    .openapi(publicRoute.jwks, async (c) => {
      c.header('cache-control', 'public, max-age=300');
      return c.json(jwks(await license.keys.publishedKeys()));
    })
    .openapi(publicRoute.publicKeyPem, async (c) => {
      const kid = c.req.param('kid');
      const key = KID.test(kid) ? await license.keys.publishedKey(kid) : undefined;
      if (!key) throw new AppError('NOT_FOUND', 'no published key with that kid');
      pem(c);
      return c.body(publicKeyPem(key));
    })
    .openapi(publicRoute.certificatePem, async (c) => {
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
    .openapi(publicRoute.revocations, async (c) => {
      c.header('content-type', 'application/jose');
      c.header('cache-control', 'public, max-age=60');
      return c.body(await license.revocation.statusList());
    });
}

/** A seller's or the platform's keys, and open-API credentials. */
export function keyRoutes(license: LicenseServices) {
  const sellerOnly = (p: Principal): string => {
    if (p.role !== 'seller' || !p.sellerId)
      throw new AppError('FORBIDDEN', 'only sellers hold open-API credentials');
    return p.sellerId;
  };
  return resourceRoutes()
    .openapi(route.list, async (c) =>
      c.json({ items: await license.keys.list(ownerOf(c.get('principal'))) }),
    )
    .openapi(route.add, async (c) => {
      const owner = ownerOf(c.get('principal'));
      const body = c.req.valid('json');
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
    .openapi(route.createCredential, async (c) => {
      const created = await license.credentials.create(sellerOnly(c.get('principal')));
      // The SK is shown this once: no cache may keep it.
      c.header('cache-control', 'no-store');
      return c.json(created, 201);
    })
    .openapi(route.listCredentials, async (c) =>
      c.json({ items: await license.credentials.list(sellerOnly(c.get('principal'))) }),
    )
    .openapi(route.revokeCredential, async (c) => {
      await license.credentials.revoke(sellerOnly(c.get('principal')), c.req.param('ak'));
      return c.body(null, 204);
    })
    .openapi(route.retire, async (c) => {
      const kid = c.req.param('kid');
      if (!KID.test(kid)) throw new AppError('NOT_FOUND', 'no such key');
      return c.json(await license.keys.retire(ownerOf(c.get('principal')), kid));
    });
}
