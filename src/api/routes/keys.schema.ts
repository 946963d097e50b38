import { z } from '@hono/zod-openapi';
import { SIGNING_ALGORITHMS } from '../../license/keys.js';
import { defineRoute, jsonBody, ok, pathParams } from '../contract.js';

/** Schemas and contracts of the key routes (`keys.ts`). */

export const KID = /^[A-Za-z0-9_-]{1,64}$/;

export const addKeyBody = z.union([
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

const pem = (description: string) => ({
  description,
  content: { 'application/x-pem-file': { schema: { type: 'string' as const } } },
});

/** Unauthenticated publication of keys and revocations. */
export const publicKeyContracts = {
  jwks: defineRoute({
    method: 'get',
    path: '/.well-known/jwks.json',
    summary: 'Public license signing keys (JWKS)',
    tags: ['keys'],
    auth: 'none',
    errors: [],
    responses: { 200: ok('The JWKS') },
  }),
  publicKeyPem: defineRoute({
    method: 'get',
    path: '/.well-known/license-keys/{kid}/public-key.pem',
    summary: 'A published key as SPKI PEM (for openssl)',
    tags: ['keys'],
    auth: 'none',
    request: { params: pathParams('kid') },
    errors: ['NOT_FOUND'],
    responses: { 200: pem('The public key') },
  }),
  certificatePem: defineRoute({
    method: 'get',
    path: '/.well-known/license-keys/{kid}/certificate.pem',
    summary: 'An X.509 certificate for a published key',
    tags: ['keys'],
    auth: 'none',
    request: { params: pathParams('kid') },
    errors: ['NOT_FOUND'],
    responses: { 200: pem('The certificate') },
  }),
  revocations: defineRoute({
    method: 'get',
    path: '/.well-known/license-revocations.jws',
    summary: 'Signed revocation status list',
    tags: ['licenses'],
    auth: 'none',
    errors: [],
    responses: {
      200: {
        description: 'The status list, a compact JWS',
        content: { 'application/jose': { schema: { type: 'string' as const } } },
      },
    },
  }),
};

const tags = ['keys'];

/** A seller's or the platform's keys, and open-API credentials. */
export const keyContracts = {
  list: defineRoute({
    method: 'get',
    path: '/',
    summary: 'List signing keys (seller: own; operator: platform)',
    tags,
    auth: 'apiKey',
    errors: ['FORBIDDEN'],
    responses: { 200: ok('The keys') },
  }),
  add: defineRoute({
    method: 'post',
    path: '/',
    summary: 'Generate or import a signing key; it becomes active, the old one keeps verifying',
    tags,
    auth: 'apiKey',
    request: { body: jsonBody(addKeyBody) },
    errors: [
      'FORBIDDEN',
      'KEY_IMPORT_INVALID',
      'KEY_TYPE_UNSUPPORTED',
      'KEY_SIZE_UNSUPPORTED',
      'KEY_ALGORITHM_MISMATCH',
      'KEY_ALREADY_REGISTERED',
    ],
    responses: { 201: ok('The new active key') },
  }),
  retire: defineRoute({
    method: 'post',
    path: '/{kid}/retire',
    summary: 'Retire a rotated-out key (it stops verifying)',
    tags,
    auth: 'apiKey',
    request: { params: pathParams('kid') },
    errors: ['FORBIDDEN', 'NOT_FOUND', 'KEY_IS_ACTIVE'],
    responses: { 200: ok('The retired key') },
  }),
  createCredential: defineRoute({
    method: 'post',
    path: '/api-credentials',
    summary: 'Create an AK/SK for the license open API (SK shown once)',
    tags,
    auth: 'apiKey',
    errors: ['FORBIDDEN'],
    responses: { 201: ok('The AK and SK') },
  }),
  listCredentials: defineRoute({
    method: 'get',
    path: '/api-credentials',
    summary: 'List open-API access keys',
    tags,
    auth: 'apiKey',
    errors: ['FORBIDDEN'],
    responses: { 200: ok('The access keys (never the SKs)') },
  }),
  revokeCredential: defineRoute({
    method: 'delete',
    path: '/api-credentials/{ak}',
    summary: 'Revoke an open-API access key',
    tags,
    auth: 'apiKey',
    request: { params: pathParams('ak') },
    errors: ['FORBIDDEN', 'NOT_FOUND'],
    responses: { 204: { description: 'Revoked' } },
  }),
};
