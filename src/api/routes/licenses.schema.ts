import { z } from '@hono/zod-openapi';
import { defineRoute, jsonBody, ok, pathParams } from '../contract.js';
import { pageQuery } from '../cursor.js';

/** Schemas and contracts of the license routes (`licenses.ts`). */

export const hardwareIdBody = z
  .object({ fingerprint: z.string().min(1).max(1024), rebind: z.boolean().default(false) })
  .strict();
export const revokeBody = z.object({ reason: z.string().trim().min(1).max(500) }).strict();
export const verifyBody = z
  .object({ license: z.string().min(1).max(65_536), fingerprint: z.string().max(1024).optional() })
  .strict();
export const listQuery = z.object({
  orderId: z.string().max(64).optional(),
  ...pageQuery,
});

/** What issuing a License 1.0 document through a seller's remote generator may answer. */
const REMOTE_GENERATOR = [
  'GENERATOR_NOT_ACTIVE',
  'GENERATOR_TIMEOUT',
  'GENERATOR_UNREACHABLE',
  'GENERATOR_BAD_RESPONSE',
  'GENERATOR_BAD_SIGNATURE',
  'GENERATOR_REFUSED',
] as const;

const tags = ['licenses'];

export const licenseContracts = {
  list: defineRoute({
    method: 'get',
    path: '/',
    summary: 'List visible licenses, newest first',
    tags,
    auth: 'apiKey',
    request: { query: listQuery },
    errors: [],
    responses: { 200: ok('A page of licenses and the `cursor` of the next (`next`)') },
  }),
  show: defineRoute({
    method: 'get',
    path: '/{id}',
    summary: 'Show a license (the code or document to its buyer and seller)',
    tags,
    auth: 'apiKey',
    request: { params: pathParams('id') },
    errors: ['NOT_FOUND'],
    responses: { 200: ok('The license') },
  }),
  issueCode: defineRoute({
    method: 'post',
    path: '/orders/{orderId}/code',
    summary: 'Issue the License 2.0 code of an order (idempotent)',
    tags,
    auth: 'apiKey',
    request: { params: pathParams('orderId') },
    errors: ['NOT_FOUND', 'FORBIDDEN', 'LICENSE_MODEL_MISMATCH', 'ORDER_NOT_ACTIVE'],
    responses: { 201: ok('The code, issued now'), 200: ok('The code issued before') },
  }),
  claim: defineRoute({
    method: 'post',
    path: '/{id}/claim',
    summary: 'Buyer claims the License 2.0 code (ends negotiated unsubscription)',
    tags,
    auth: 'apiKey',
    request: { params: pathParams('id') },
    errors: ['NOT_FOUND', 'FORBIDDEN', 'LICENSE_REVOKED'],
    responses: { 200: ok('The claimed license') },
  }),
  hardwareId: defineRoute({
    method: 'post',
    path: '/orders/{orderId}/hardware-id',
    summary: 'Submit a hardware ID and get the License 1.0 license bound to it',
    tags,
    auth: 'apiKey',
    request: { params: pathParams('orderId'), body: jsonBody(hardwareIdBody) },
    errors: [
      'NOT_FOUND',
      'FORBIDDEN',
      'INVALID_FINGERPRINT',
      'LICENSE_MODEL_MISMATCH',
      'LICENSE_REVOKED',
      'ORDER_NOT_ACTIVE',
      'LICENSE_BOUND_TO_OTHER_MACHINE',
      'REBIND_LIMIT_REACHED',
      ...REMOTE_GENERATOR,
    ],
    responses: { 200: ok('The license and its document') },
  }),
  revoke: defineRoute({
    method: 'post',
    path: '/{id}/revoke',
    summary: 'Seller revokes a license',
    tags,
    auth: 'apiKey',
    request: { params: pathParams('id'), body: jsonBody(revokeBody) },
    errors: ['NOT_FOUND', 'FORBIDDEN'],
    responses: { 200: ok('The revoked license') },
  }),
  audit: defineRoute({
    method: 'get',
    path: '/{id}/audit',
    summary: 'Audit events of a license and whether the chain verifies',
    tags,
    auth: 'apiKey',
    request: { params: pathParams('id') },
    errors: ['NOT_FOUND'],
    responses: { 200: ok('The events and the chain check') },
  }),
  verify: defineRoute({
    method: 'post',
    path: '/licenses/verify',
    summary: 'Verify a License 1.0 document (signature, validity, revocation, machine)',
    tags,
    auth: 'none',
    request: { body: jsonBody(verifyBody) },
    errors: [],
    responses: { 200: ok('Whether the license is valid, and why not') },
  }),
};
