import { z } from '@hono/zod-openapi';
import { DEPLOYMENT_STEPS } from '../../domain/deployment.js';
import { adminPassProblem } from '../../domain/ecs-admin-password.js';
import { defineRoute, jsonBody, ok, pathParams } from '../contract.js';
import { regionName } from './cloud-catalogue.schema.js';
import { deploymentStateSchema, deploymentSummaryShape } from './deployment-summary.js';

/** Schemas and contracts of the deployment routes (`deployments.ts`). */

const resourceId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be a cloud resource id (letters, digits, - _)');

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const cidr = z.string().refine((s) => {
  const [ip, bits, ...rest] = s.split('/');
  return (
    rest.length === 0 &&
    ip !== undefined &&
    ipv4.test(ip) &&
    bits !== undefined &&
    /^\d{1,2}$/.test(bits) &&
    Number(bits) >= 8 &&
    Number(bits) <= 29
  );
}, 'must be an IPv4 CIDR block, /8 to /29');

const existing = z.strictObject({ existingId: resourceId });

/**
 * Start Deployment: for each resource either the buyer's (`existingId`) or a new one. The ECS
 * password goes straight into the secret store; it is never echoed, logged or put in history.
 */
export const startDeploymentBody = z
  .strictObject({
    vpc: z.union([existing, z.strictObject({ cidr })]).default({ cidr: '192.168.0.0/16' }),
    subnet: z
      .union([
        existing,
        z.strictObject({ cidr, gatewayIp: z.string().regex(ipv4, 'must be an IPv4 address') }),
      ])
      .default({ cidr: '192.168.1.0/24', gatewayIp: '192.168.1.1' }),
    securityGroup: z
      .union([existing, z.strictObject({ create: z.literal(true) })])
      .default({ create: true }),
    server: z.union([
      z.strictObject({
        existingId: resourceId,
        /** Address to reach the buyer's server at, when not its first private address. */
        host: z.string().regex(ipv4, 'must be an IPv4 address').optional(),
        username: z
          .string()
          .regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'must be a Unix user name')
          .optional(),
      }),
      z.strictObject({
        imageRef: resourceId,
        flavorRef: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be a flavor id'),
        /** As `GET /v1/cloud/availability-zones` lists them; absent: ECS picks one. */
        availabilityZone: z
          .string()
          .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be an availability zone name')
          .optional(),
      }),
    ]),
    /**
     * An elastic IP for a new server, OneClick reaching the server through it (absent: through
     * its private address). Only for a server OneClick creates: PUBLIC_IP_NEEDS_NEW_SERVER.
     */
    publicIp: z
      .strictObject({
        bandwidthSize: z
          .number()
          .int('must be a whole number of Mbit/s')
          .min(1, 'must be at least 1 Mbit/s')
          .max(2000, 'must be at most 2000 Mbit/s'),
        chargeMode: z.enum(['traffic', 'bandwidth']),
      })
      .optional(),
    /**
     * Whose cloud and where: a linked account (`GET /v1/cloud-accounts`) and a region. Absent:
     * OneClick's own account and configured region.
     */
    cloud: z
      .strictObject({
        accountId: z.string().min(1).max(64).optional(),
        region: regionName.optional(),
      })
      .optional(),
    /** Huawei's rule: 8 to 26 characters. Only its length is ever reported. */
    adminPassword: z
      .string()
      .min(8, 'must be at least 8 characters')
      .max(26, 'must be at most 26 characters')
      .refine((s) => !/[\r\n\0]/.test(s), 'must be one line')
      .optional(),
  })
  // The password of a server OneClick creates goes to ECS as `adminPass` (for root): checked
  // against ECS's rules now rather than failing minutes later in the cloud step. The password
  // of the buyer's existing server is only used to log in, so ECS's rules are not its rules.
  .superRefine((body, ctx) => {
    if (body.adminPassword === undefined || 'existingId' in body.server) return;
    const problem = adminPassProblem(body.adminPassword, { username: 'root' });
    if (problem) {
      ctx.addIssue({
        code: 'custom',
        path: ['adminPassword'],
        message: `ECS password rule: ${problem}`,
      });
    }
  });

export type StartDeploymentBody = z.infer<typeof startDeploymentBody>;

/** License 1.0: the buyer's hardware ID, KooGallery's `MAC|diskId|boardId|cpuId`. */
export const hardwareIdBody = z.strictObject({
  hardwareId: z.string().min(1).max(1024),
});

const stepName = z.enum(DEPLOYMENT_STEPS);

/** One step as the database (or, under `live`, the workflow) records it. */
const stepSchema = z.object({
  step: stepName,
  status: z.enum(['running', 'succeeded', 'failed', 'skipped']),
  attempts: z.number().int(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  logTail: z.string().nullable(),
});

const byteCount = z.number().int().nonnegative();

/**
 * The running deployment as its workflow and Temporal see it; while the push, the installer or
 * the verify command runs, also that activity's latest heartbeat (`step` to `at`, together).
 */
export const liveProgressSchema = z
  .object({
    deploymentId: z.string(),
    orderRef: z.string(),
    state: deploymentStateSchema,
    steps: z.array(stepSchema),
    awaiting: z.literal('hardwareId').optional(),
    awaitingUntil: z.string().optional(),
    failure: z.object({ code: z.string(), message: z.string() }).optional(),
    pending: z
      .array(
        z.object({
          activity: z.string(),
          attempt: z.number().int(),
          maximumAttempts: z.number().int(),
          state: z.enum(['scheduled', 'started', 'cancel-requested', 'paused', 'unknown']),
          lastFailure: z.string().optional(),
        }),
      )
      .optional()
      .openapi({ description: "Temporal's pending activities of the running step" }),
    step: stepName.optional().openapi({
      description: 'The step whose activity sent the heartbeat below (push, install or verify)',
    }),
    bytesSent: byteCount.optional().openapi({ description: 'Push: bytes on the server so far' }),
    totalBytes: byteCount.optional().openapi({ description: "Push: the package's size" }),
    bytesPerSecond: byteCount
      .optional()
      .openapi({ description: 'Push: rate over the last few seconds' }),
    outputTail: z.string().optional().openapi({
      description:
        "Installer or verify command: the last ~4 KiB of its combined output, every secret OneClick knows replaced by '[redacted]'",
    }),
    at: z
      .string()
      .optional()
      .openapi({ description: 'ISO time of the heartbeat these fields come from' }),
  })
  .openapi('DeploymentLive');

/** A deployment with its recorded steps and, while it runs, its live progress. */
export const deploymentViewSchema = z
  .object({
    ...deploymentSummaryShape,
    cloud: z
      .object({ accountId: z.string().nullable(), region: z.string().nullable() })
      .nullable()
      .openapi({ description: "Which account and region it acts in (null: OneClick's own)" }),
    steps: z.array(stepSchema),
    live: liveProgressSchema.optional(),
  })
  .openapi('Deployment');

const tags = ['deployments'];
const orderId = pathParams('id');

/** Contracts of the deployment routes, under /v1/orders. */
export const deploymentContracts = {
  start: defineRoute({
    method: 'post',
    path: '/{id}/deployments',
    summary: "Start Deployment of the buyer's order (a second click answers the same one)",
    tags,
    auth: 'apiKey',
    roles: ['buyer'],
    request: { params: orderId, body: jsonBody(startDeploymentBody) },
    errors: [
      'NOT_FOUND',
      'ORDER_NOT_DEPLOYABLE',
      'ORDER_ALREADY_DEPLOYED',
      'UNAVAILABLE',
      'CLOUD_ACCOUNT_NOT_FOUND',
      'CLOUD_ACCOUNT_REQUIRED',
      'CLOUD_REGION_UNKNOWN',
      'PUBLIC_IP_NEEDS_NEW_SERVER',
    ],
    responses: {
      201: ok('The deployment, started now', deploymentViewSchema),
      200: ok('The deployment already running (or started before)', deploymentViewSchema),
    },
  }),
  current: defineRoute({
    method: 'get',
    path: '/{id}/deployments/current',
    summary: "The order's newest deployment with its steps (live progress while it runs)",
    tags,
    auth: 'apiKey',
    request: { params: orderId },
    errors: ['NOT_FOUND', 'NO_DEPLOYMENT'],
    responses: {
      200: ok(
        'The deployment; `live` while it runs, with the push bar and the output tail',
        deploymentViewSchema,
      ),
    },
  }),
  hardwareId: defineRoute({
    method: 'post',
    path: '/{id}/deployments/current/hardware-id',
    summary: "License 1.0: the buyer's hardware ID, when the server's cannot be read",
    tags,
    auth: 'apiKey',
    roles: ['buyer'],
    request: { params: orderId, body: jsonBody(hardwareIdBody) },
    errors: [
      'NOT_FOUND',
      'NO_ACTIVE_DEPLOYMENT',
      'INVALID_FINGERPRINT',
      'NOT_AWAITING_HARDWARE_ID',
      'UNAVAILABLE',
    ],
    responses: { 202: ok('Accepted: the deployment goes on with this hardware ID') },
  }),
  cancel: defineRoute({
    method: 'post',
    path: '/{id}/deployments/current/cancel',
    summary: 'Cancel the running deployment; what it created is removed',
    tags,
    auth: 'apiKey',
    roles: ['buyer', 'operator'],
    request: { params: orderId },
    errors: ['NOT_FOUND', 'NO_ACTIVE_DEPLOYMENT', 'UNAVAILABLE'],
    responses: { 202: ok('Cancellation requested', deploymentViewSchema) },
  }),
  resetHostKey: defineRoute({
    method: 'delete',
    path: '/{id}/deployments/current/host-key',
    summary:
      "Forget the SSH host key pinned for the deployment's server (it was rebuilt); the next contact pins the key it presents",
    tags,
    auth: 'apiKey',
    roles: ['buyer', 'operator'],
    request: { params: orderId },
    errors: ['NOT_FOUND', 'NO_DEPLOYMENT'],
    responses: { 204: ok('The pin is gone (or there was none); the reset is in the audit log') },
  }),
};
