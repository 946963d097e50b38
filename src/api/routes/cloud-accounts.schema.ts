import { z } from '@hono/zod-openapi';
import { defineRoute, jsonBody, ok, pathParams } from '../contract.js';
import { pageQuery } from '../cursor.js';
import { CLOUD_CALL_ERRORS, regionName } from './cloud-catalogue.schema.js';

/** Schemas and contracts of the cloud account routes (`cloud-accounts.ts`). */

const accountName = z.string().trim().min(1, 'must not be empty').max(64);
const common = {
  name: accountName,
  region: regionName
    .optional()
    .openapi({ description: "Region to check the account in; absent: OneClick's default" }),
};

/**
 * Link by IAM agency: the buyer's account (by name or id) delegates to OneClick's account under
 * `agencyName`, the name `GET /v1/cloud-accounts/agency-name` gives this buyer (an agency named
 * for another buyer is refused); OneClick obtains temporary credentials for each use.
 */
const agencyLink = z.strictObject({
  ...common,
  kind: z.literal('agency'),
  domainName: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_.-]+$/, 'must be a Huawei Cloud account name')
    .optional(),
  domainId: z
    .string()
    .regex(/^[0-9a-f]{32}$/, 'must be a Huawei Cloud account id (32 hex digits)')
    .optional(),
  agencyName: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_.-]+$/, 'must be an IAM agency name'),
});

/** Link by a sub-user's access key: the fallback where agencies are not possible. */
const akskLink = z.strictObject({
  ...common,
  kind: z.literal('aksk'),
  ak: z
    .string()
    .regex(/^[A-Za-z0-9]{12,128}$/, 'must be an access key ID (12+ letters and digits)'),
  // Its value is never echoed: the messages name the rule only.
  sk: z
    .string()
    .regex(/^[\x21-\x7e]{8,256}$/, 'must be a secret access key (8+ visible characters)'),
});

export const linkCloudAccountBody = z
  .discriminatedUnion('kind', [agencyLink, akskLink])
  .superRefine((body, ctx) => {
    if (body.kind === 'agency' && body.domainName === undefined && body.domainId === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['domainName'],
        message: "domainName or domainId: required (the buyer's account that made the agency)",
      });
    }
  });
export type LinkCloudAccountBody = z.infer<typeof linkCloudAccountBody>;

/** An account as shown: what identifies it, never the SK, the AK masked. */
export const cloudAccountSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['agency', 'aksk']),
  domainName: z.string().optional(),
  domainId: z.string().optional(),
  agencyName: z.string().optional(),
  accessKey: z
    .string()
    .optional()
    .openapi({ description: 'The access key ID masked: first 4 and last 4 characters' }),
  region: z.string().openapi({ description: 'The region the link was checked in' }),
  projectId: z.string().openapi({ description: "The account's project in that region" }),
  createdBy: z.string(),
  createdAt: z.string(),
});

const tags = ['cloud-accounts'];
const accountId = pathParams('id');

export const cloudAccountContracts = {
  link: defineRoute({
    method: 'post',
    path: '/',
    summary:
      "Link the buyer's Huawei Cloud account (IAM agency, or a sub-user's AK/SK): checked, then stored sealed",
    tags,
    auth: 'apiKey',
    roles: ['buyer'],
    request: { body: jsonBody(linkCloudAccountBody) },
    errors: [
      ...CLOUD_CALL_ERRORS,
      'CLOUD_ACCOUNT_NAME_TAKEN',
      'AGENCY_NAME_NOT_YOURS',
      'UNAVAILABLE',
    ],
    responses: { 201: ok('The linked account (masked)', cloudAccountSchema) },
  }),
  list: defineRoute({
    method: 'get',
    path: '/',
    summary: "The buyer's linked cloud accounts, newest first",
    tags,
    auth: 'apiKey',
    roles: ['buyer'],
    request: { query: z.object(pageQuery) },
    errors: [],
    responses: {
      200: ok(
        'A page of accounts and the `cursor` of the next (`next`)',
        z.object({ items: z.array(cloudAccountSchema), next: z.string().nullable() }),
      ),
    },
  }),
  agencyName: defineRoute({
    method: 'get',
    path: '/agency-name',
    summary:
      "The name the buyer's IAM agency for OneClick must have: derived from the buyer, so an agency made for one buyer cannot be linked by another",
    tags,
    auth: 'apiKey',
    roles: ['buyer'],
    errors: ['UNAVAILABLE'],
    responses: {
      200: ok(
        'The agency name',
        z.object({
          agencyName: z.string(),
          how: z.string().openapi({ description: 'How to create the agency, in words' }),
        }),
      ),
    },
  }),
  show: defineRoute({
    method: 'get',
    path: '/{id}',
    summary: 'One linked cloud account (masked)',
    tags,
    auth: 'apiKey',
    roles: ['buyer'],
    request: { params: accountId },
    errors: ['CLOUD_ACCOUNT_NOT_FOUND'],
    responses: { 200: ok('The account', cloudAccountSchema) },
  }),
  unlink: defineRoute({
    method: 'delete',
    path: '/{id}',
    summary:
      'Unlink a cloud account: the account and its sealed secret are removed (not while a deployment runs in it or an active order has its server there)',
    tags,
    auth: 'apiKey',
    roles: ['buyer'],
    request: { params: accountId },
    errors: ['CLOUD_ACCOUNT_NOT_FOUND', 'CLOUD_ACCOUNT_IN_USE'],
    responses: { 204: ok('Removed') },
  }),
};
