import type { EvidenceService } from '../../evidence/evidence-service.js';
import { EVIDENCE_HTML_CSP } from '../../evidence/html.js';
import { defineRoute, ok, pathParams, resourceRoutes } from '../contract.js';
import { visibleOrder } from './orders.js';

/**
 * Delivery evidence of an order's delivered deployment, under /v1/orders: the signed document as
 * JSON, and the same evidence as a page. The order's buyer, its seller and operators see it.
 */
const tags = ['deployments'];
const errors = ['NOT_FOUND', 'NO_DELIVERY'] as const;

export const evidenceContracts = {
  json: defineRoute({
    method: 'get',
    path: '/{id}/deployments/current/evidence',
    summary:
      "Delivery evidence of the order's delivered deployment: the document and its compact JWS, signed with the seller's license key (check it with /.well-known/jwks.json)",
    tags,
    auth: 'apiKey',
    request: { params: pathParams('id') },
    errors,
    responses: { 200: ok('`{ document, jws }`') },
  }),
  html: defineRoute({
    method: 'get',
    path: '/{id}/deployments/current/evidence.html',
    summary: 'The delivery evidence as a readable page (with its JWS)',
    tags,
    auth: 'apiKey',
    request: { params: pathParams('id') },
    errors,
    responses: {
      200: {
        description: 'The evidence page',
        content: { 'text/html': { schema: { type: 'string' as const } } },
      },
    },
  }),
};

/** The evidence routes over the evidence service. */
export function evidenceRoutes(evidence: EvidenceService) {
  return resourceRoutes()
    .openapi(evidenceContracts.json, async (c) => {
      const order = await visibleOrder(c, c.req.param('id'));
      const { document, jws } = await evidence.forOrder(order.id);
      c.header('cache-control', 'private, no-cache');
      return c.json({ document, jws }, 200);
    })
    .openapi(evidenceContracts.html, async (c) => {
      const order = await visibleOrder(c, c.req.param('id'));
      const { html } = await evidence.forOrder(order.id);
      c.header('content-security-policy', EVIDENCE_HTML_CSP);
      c.header('x-content-type-options', 'nosniff');
      c.header('referrer-policy', 'no-referrer');
      c.header('cache-control', 'private, no-cache');
      return c.html(html, 200);
    });
}
