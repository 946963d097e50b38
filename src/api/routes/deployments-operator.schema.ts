import { z } from '@hono/zod-openapi';
import { DEPLOYMENT_STEPS } from '../../domain/deployment.js';
import { defineRoute, jsonBody, ok, pathParams } from '../contract.js';
import { pageQuery } from '../cursor.js';

/** Schemas and contracts of the operator's deployment routes (`deployments-operator.ts`). */

/**
 * An id as OneClick hands them out (`sel_…`, `prd_…`, `ord_…`): what may reach the visibility
 * query. Anything else (quotes, spaces, operators) is refused here, before any query is built.
 */
const plainId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be an id (letters, digits, _ -)');

/** What DeploymentStatus holds: the deployment's own status as the workflow publishes it. */
export const DEPLOYMENT_STATUSES = ['running', 'succeeded', 'failed', 'cancelled'] as const;

export const listDeploymentsQuery = z.object({
  status: z.enum(DEPLOYMENT_STATUSES).optional().openapi({ description: 'DeploymentStatus' }),
  step: z.enum(DEPLOYMENT_STEPS).optional().openapi({ description: 'DeploymentStep' }),
  sellerId: plainId.optional().openapi({ description: 'SellerId' }),
  productId: plainId.optional().openapi({ description: 'ProductId' }),
  orderId: plainId.optional().openapi({ description: 'OrderId' }),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,4096}$/, 'not a cursor this API handed out')
    .optional()
    .openapi({ description: 'The `next` of the previous page, as given, with the same filters' }),
});

/**
 * The same filters over OneClick's own records (`GET /v1/deployments/recorded`): a keyset cursor,
 * which continues after its row whatever the filters.
 */
export const listRecordedQuery = z.object({
  status: z.enum(DEPLOYMENT_STATUSES).optional().openapi({
    description: '`running` (at any step) or how the deployment ended',
  }),
  step: z
    .enum(DEPLOYMENT_STEPS)
    .optional()
    .openapi({ description: 'The step it is at, or the step it ended at' }),
  sellerId: plainId.optional(),
  productId: plainId.optional(),
  orderId: plainId.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: pageQuery.cursor,
});

const reason = z
  .string()
  .min(1)
  .max(500)
  .regex(/^[^\r\n\0]*[^\s\0][^\r\n\0]*$/, 'must be one line of text, not blank');

/** Why an operator retries or cancels (optional) or terminates (required); kept in the audit log. */
export const optionalReasonBody = z.strictObject({ reason: reason.optional() });
export const reasonBody = z.strictObject({ reason });

const tags = ['operators'];
const deploymentId = pathParams('deploymentId');

/** Contracts of the operator's routes, under /v1/deployments. */
export const operatorContracts = {
  list: defineRoute({
    method: 'get',
    path: '/',
    summary:
      'Deployments as Temporal visibility lists them, newest first, filtered on the search attributes (operators)',
    tags,
    auth: 'apiKey',
    roles: ['operator'],
    request: { query: listDeploymentsQuery },
    errors: ['UNAVAILABLE'],
    responses: { 200: ok('A page of deployment runs and the `cursor` of the next (`next`)') },
  }),
  recorded: defineRoute({
    method: 'get',
    path: '/recorded',
    summary:
      "Deployments as OneClick recorded them, newest first, with their order's seller and product and the step each is at or ended at; the visibility list's filters, read from OneClick's database alone (operators)",
    tags,
    auth: 'apiKey',
    roles: ['operator'],
    request: { query: listRecordedQuery },
    errors: [],
    responses: {
      200: ok('A page of deployments, newest first, and the `cursor` of the next (`next`)'),
    },
  }),
  timeline: defineRoute({
    method: 'get',
    path: '/{deploymentId}/timeline',
    summary:
      "One deployment's workflow history as a timeline: steps, activities, attempts, durations and decoded failures (operators)",
    tags,
    auth: 'apiKey',
    roles: ['operator'],
    request: { params: deploymentId },
    errors: ['NOT_FOUND', 'UNAVAILABLE'],
    responses: { 200: ok('The timeline') },
  }),
  retry: defineRoute({
    method: 'post',
    path: '/{deploymentId}/retry',
    summary:
      'A new deployment of a failed or cancelled order, from the request it was started with (operators; audited)',
    tags,
    auth: 'apiKey',
    roles: ['operator'],
    request: { params: deploymentId, body: jsonBody(optionalReasonBody) },
    errors: [
      'NOT_FOUND',
      'DEPLOYMENT_RUNNING',
      'ORDER_ALREADY_DEPLOYED',
      'ORDER_NOT_DEPLOYABLE',
      'RETRY_NEEDS_PASSWORD',
      'UNAVAILABLE',
    ],
    responses: { 201: ok('The new deployment, started') },
  }),
  cancel: defineRoute({
    method: 'post',
    path: '/{deploymentId}/cancel',
    summary:
      'Cancel a running deployment: the workflow compensates, removing what it created (operators; audited)',
    tags,
    auth: 'apiKey',
    roles: ['operator'],
    request: { params: deploymentId, body: jsonBody(optionalReasonBody) },
    errors: ['NOT_FOUND', 'DEPLOYMENT_NOT_RUNNING', 'UNAVAILABLE'],
    responses: { 202: ok('Cancellation requested') },
  }),
  terminate: defineRoute({
    method: 'post',
    path: '/{deploymentId}/terminate',
    summary:
      'Terminate a running deployment at once, WITHOUT compensation: what it created (cloud resources, its SSH key) stays; recorded failed TERMINATED (operators; audited)',
    tags,
    auth: 'apiKey',
    roles: ['operator'],
    request: { params: deploymentId, body: jsonBody(reasonBody) },
    errors: ['NOT_FOUND', 'DEPLOYMENT_NOT_RUNNING', 'UNAVAILABLE'],
    responses: { 200: ok('Terminated; the deployment as now recorded') },
  }),
};
