import { Hono, type Context } from 'hono';
import type { WebEnv } from '../context.js';
import { fieldErrors, type ApiError } from '../api-client.js';
import { liveStream } from '../live.js';
import { apiErrorPage, notFoundPage } from '../pages/errors.js';
import { cloudAccountsPage, linkPost, unlinkPost } from './cloud-accounts.js';
import { deployPage, deployPost } from './deploy.js';
import { apiOrder, isFinishedState, orderPath, ordersPath, stateOf } from './format.js';
import { livePanelHtml } from './live-panel.js';
import { orderPage, type OrderForms } from './order.js';
import { ordersPage } from './orders.js';
import type { DeploymentView, LicenseDetail } from './types.js';
import { field, refusal } from './ui.js';

/** How often the live panel asks the API again (it sends HTML only when it changed). */
const LIVE_EVERY_MS = 300;
/** Ids as the API makes them; anything else is no order of anyone's. */
const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The form's idempotency key, when it looks like one of ours. */
const idemOf = (form: Record<string, unknown>) => {
  const key = field(form, '_idem');
  return /^[\x21-\x7e]{1,255}$/.test(key) ? { idempotencyKey: key } : {};
};

/** The API's words about one field, without its path (shown beside that field). */
const fieldOnly = (error: ApiError, name: string): string => {
  const errors = fieldErrors(error, [name]);
  return errors[name] ?? errors[''] ?? error.message;
};

/** Runs `handler` for a well-formed order id; anything else is the 404 page. */
const withId =
  (handler: (c: Context<WebEnv>, id: string) => Response | Promise<Response>) =>
  (c: Context<WebEnv>) => {
    const id = c.req.param('id') ?? '';
    return ID.test(id) ? handler(c, id) : notFoundPage(c);
  };

/** A POST on the order page: act through the API, then show the order (or the form's errors). */
function orderAction(
  path: string,
  body: (form: Record<string, unknown>) => unknown,
  flash: string,
  refused: (form: Record<string, unknown>, message: string, error: ApiError) => OrderForms,
) {
  return withId(async (c, id) => {
    const form = await c.req.parseBody();
    const answer = await c.get('api').post(`${apiOrder(id)}/${path}`, body(form), idemOf(form));
    if (answer.ok) return c.redirect(`${orderPath(id)}?${flash}`, 303);
    if (answer.status === 404 && answer.error.code === 'NOT_FOUND') return notFoundPage(c);
    const message = refusal(c.get('t'), answer.error);
    return orderPage(
      c,
      id,
      refused(form, message, answer.error),
      answer.status === 409 ? 409 : 400,
    );
  });
}

/** A file the API holds, handed to the browser as a download. */
async function download(c: Context<WebEnv>, apiPath: string, fileName: string, type: string) {
  const res = await c.get('api').raw(apiPath);
  if (!res.ok) {
    const parsed = (await res.json().catch(() => undefined)) as
      { error?: { code: string; message: string } } | undefined;
    return apiErrorPage(
      c,
      parsed?.error ?? { code: 'INTERNAL', message: `the API answered ${res.status}` },
      res.status,
    );
  }
  return new Response(res.body, {
    headers: {
      'content-type': type,
      'content-disposition': `attachment; filename="${fileName}"`,
      'cache-control': 'private, no-store',
    },
  });
}

/** The buyer's pages, mounted at /console/buyer (role checked by the console router). */
export function buyerPages() {
  const app = new Hono<WebEnv>();
  app.get('/', (c) => c.redirect(ordersPath, 303));
  app.get('/orders', ordersPage);
  app.get(
    '/orders/:id',
    withId((c, id) => orderPage(c, id)),
  );

  // The live panel: the deployment as the API answers it, sent again whenever it changed.
  app.get(
    '/orders/:id/live',
    withId(async (c, id) => {
      const t = c.get('t');
      const api = c.get('api');
      const path = `${apiOrder(id)}/deployments/current`;
      const first = await api.get<DeploymentView>(path);
      if (!first.ok) return apiErrorPage(c, first.error, first.status);
      let pending: DeploymentView | undefined = first.body;
      let finished = false;
      let last = '';
      return liveStream(c, {
        event: 'progress',
        everyMs: LIVE_EVERY_MS,
        snapshot: async () => {
          let d = pending;
          pending = undefined;
          if (!d) {
            const again = await api.get<DeploymentView>(path);
            // Gone or refused now: the last panel stands, and the stream ends.
            if (!again.ok) {
              finished = true;
              return last;
            }
            d = again.body;
          }
          finished = isFinishedState(stateOf(d));
          last = await livePanelHtml(t, d);
          return last;
        },
        done: () => finished,
      });
    }),
  );

  app.post(
    '/orders/:id/cancel',
    orderAction(
      'deployments/current/cancel',
      () => undefined,
      'cancelling',
      (_f, m) => ({
        cancel: m,
      }),
    ),
  );
  app.post(
    '/orders/:id/hardware-id',
    orderAction(
      'deployments/current/hardware-id',
      (form) => ({ hardwareId: field(form, 'hardwareId').slice(0, 2048) }),
      'hardwareId',
      (form, m, error) => ({
        hardwareId: {
          value: field(form, 'hardwareId').slice(0, 2048),
          error: error.code === 'VALIDATION_FAILED' ? fieldOnly(error, 'hardwareId') : m,
        },
      }),
    ),
  );
  app.post(
    '/orders/:id/accept',
    orderAction(
      'supervision/accept',
      () => undefined,
      'accepted',
      (_f, m) => ({ accept: m }),
    ),
  );
  app.post(
    '/orders/:id/reject',
    orderAction(
      'supervision/reject',
      (form) => ({ reason: field(form, 'reason').slice(0, 4000) }),
      'rejected',
      (form, m, error) => ({
        reject: {
          value: field(form, 'reason').slice(0, 4000),
          error: error.code === 'VALIDATION_FAILED' ? fieldOnly(error, 'reason') : m,
        },
      }),
    ),
  );

  // License 1.0's license file, from the API's license record.
  app.get(
    '/orders/:id/license/:licenseId',
    withId(async (c, id) => {
      const licenseId = c.req.param('licenseId') ?? '';
      if (!ID.test(licenseId)) return notFoundPage(c);
      const api = c.get('api');
      const [order, license] = await Promise.all([
        api.get<{ orderId: string }>(apiOrder(id)),
        api.get<LicenseDetail>(`/v1/licenses/${encodeURIComponent(licenseId)}`),
      ]);
      if (!order.ok) return apiErrorPage(c, order.error, order.status);
      if (!license.ok) return apiErrorPage(c, license.error, license.status);
      const doc = license.body.document;
      if (license.body.orderId !== id || typeof doc !== 'string' || !doc) return notFoundPage(c);
      const name = `license-${order.body.orderId.replace(/[^A-Za-z0-9_-]/g, '')}.jws`;
      return new Response(doc, {
        headers: {
          'content-type': 'application/jose; charset=utf-8',
          'content-disposition': `attachment; filename="${name}"`,
          'cache-control': 'private, no-store',
        },
      });
    }),
  );
  app.get(
    '/orders/:id/evidence.html',
    withId((c, id) =>
      download(
        c,
        `${apiOrder(id)}/deployments/current/evidence.html`,
        `evidence-${id}.html`,
        'text/html; charset=utf-8',
      ),
    ),
  );
  app.get(
    '/orders/:id/evidence.json',
    withId((c, id) =>
      download(
        c,
        `${apiOrder(id)}/deployments/current/evidence`,
        `evidence-${id}.json`,
        'application/json; charset=utf-8',
      ),
    ),
  );

  app.get(
    '/orders/:id/deploy',
    withId((c, id) => deployPage(c, id)),
  );
  app.post(
    '/orders/:id/deploy',
    withId((c, id) => deployPost(c, id)),
  );

  app.get('/cloud-accounts', (c) => cloudAccountsPage(c));
  app.post('/cloud-accounts', linkPost);
  app.post('/cloud-accounts/:accountId/unlink', (c) => unlinkPost(c, c.req.param('accountId')));
  return app;
}
