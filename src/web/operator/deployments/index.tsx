import { Hono, type Context } from 'hono';
import type { WebEnv } from '../../context.js';
import type { MessageKey } from '../../i18n/index.js';
import { fieldErrors, type ApiError } from '../../api-client.js';
import { liveStream } from '../../live.js';
import { apiErrorPage } from '../../pages/errors.js';
import { listQueryOf } from './format.js';
import { BASE, fetchRecorded, listPage, rowsHtml } from './list.js';
import { detailPage, type Action, type DetailOptions, type Timeline } from './timeline.js';

/** How often the live table asks the API again (it sends rows only when they changed). */
const LIVE_EVERY_MS = 1000;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The words for an API refusal: the console's own for the codes it knows, else the API's. */
function refusal(c: Context<WebEnv>, error: ApiError): string {
  const t = c.get('t');
  const key = `operator.deployments.code.${error.code}` as MessageKey;
  const known = t(key);
  return t('operator.deployments.refused', {
    code: error.code,
    message: known === undefined ? error.message : known,
  });
}

const timelineOf = (c: Context<WebEnv>, id: string) =>
  c.get('api').get<Timeline>(`/v1/deployments/${encodeURIComponent(id)}/timeline`);

/** The deployment page for `id`, with the outcome of an action when there is one. */
async function showDeployment(
  c: Context<WebEnv>,
  id: string,
  options: DetailOptions = {},
  status: 200 | 400 | 409 | 422 = 200,
) {
  const answer = await timelineOf(c, id);
  if (!answer.ok) return apiErrorPage(c, answer.error, answer.status);
  return detailPage(c, answer.body, options, status);
}

const ACTIONS: readonly Action[] = ['retry', 'cancel', 'terminate'];

/** The operator/deployments pages (mounted by ../index.tsx; role checked by the console router). */
export function operatorDeploymentPages() {
  const app = new Hono<WebEnv>();

  app.get('/deployments', async (c) => {
    const query = listQueryOf(c.req.query());
    return listPage(c, query, await fetchRecorded(c, query));
  });

  // The table body, kept current: rendered from the same API call whenever its rows change.
  app.get('/deployments/live', (c) => {
    const query = listQueryOf(c.req.query());
    const t = c.get('t');
    return liveStream(c, {
      event: 'rows',
      everyMs: LIVE_EVERY_MS,
      snapshot: async () => rowsHtml(t, await fetchRecorded(c, query)),
    });
  });

  app.get('/deployments/:id', async (c) => {
    const t = c.get('t');
    const id = c.req.param('id');
    const done = c.req.query('done');
    const from = c.req.query('from');
    let notice: string | undefined;
    if (done === 'retry' && from && ID.test(from)) {
      notice = t('operator.deployments.done.retry', { from });
    } else if (done === 'cancel') notice = t('operator.deployments.done.cancel');
    else if (done === 'terminate') notice = t('operator.deployments.done.terminate');
    return showDeployment(c, id, notice ? { notice } : {});
  });

  // Each action acts once (its form's idempotency key), then shows its outcome on the deployment
  // page it leads to (post/redirect/get): the new deployment after a retry, this one otherwise.
  for (const action of ACTIONS) {
    app.post(`/deployments/:id/${action}`, async (c) => {
      const id = c.req.param('id');
      const form = await c.req.parseBody();
      const reason = typeof form.reason === 'string' ? form.reason.trim() : '';
      const idem = typeof form._idem === 'string' ? form._idem : undefined;
      const answer = await c
        .get('api')
        .post<{ id: string }>(
          `/v1/deployments/${encodeURIComponent(id)}/${action}`,
          reason ? { reason } : {},
          idem ? { idempotencyKey: idem } : {},
        );
      if (answer.ok) {
        const target =
          action === 'retry'
            ? `${BASE}/${encodeURIComponent(answer.body.id)}?done=retry&from=${encodeURIComponent(id)}`
            : `${BASE}/${encodeURIComponent(id)}?done=${action}`;
        return c.redirect(target, 303);
      }
      if (answer.status === 404) return apiErrorPage(c, answer.error, 404);
      const onField =
        answer.error.code === 'VALIDATION_FAILED'
          ? fieldErrors(answer.error, ['reason']).reason
          : undefined;
      const onReason = onField !== undefined;
      // A blank reason where one is required: the console's words; otherwise the API's.
      const message =
        onField === undefined
          ? refusal(c, answer.error)
          : reason
            ? onField
            : c.get('t')('operator.deployments.reasonMissing');
      const status = answer.status === 409 ? 409 : answer.status === 422 ? 422 : 400;
      return showDeployment(c, id, { refused: { action, message, onReason } }, status);
    });
  }

  return app;
}
