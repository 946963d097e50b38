import { z } from '@hono/zod-openapi';
import { defineRoute, jsonBody, ok, pathParams } from '../contract.js';

/** Schemas and contracts of the service-supervision routes (`supervision.ts`). */

const tags = ['supervision'];
const orderId = pathParams('id');

export const confirmBody = z.strictObject({
  /** The result of the service, as the seller describes it. */
  description: z.string().trim().min(1).max(2000),
  /** The actual activation time: not in the future, not before the order. Omitted: at acceptance. */
  activationTime: z.iso.datetime({ offset: true }).optional(),
  /** sha256 of an acceptance report uploaded before; omitted: OneClick's delivery evidence. */
  acceptanceReportSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits')
    .optional(),
});
export type ConfirmBody = z.infer<typeof confirmBody>;

export const rejectBody = z.strictObject({
  reason: z.string().trim().min(1).max(1000),
});

export const supervisionContracts = {
  show: defineRoute({
    method: 'get',
    path: '/{id}/supervision',
    summary:
      "The order's service supervision: state, the seller's confirmation, and every transition with who made it, when, and whether the marketplace has it",
    tags,
    auth: 'apiKey',
    request: { params: orderId },
    errors: ['NOT_FOUND'],
    responses: { 200: ok('The supervision record and its history') },
  }),
  confirm: defineRoute({
    method: 'post',
    path: '/{id}/supervision/confirm',
    summary:
      'Seller: confirm completion with a description, the actual activation time and the acceptance report (License 2.0 then completes; License 1.0 waits for the buyer)',
    tags,
    auth: 'apiKey',
    roles: ['seller'],
    request: { params: orderId, body: jsonBody(confirmBody) },
    errors: [
      'NOT_FOUND',
      'INVALID_STATE_TRANSITION',
      'INVALID_ACTIVATION_TIME',
      'ACCEPTANCE_REPORT_REQUIRED',
      'ACCEPTANCE_REPORT_NOT_FOUND',
      'UNAVAILABLE',
    ],
    responses: { 200: ok('Confirmed: the new state, and when acceptance falls due') },
  }),
  accept: defineRoute({
    method: 'post',
    path: '/{id}/supervision/accept',
    summary: "Buyer: accept the seller's License 1.0 delivery (the order then completes)",
    tags,
    auth: 'apiKey',
    roles: ['buyer'],
    request: { params: orderId },
    errors: ['NOT_FOUND', 'INVALID_STATE_TRANSITION'],
    responses: { 200: ok('Accepted') },
  }),
  reject: defineRoute({
    method: 'post',
    path: '/{id}/supervision/reject',
    summary: "Buyer: reject the seller's License 1.0 delivery, saying why",
    tags,
    auth: 'apiKey',
    roles: ['buyer'],
    request: { params: orderId, body: jsonBody(rejectBody) },
    errors: ['NOT_FOUND', 'INVALID_STATE_TRANSITION'],
    responses: { 200: ok('Rejected: the seller delivers again') },
  }),
  redeliver: defineRoute({
    method: 'post',
    path: '/{id}/supervision/redeliver',
    summary: 'Seller: deliver a rejected License 1.0 order again (back to awaiting_delivery)',
    tags,
    auth: 'apiKey',
    roles: ['seller'],
    request: { params: orderId },
    errors: ['NOT_FOUND', 'INVALID_STATE_TRANSITION'],
    responses: { 200: ok('Awaiting delivery again') },
  }),
};

export const ACCEPTANCE_REPORTS_PATH = '/v1/acceptance-reports';

export const acceptanceReportUpload = defineRoute({
  method: 'post',
  path: '/',
  summary:
    'Seller: upload a delivery acceptance report for an order (PDF, PNG or JPEG as the body, at most 20 MiB; stored with its sha256)',
  tags,
  auth: 'apiKey',
  roles: ['seller'],
  streamsBody: true,
  request: {
    query: z.object({
      orderId: z.string().openapi({ description: "the seller's order (ord_…)" }),
      fileName: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,254}$/)
        .openapi({ description: 'the report file name' }),
    }),
    body: {
      required: true,
      content: {
        'application/pdf': { schema: { type: 'string' as const, format: 'binary' } },
        'image/png': { schema: { type: 'string' as const, format: 'binary' } },
        'image/jpeg': { schema: { type: 'string' as const, format: 'binary' } },
      },
    },
  },
  errors: [
    'NOT_FOUND',
    'UNSUPPORTED_MEDIA_TYPE',
    'PACKAGE_TOO_LARGE',
    'EMPTY_PACKAGE',
    'UNAVAILABLE',
  ],
  responses: { 201: ok('The stored report: its sha256 goes into the confirmation') },
});
