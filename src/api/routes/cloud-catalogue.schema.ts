import { z } from '@hono/zod-openapi';
import { AppError, isAppError } from '../../errors.js';
import { CLOUD_ERROR_CODES, classifyCloudError } from '../../cloud/errors.js';
import { defineRoute, ok } from '../contract.js';

/** Schemas and contracts of the form lists (`cloud-catalogue.ts`), and what a cloud call answers. */

/** What a call through the cloud connector may answer: its own refusals and the cloud's errors. */
export const CLOUD_CALL_ERRORS = [
  'CLOUD_ACCOUNT_NOT_FOUND',
  'CLOUD_ACCOUNT_REQUIRED',
  'CLOUD_REGION_UNKNOWN',
  'INVALID_PAGE_MARKER',
  ...(Object.keys(CLOUD_ERROR_CODES) as (keyof typeof CLOUD_ERROR_CODES)[]),
] as const;
const declared = new Set<string>(CLOUD_CALL_ERRORS);

/**
 * A failure of a cloud call as a declared error: the connector's and the adapter's AppErrors
 * pass as they are; anything else (an SDK error the adapter did not classify, a code no route
 * declares) is classified the adapter's way, so the API answers 4xx/502 and never 500.
 */
export function cloudCallError(operation: string, e: unknown): AppError {
  if (isAppError(e) && declared.has(e.code)) return e;
  if (isAppError(e)) {
    return new AppError('CLOUD_UNAVAILABLE', `${operation} failed: ${e.message}`, {
      cause: e,
      context: { operation, code: e.code },
    });
  }
  return classifyCloudError(operation, e);
}

/** Huawei region names (`cn-north-4`, `ap-southeast-1`, `eu-west-101`). */
export const regionName = z
  .string()
  .regex(/^[a-z]{2,}(-[a-z0-9]+){1,4}$/, 'must be a region name such as cn-north-4')
  .max(32);

/** Where a list comes from: a linked account (absent: OneClick's own) and a region. */
const target = {
  accountId: z
    .string()
    .max(64)
    .optional()
    .openapi({ description: "A linked cloud account's id; absent: OneClick's own account" }),
  region: regionName.optional().openapi({ description: "Absent: OneClick's configured region" }),
};
const paging = {
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: 'Items per page (default 50)' }),
  marker: z
    .string()
    .max(256)
    .regex(/^[\x21-\x7e]+$/, "must be a page's nextMarker")
    .optional()
    .openapi({ description: 'The `nextMarker` of the previous page, as it was given' }),
};
const resourceId = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'must be a cloud id');

export const catalogueQueries = {
  availabilityZones: z.object(target),
  flavors: z.object({
    ...target,
    availabilityZone: z
      .string()
      .max(64)
      .regex(/^[A-Za-z0-9_.-]+$/)
      .optional(),
  }),
  images: z.object({
    ...target,
    ...paging,
    type: z
      .enum(['gold', 'private'])
      .default('gold')
      .openapi({ description: "`gold`: public images; `private`: the account's own" }),
  }),
  vpcs: z.object({ ...target, ...paging }),
  subnets: z.object({ ...target, ...paging, vpcId: resourceId.optional() }),
  securityGroups: z.object({ ...target, ...paging }),
  servers: z.object({ ...target, ...paging }),
};

const availabilityZone = z.object({ name: z.string(), available: z.boolean() });
const flavor = z.object({
  id: z.string(),
  name: z.string(),
  vcpus: z.number(),
  ramMb: z.number(),
  status: z.string().optional(),
});
const image = z.object({
  id: z.string(),
  name: z.string(),
  imageType: z.string(),
  status: z.string(),
  osVersion: z.string().optional(),
  platform: z.string().optional(),
  minDiskGb: z.number().optional(),
  minRamMb: z.number().optional(),
});
const vpc = z.object({ id: z.string(), name: z.string(), cidr: z.string(), status: z.string() });
const subnet = z.object({
  id: z.string(),
  name: z.string(),
  cidr: z.string(),
  gatewayIp: z.string(),
  vpcId: z.string(),
  status: z.string(),
});
const securityGroup = z.object({ id: z.string(), name: z.string() });
const server = z.object({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  vpcId: z.string().optional(),
  ip: z.string().optional(),
  publicIp: z.string().optional(),
  availabilityZone: z.string().optional(),
  flavorId: z.string().optional(),
  imageId: z.string().optional(),
  addresses: z.array(
    z.object({
      addr: z.string(),
      type: z.string(),
      mac: z.string().optional(),
      portId: z.string().optional(),
    }),
  ),
  tags: z.record(z.string(), z.string()),
});

const all = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });
const page = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    nextMarker: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `marker` for the next page; null on the last' }),
  });

const tags = ['cloud'];
const common = {
  method: 'get',
  tags,
  auth: 'apiKey',
  roles: ['buyer', 'operator'],
  errors: [...CLOUD_CALL_ERRORS, 'UNAVAILABLE'],
} as const;

/** Contracts of the lists the Start Deployment form offers, under /v1/cloud. */
export const catalogueContracts = {
  availabilityZones: defineRoute({
    ...common,
    path: '/availability-zones',
    summary: "The region's availability zones (ECS NovaListAvailabilityZones; all, not paged)",
    request: { query: catalogueQueries.availabilityZones },
    responses: { 200: ok('Every availability zone', all(availabilityZone)) },
  }),
  flavors: defineRoute({
    ...common,
    path: '/flavors',
    summary: 'Flavors offered in the region, or in one availability zone (ECS ListFlavors; all)',
    request: { query: catalogueQueries.flavors },
    responses: { 200: ok('Every flavor', all(flavor)) },
  }),
  images: defineRoute({
    ...common,
    path: '/images',
    summary: "Public images, or the account's private images (IMS ListImages)",
    request: { query: catalogueQueries.images },
    responses: { 200: ok('A page of images', page(image)) },
  }),
  vpcs: defineRoute({
    ...common,
    path: '/vpcs',
    summary: "The account's VPCs in the region (VPC ListVpcs)",
    request: { query: catalogueQueries.vpcs },
    responses: { 200: ok('A page of VPCs', page(vpc)) },
  }),
  subnets: defineRoute({
    ...common,
    path: '/subnets',
    summary: "The account's subnets, or one VPC's (VPC ListSubnets)",
    request: { query: catalogueQueries.subnets },
    responses: { 200: ok('A page of subnets', page(subnet)) },
  }),
  securityGroups: defineRoute({
    ...common,
    path: '/security-groups',
    summary: "The account's security groups (VPC ListSecurityGroups)",
    request: { query: catalogueQueries.securityGroups },
    responses: { 200: ok('A page of security groups', page(securityGroup)) },
  }),
  servers: defineRoute({
    ...common,
    path: '/servers',
    summary: "The account's ECS servers (ECS ListServersDetails)",
    request: { query: catalogueQueries.servers },
    responses: { 200: ok('A page of servers', page(server)) },
  }),
};
