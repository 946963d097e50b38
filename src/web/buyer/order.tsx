import type { Context } from 'hono';
import type { FC } from 'hono/jsx';
import type { WebEnv } from '../context.js';
import { csrfToken } from '../csrf.js';
import { newFormKey, type ApiAnswer } from '../api-client.js';
import type { Translate } from '../i18n/index.js';
import { CsrfField, Field, describedBy, page, supervisionLabel } from '../layout.js';
import { apiErrorPage } from '../pages/errors.js';
import {
  apiOrder,
  awaitingOf,
  deployAction,
  isFinishedState,
  orderPath,
  ordersPath,
  productName,
  stateOf,
} from './format.js';
import { LivePanel } from './live-panel.js';
import type {
  DeploymentView,
  EvidenceView,
  LicenseDetail,
  LicenseSummary,
  OrderView,
  Page,
  SupervisionEvent,
  SupervisionView,
} from './types.js';
import {
  Flash,
  FormError,
  SCRIPTS,
  STYLES,
  SupervisionBadge,
  TableWrap,
  When,
  modelLabel,
  orderStatusLabel,
} from './ui.js';

/**
 * One purchased service: the order and its supervision state and history, the current
 * deployment as a live panel (with Cancel, and the hardware-ID form when it waits for one), the
 * result (the License 2.0 code, or the License 1.0 license file and its fingerprint), the
 * delivery evidence, and accepting or rejecting a License 1.0 delivery.
 */

/** What a form posted on this page left to show beside it (its values and errors). */
export interface OrderForms {
  hardwareId?: { value: string; error: string };
  reject?: { value: string; error: string };
  /** A refusal of Accept or Cancel (no field to put it beside). */
  accept?: string;
  cancel?: string;
}

const FLASHES = ['started', 'cancelling', 'hardwareId', 'accepted', 'rejected'] as const;

interface Loaded {
  order: OrderView;
  supervision: SupervisionView;
  deployment: DeploymentView | undefined;
  licenses: LicenseDetail[];
  evidence: EvidenceView | undefined;
}

/** Everything the page shows, from the API; a refusal of the order itself is the answer. */
async function load(
  c: Context<WebEnv>,
  id: string,
): Promise<{ ok: true; data: Loaded } | { ok: false; answer: ApiAnswer<unknown> & { ok: false } }> {
  const api = c.get('api');
  const [order, supervision, current, licenses] = await Promise.all([
    api.get<OrderView>(apiOrder(id)),
    api.get<SupervisionView>(`${apiOrder(id)}/supervision`),
    api.get<DeploymentView>(`${apiOrder(id)}/deployments/current`),
    api.get<Page<LicenseSummary>>('/v1/licenses', { orderId: id, limit: 10 }),
  ]);
  if (!order.ok) return { ok: false, answer: order };
  if (!supervision.ok) return { ok: false, answer: supervision };
  const deployment = current.ok ? current.body : undefined;
  const [details, evidence] = await Promise.all([
    Promise.all(
      (licenses.ok ? licenses.body.items : []).map(async (l) => {
        const d = await api.get<LicenseDetail>(`/v1/licenses/${encodeURIComponent(l.id)}`);
        return d.ok ? d.body : l;
      }),
    ),
    deployment?.state === 'succeeded'
      ? api.get<EvidenceView>(`${apiOrder(id)}/deployments/current/evidence`)
      : undefined,
  ]);
  return {
    ok: true,
    data: {
      order: order.body,
      supervision: supervision.body,
      deployment,
      licenses: details,
      evidence: evidence?.ok ? evidence.body : undefined,
    },
  };
}

export async function orderPage(
  c: Context<WebEnv>,
  id: string,
  forms: OrderForms = {},
  status: 200 | 400 | 409 = 200,
) {
  const t = c.get('t');
  const loaded = await load(c, id);
  if (!loaded.ok) return apiErrorPage(c, loaded.answer.error, loaded.answer.status);
  const { order: o, supervision: s, deployment: d, licenses, evidence } = loaded.data;
  const q = c.req.query();
  const flash = FLASHES.find((f) => q[f] !== undefined);
  const latest = d ? stateOf(d) : undefined;
  const action = deployAction({ ...o, supervision: { ...o.supervision, state: s.state } }, latest);
  const token = csrfToken(c);
  const running = latest !== undefined && !isFinishedState(latest);
  const awaiting = d ? awaitingOf(d) : undefined;
  const accepting = s.licenseModel === 'license1' && s.state === 'seller_confirmed';
  // A refusal whose form is no longer on the page (the state moved on) is said at the top.
  const orphan = [
    !running && forms.cancel,
    awaiting !== 'hardwareId' && forms.hardwareId?.error,
    !accepting && forms.accept,
    !accepting && forms.reject?.error,
  ].find((m): m is string => typeof m === 'string' && m !== '');
  return page(
    c,
    {
      title: t('buyer.order.title', { order: o.orderId }),
      styles: STYLES,
      scripts: SCRIPTS,
      children: (
        <>
          <p>
            <a href={ordersPath}>{t('buyer.order.back')}</a>
          </p>
          <Flash text={flash && t(`buyer.order.flash.${flash}`)} />
          <Flash text={orphan} tone="bad" />
          <h2>{t('buyer.order.facts')}</h2>
          <dl class="facts">
            <dt>{t('buyer.order.product')}</dt>
            <dd>{productName(o)}</dd>
            <dt>{t('buyer.order.model')}</dt>
            <dd>{modelLabel(t, s.licenseModel)}</dd>
            <dt>{t('buyer.order.supervision')}</dt>
            <dd>
              <SupervisionBadge t={t} state={s.state} id="supervision-state" />
            </dd>
            <dt>{t('buyer.order.status')}</dt>
            <dd>{orderStatusLabel(t, o.status)}</dd>
            <dt>{t('buyer.order.line')}</dt>
            <dd class="mono">{o.orderLineId}</dd>
            <dt>{t('buyer.order.purchased')}</dt>
            <dd>
              <When t={t} at={o.createdAt} />
            </dd>
            {o.expireTime && (
              <>
                <dt>{t('buyer.order.expires')}</dt>
                <dd>
                  <When t={t} at={o.expireTime} />
                </dd>
              </>
            )}
          </dl>
          {action === 'start' && (
            <p class="order-actions">
              <a class="button" href={`${orderPath(o.id)}/deploy`}>
                {d ? t('buyer.order.startAgain') : t('buyer.orders.start')}
              </a>
            </p>
          )}
          {d && <DeploymentSection c={c} order={o} d={d} forms={forms} token={token} />}
          {licenses.length > 0 && <LicenseSection t={t} order={o} licenses={licenses} />}
          {evidence && <EvidenceSection t={t} order={o} evidence={evidence} />}
          {accepting && <AcceptanceSection t={t} order={o} s={s} forms={forms} token={token} />}
          <History c={c} events={s.history} />
        </>
      ),
    },
    status,
  );
}

const DeploymentSection: FC<{
  c: Context<WebEnv>;
  order: OrderView;
  d: DeploymentView;
  forms: OrderForms;
  token: string;
}> = ({ c, order, d, forms, token }) => {
  const t = c.get('t');
  const state = stateOf(d);
  const running = !isFinishedState(state);
  const awaiting = awaitingOf(d);
  return (
    <section id="deployment" aria-labelledby="deployment-title">
      <h2 id="deployment-title">{t('buyer.deployment.title')}</h2>
      <dl class="facts">
        <dt>{t('buyer.deployment.id')}</dt>
        <dd class="mono">{d.id}</dd>
        <dt>{t('buyer.deployment.started')}</dt>
        <dd>
          <When t={t} at={d.createdAt} />
        </dd>
        {d.cloud?.region && (
          <>
            <dt>{t('buyer.deployment.region')}</dt>
            <dd class="mono">{d.cloud.region}</dd>
          </>
        )}
        {d.finishedAt && (
          <>
            <dt>{t('buyer.deployment.finished')}</dt>
            <dd>
              <When t={t} at={d.finishedAt} />
            </dd>
          </>
        )}
      </dl>
      {running ? (
        <div
          id="deployment-live"
          hx-ext="sse"
          sse-connect={`${orderPath(order.id)}/live`}
          sse-swap="progress"
          hx-swap="innerHTML"
        >
          <LivePanel t={t} deployment={d} />
        </div>
      ) : (
        <div id="deployment-live">
          <LivePanel t={t} deployment={d} />
        </div>
      )}
      {/* Filled by buyer.js as the state changes, so a screen reader hears each step once. */}
      <p class="visually-hidden" role="status" id="deployment-announce"></p>
      {running && (
        <p class="hint no-js-refresh">
          <a href={`${orderPath(order.id)}#deployment`}>{t('buyer.deployment.refresh')}</a>
        </p>
      )}
      {awaiting === 'hardwareId' && (
        <HardwareIdForm
          t={t}
          order={order}
          until={d.live?.awaitingUntil}
          state={forms.hardwareId}
          token={token}
        />
      )}
      {running && (
        <form
          method="post"
          action={`${orderPath(order.id)}/cancel`}
          class="cancel-form"
          data-confirm={t('buyer.deployment.cancelConfirm')}
        >
          <CsrfField token={token} />
          <input type="hidden" name="_idem" value={newFormKey()} />
          <FormError text={forms.cancel} />
          <button type="submit" class="danger">
            {t('buyer.deployment.cancel')}
          </button>
        </form>
      )}
    </section>
  );
};

const HardwareIdForm: FC<{
  t: Translate;
  order: OrderView;
  until: string | undefined;
  state: OrderForms['hardwareId'];
  token: string;
}> = ({ t, order, until, state, token }) => {
  const hint = t('buyer.hardwareId.hint');
  return (
    <section class="hardware-id" aria-labelledby="hardware-id-title">
      <h3 id="hardware-id-title">{t('buyer.hardwareId.title')}</h3>
      <p>
        {t('buyer.hardwareId.intro')}
        {until && (
          <>
            {' '}
            {t('buyer.hardwareId.until')} <When t={t} at={until} />
          </>
        )}
      </p>
      <form method="post" action={`${orderPath(order.id)}/hardware-id#hardware-id-title`}>
        <CsrfField token={token} />
        <input type="hidden" name="_idem" value={newFormKey()} />
        <Field
          name="hardwareId"
          label={t('buyer.hardwareId.label')}
          error={state?.error}
          hint={hint}
        >
          <input
            id="f-hardwareId"
            name="hardwareId"
            class="mono"
            required
            maxlength={1024}
            autocomplete="off"
            spellcheck={false}
            value={state?.value ?? ''}
            aria-invalid={state?.error ? 'true' : undefined}
            aria-describedby={describedBy('hardwareId', state?.error, hint)}
          />
        </Field>
        <button type="submit">{t('buyer.hardwareId.submit')}</button>
      </form>
    </section>
  );
};

const LicenseSection: FC<{ t: Translate; order: OrderView; licenses: LicenseDetail[] }> = ({
  t,
  order,
  licenses,
}) => (
  <section id="license" aria-labelledby="license-title">
    <h2 id="license-title">{t('buyer.license.title')}</h2>
    {licenses.map((l, i) => {
      const codeId = `license-code-${i}`;
      return (
        <dl class="facts license" data-license={l.id}>
          <dt>{t('buyer.license.status')}</dt>
          <dd>
            <span class={`badge ${l.revokedAt ? 'bad' : 'ok'}`}>
              {t(l.revokedAt ? 'buyer.license.revoked' : 'buyer.license.valid')}
            </span>
          </dd>
          {l.model === 'license2' && typeof l.code === 'string' && (
            <>
              <dt>{t('buyer.license.code')}</dt>
              <dd class="code-box">
                <code id={codeId} class="license-code" hidden>
                  {l.code}
                </code>
                <span class="masked" aria-hidden="true">
                  ••••-••••-••••
                </span>{' '}
                <button
                  type="button"
                  class="secondary"
                  data-reveal={`#${codeId}`}
                  aria-controls={codeId}
                  aria-expanded="false"
                  data-show-label={t('common.reveal')}
                  data-hide-label={t('common.hide')}
                >
                  {t('common.reveal')}
                </button>{' '}
                <button
                  type="button"
                  class="secondary"
                  data-copy={`#${codeId}`}
                  data-copied={t('common.copied')}
                >
                  {t('common.copy')}
                </button>
              </dd>
            </>
          )}
          {l.model === 'license1' && (
            <>
              <dt>{t('buyer.license.file')}</dt>
              <dd>
                {typeof l.document === 'string' && l.document ? (
                  <a
                    href={`${orderPath(order.id)}/license/${encodeURIComponent(l.id)}`}
                    download={`license-${order.orderId}.jws`}
                  >
                    {t('buyer.license.download')}
                  </a>
                ) : (
                  t('buyer.license.noFile')
                )}
              </dd>
              <dt>{t('buyer.license.fingerprint')}</dt>
              <dd class="mono" id={`license-fingerprint-${i}`}>
                {l.fingerprint ?? t('buyer.license.noFingerprint')}
              </dd>
            </>
          )}
          {l.expiresAt && (
            <>
              <dt>{t('buyer.license.expires')}</dt>
              <dd>
                <When t={t} at={l.expiresAt} />
              </dd>
            </>
          )}
        </dl>
      );
    })}
  </section>
);

const EvidenceSection: FC<{ t: Translate; order: OrderView; evidence: EvidenceView }> = ({
  t,
  order,
  evidence,
}) => {
  const doc = evidence.document ?? {};
  return (
    <section id="evidence" aria-labelledby="evidence-title">
      <h2 id="evidence-title">{t('buyer.evidence.title')}</h2>
      <p>{t('buyer.evidence.intro')}</p>
      <dl class="facts">
        {doc.server?.address && (
          <>
            <dt>{t('buyer.evidence.server')}</dt>
            <dd class="mono">{doc.server.address}</dd>
          </>
        )}
        {doc.server?.hostKeyFingerprint && (
          <>
            <dt>{t('buyer.evidence.hostKey')}</dt>
            <dd class="mono">{doc.server.hostKeyFingerprint}</dd>
          </>
        )}
        {doc.package?.sha256 && (
          <>
            <dt>{t('buyer.evidence.package')}</dt>
            <dd class="mono">
              {doc.package.fileName ? `${doc.package.fileName} · ` : ''}sha256:
              {doc.package.sha256}
            </dd>
          </>
        )}
      </dl>
      <ul class="downloads">
        <li>
          <a href={`${orderPath(order.id)}/evidence.html`} download={`evidence-${order.id}.html`}>
            {t('buyer.evidence.html')}
          </a>
        </li>
        <li>
          <a href={`${orderPath(order.id)}/evidence.json`} download={`evidence-${order.id}.json`}>
            {t('buyer.evidence.json')}
          </a>
        </li>
      </ul>
    </section>
  );
};

const AcceptanceSection: FC<{
  t: Translate;
  order: OrderView;
  s: SupervisionView;
  forms: OrderForms;
  token: string;
}> = ({ t, order, s, forms, token }) => {
  const reasonHint = t('buyer.acceptance.reasonHint');
  const error = forms.reject?.error;
  return (
    <section id="acceptance" aria-labelledby="acceptance-title">
      <h2 id="acceptance-title">{t('buyer.acceptance.title')}</h2>
      <p>{t('buyer.acceptance.intro')}</p>
      {s.confirmation && (
        <dl class="facts">
          <dt>{t('buyer.acceptance.description')}</dt>
          <dd>{s.confirmation.description}</dd>
          <dt>{t('buyer.acceptance.confirmedAt')}</dt>
          <dd>
            <When t={t} at={s.confirmation.confirmedAt} />
          </dd>
          {s.confirmation.activationTime && (
            <>
              <dt>{t('buyer.acceptance.activationTime')}</dt>
              <dd>
                <When t={t} at={s.confirmation.activationTime} />
              </dd>
            </>
          )}
          {s.acceptanceDueAt && (
            <>
              <dt>{t('buyer.acceptance.due')}</dt>
              <dd>
                <When t={t} at={s.acceptanceDueAt} />
              </dd>
            </>
          )}
        </dl>
      )}
      <div class="acceptance-forms">
        <form
          method="post"
          action={`${orderPath(order.id)}/accept#acceptance-title`}
          data-confirm={t('buyer.acceptance.acceptConfirm')}
        >
          <CsrfField token={token} />
          <input type="hidden" name="_idem" value={newFormKey()} />
          <FormError text={forms.accept} />
          <button type="submit">{t('buyer.acceptance.accept')}</button>
        </form>
        <form method="post" action={`${orderPath(order.id)}/reject#acceptance-title`}>
          <CsrfField token={token} />
          <input type="hidden" name="_idem" value={newFormKey()} />
          <Field name="reason" label={t('buyer.acceptance.reason')} error={error} hint={reasonHint}>
            <textarea
              id="f-reason"
              name="reason"
              required
              maxlength={1000}
              aria-invalid={error ? 'true' : undefined}
              aria-describedby={describedBy('reason', error, reasonHint)}
            >
              {forms.reject?.value ?? ''}
            </textarea>
          </Field>
          <button type="submit" class="danger">
            {t('buyer.acceptance.reject')}
          </button>
        </form>
      </div>
    </section>
  );
};

const History: FC<{ c: Context<WebEnv>; events: SupervisionEvent[] }> = ({ c, events }) => {
  const t = c.get('t');
  const me = c.get('session')?.principal.id;
  const actor = (a: string | null) =>
    a === me
      ? t('buyer.history.you')
      : a === null || a === 'system'
        ? t('buyer.history.system')
        : t('buyer.history.other');
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">{t('buyer.history.title')}</h2>
      {events.length === 0 ? (
        <p>{t('buyer.history.none')}</p>
      ) : (
        <TableWrap label={t('buyer.history.title')}>
          <table class="history">
            <caption class="visually-hidden">{t('buyer.history.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('buyer.history.when')}</th>
                <th scope="col">{t('buyer.history.state')}</th>
                <th scope="col">{t('buyer.history.by')}</th>
                <th scope="col">{t('buyer.history.note')}</th>
              </tr>
            </thead>
            <tbody>
              {[...events].reverse().map((e) => {
                const reason = typeof e.detail?.reason === 'string' ? e.detail.reason : undefined;
                return (
                  <tr>
                    <td>
                      <When t={t} at={e.at} />
                    </td>
                    <td>
                      {e.fromState && e.fromState !== e.toState
                        ? t('buyer.history.transition', {
                            from: supervisionLabel(t, e.fromState),
                            to: supervisionLabel(t, e.toState),
                          })
                        : supervisionLabel(t, e.toState)}
                    </td>
                    <td>{actor(e.actor)}</td>
                    <td>
                      {e.note}
                      {reason && (
                        <>
                          {e.note ? ' ' : ''}
                          {t('buyer.history.reason', { reason })}
                        </>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
};
