import { defineRoute, ok, resourceRoutes } from '../contract.js';

/** Who the presented key belongs to: lets a client check its key and role. */
export function meRoutes() {
  const route = defineRoute({
    method: 'get',
    path: '/',
    summary: 'The principal of this API key',
    tags: ['auth'],
    auth: 'apiKey',
    errors: [],
    responses: { 200: ok('The principal') },
  });
  return resourceRoutes().openapi(route, (c) => c.json(c.get('principal')));
}
