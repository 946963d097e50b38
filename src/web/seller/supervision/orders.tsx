import type { Context } from 'hono';
import { jsx, type FC } from 'hono/jsx';
import type { WebEnv } from '../../context.js';
import { csrfToken } from '../../csrf.js';
import { fieldErrors, newFormKey, type ApiError } from '../../api-client.js';
import type { Translate } from '../../i18n/index.js';
import { CsrfField, Field, Pager, describedBy, page, supervisionLabel } from '../../layout.js';
import { apiErrorPage } from '../../pages/errors.js';
import { liveStream } from '../../live.js';
import { supervisionFlows, type LicenseModel } from '../../../domain/supervision.js';
import { localTimeToIso, MAX_REPORT_BYTES, REPORT_TYPES, utcText } from './format.js';
import {
  Flash,
  SCRIPTS,
  STYLES,
  StateBadge,
  TableWrap,
  When,
  apiText,
  field,
  formOf,
  known,
} from './ui.js';

/**
 * The seller's orders under service supervision: the list (the API's cursor, 20 a page) and one
 * order with its state and history, the delivery evidence, Confirm completion (with the report
 * uploaded by seller-supervision.js through /console/seller/report-upload), Deliver again after a
 * rejection, and revoking the order's license.
 */

const BASE = '/console/seller/orders';
const PAGE_SIZE = 20;

interface Order {
  id: string;
  orderId: string;
  orderLineId: string;
  productId: string;
  skuCode: string | null;
  status: string;
  expireTime: string | null;
  testFlag: boolean;
  supervision: { licenseModel: LicenseModel; state: string; serviceStartTime: string | null };
  createdAt: string;
}

interface Confirmation {
  description: string;
  activationTime: string | null;
  report:
    | { kind: 'upload'; sha256: string; fileName: string; contentType: string; sizeBytes: number }
    | { kind: 'generated-evidence'; deploymentId: string; sha256: string };
  confirmedBy: string;
  confirmedAt: string;
}

interface HistoryEvent {
  id: number;
  fromState: string | null;
  toState: string;
  note: string | null;
  actor: string | null;
  detail: Record<string, unknown> | null;
  at: string;
  report: {
    reportedAt: string | null;
    attempts: number;
    error: string | null;
    abandonedAt: string | null;
  };
}

interface Supervision {
  licenseModel: LicenseModel;
  state: string;
  serviceStartTime: string | null;
  confirmation: Confirmation | null;
  acceptanceDueAt: string | null;
  history: HistoryEvent[];
}

interface Evidence {
  document: {
    deployment: { id: string; state: string; startedAt: string; finishedAt: string | null };
    server: { id: string | null; address: string | null; hostKeyFingerprint: string | null };
    package: { fileName: string | null; sha256: string; sizeBytes: number | null } | null;
    license: { id: string; model: string; status: string } | null;
    steps: {
      step: string;
      status: string;
      attempts: number;
      startedAt: string;
      endedAt: string | null;
    }[];
  };
}

interface License {
  id: string;
  model: string;
  status: string;
  expiresAt: string | null;
  fingerprint: string | null;
  kid: string | null;
  revokedAt: string | null;
  revokeReason: string | null;
}

interface Product {
  id: string;
  name: string;
}

const orderPath = (id: string) => `${BASE}/${encodeURIComponent(id)}`;
const apiOrder = (id: string) => `/v1/orders/${encodeURIComponent(id)}`;

export async function ordersListPage(c: Context<WebEnv>) {
  const t = c.get('t');
  const api = c.get('api');
  const cursor = c.req.query('cursor');
  const [orders, products] = await Promise.all([
    api.get<{ items: Order[]; next: string | null }>('/v1/orders', { limit: PAGE_SIZE, cursor }),
    api.get<{ items: Product[] }>('/v1/products'),
  ]);
  if (!orders.ok) return apiErrorPage(c, orders.error, orders.status);
  const names = new Map((products.ok ? products.body.items : []).map((p) => [p.id, p.name]));
  const { items, next } = orders.body;
  return page(c, {
    title: t('seller.supervision.orders.title'),
    styles: STYLES,
    children: (
      <>
        <p>{t('seller.supervision.orders.intro')}</p>
        {items.length === 0 ? (
          <p>{t('seller.supervision.orders.none')}</p>
        ) : (
          <TableWrap label={t('seller.supervision.orders.caption')}>
            <table class="orders">
              <caption>{t('seller.supervision.orders.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('seller.supervision.orders.col.order')}</th>
                  <th scope="col">{t('seller.supervision.orders.col.product')}</th>
                  <th scope="col">{t('seller.supervision.orders.col.model')}</th>
                  <th scope="col">{t('seller.supervision.orders.col.supervision')}</th>
                  <th scope="col">{t('seller.supervision.orders.col.status')}</th>
                  <th scope="col">{t('common.created')}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((o) => (
                  <tr>
                    <th scope="row">
                      <a href={orderPath(o.id)} class="mono">
                        {o.orderId}
                      </a>
                      {o.testFlag && (
                        <>
                          {' '}
                          <span class="badge muted">{t('seller.supervision.test')}</span>
                        </>
                      )}
                    </th>
                    <td>{names.get(o.productId) ?? o.productId}</td>
                    <td>{modelLabel(t, o.supervision.licenseModel)}</td>
                    <td>
                      <StateBadge t={t} state={o.supervision.state} />
                    </td>
                    <td>{known(t, `orderStatus.${o.status}`, o.status)}</td>
                    <td>
                      <When t={t} at={o.createdAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
        <Pager
          label={t('seller.supervision.orders.pages')}
          firstHref={cursor ? BASE : undefined}
          firstText={t('seller.supervision.firstPage')}
          nextHref={next ? `${BASE}?cursor=${encodeURIComponent(next)}` : undefined}
          nextText={t('common.next')}
        />
      </>
    ),
  });
}

const modelLabel = (t: Translate, model: string) => known(t, `licenseModel.${model}`, model);

interface FormState {
  values: Record<string, string>;
  errors: Record<string, string>;
}

interface OrderForms {
  confirm?: FormState;
  revoke?: FormState;
  /** A refusal of "Deliver again", shown above its button. */
  redeliver?: string;
}

/** Whether the order's next supervision step is the seller's confirmation of completion. */
const awaitsConfirmation = (s: Supervision) => {
  const next: Record<string, readonly string[]> = supervisionFlows[s.licenseModel].transitions;
  return (next[s.state] ?? []).some((to) => to === 'proof_uploaded' || to === 'seller_confirmed');
};

async function orderPage(
  c: Context<WebEnv>,
  id: string,
  forms: OrderForms = {},
  status: 200 | 400 | 409 = 200,
) {
  const t = c.get('t');
  const api = c.get('api');
  const [order, supervision, evidence, licenses, products] = await Promise.all([
    api.get<Order>(apiOrder(id)),
    api.get<Supervision>(`${apiOrder(id)}/supervision`),
    api.get<Evidence>(`${apiOrder(id)}/deployments/current/evidence`),
    api.get<{ items: License[] }>('/v1/licenses', { orderId: id, limit: 10 }),
    api.get<{ items: Product[] }>('/v1/products'),
  ]);
  if (!order.ok) return apiErrorPage(c, order.error, order.status);
  if (!supervision.ok) return apiErrorPage(c, supervision.error, supervision.status);
  const o = order.body;
  const s = supervision.body;
  const productName =
    (products.ok ? products.body.items : []).find((p) => p.id === o.productId)?.name ?? o.productId;
  const q = c.req.query();
  const notice =
    q.confirmed !== undefined
      ? t('seller.supervision.order.confirmed')
      : q.redelivered !== undefined
        ? t('seller.supervision.order.redelivered')
        : q.revoked !== undefined
          ? t('seller.supervision.order.revoked')
          : undefined;
  const canConfirm = awaitsConfirmation(s);
  const rejection = [...s.history].reverse().find((e) => e.toState === 'rejected');
  const me = c.get('session')!.principal.id;
  return page(
    c,
    {
      title: t('seller.supervision.order.title', { orderId: o.orderId }),
      styles: STYLES,
      scripts: SCRIPTS,
      children: (
        <>
          <p>
            <a href={BASE}>{t('seller.supervision.order.back')}</a>
          </p>
          <Flash text={notice} />
          <h2>{t('seller.supervision.order.facts')}</h2>
          <dl class="facts">
            <dt>{t('seller.supervision.order.state')}</dt>
            <dd id="supervision-state">
              <StateBadge t={t} state={s.state} />
            </dd>
            <dt>{t('seller.supervision.order.product')}</dt>
            <dd>{productName}</dd>
            <dt>{t('seller.supervision.order.model')}</dt>
            <dd>{modelLabel(t, s.licenseModel)}</dd>
            <dt>{t('seller.supervision.order.orderLine')}</dt>
            <dd class="mono">{o.orderLineId}</dd>
            <dt>{t('seller.supervision.order.status')}</dt>
            <dd>
              {known(t, `orderStatus.${o.status}`, o.status)}
              {o.testFlag && (
                <>
                  {' '}
                  <span class="badge muted">{t('seller.supervision.test')}</span>
                </>
              )}
            </dd>
            <dt>{t('common.created')}</dt>
            <dd>
              <When t={t} at={o.createdAt} />
            </dd>
            {o.expireTime && (
              <>
                <dt>{t('seller.supervision.order.expires')}</dt>
                <dd>
                  <When t={t} at={o.expireTime} />
                </dd>
              </>
            )}
            {s.serviceStartTime && (
              <>
                <dt>{t('seller.supervision.order.serviceStart')}</dt>
                <dd>
                  <When t={t} at={s.serviceStartTime} />
                </dd>
              </>
            )}
            {s.acceptanceDueAt && s.state === 'seller_confirmed' && (
              <>
                <dt>{t('seller.supervision.order.acceptanceDue')}</dt>
                <dd>
                  <When t={t} at={s.acceptanceDueAt} />
                </dd>
              </>
            )}
          </dl>
          <p class="next-step">
            {canConfirm
              ? t('seller.supervision.order.nextStep.confirm')
              : s.state !== 'rejected' &&
                s.state !== 'completed' &&
                t('seller.supervision.order.nextStep.wait', {
                  state: supervisionLabel(t, s.state),
                })}
          </p>

          {canConfirm && <ConfirmForm c={c} orderRef={o.id} state={forms.confirm} />}
          {!canConfirm && s.confirmation && (
            <ConfirmationFacts t={t} confirmation={s.confirmation} />
          )}

          {s.state === 'rejected' && (
            <section aria-labelledby="redeliver-title">
              <h2 id="redeliver-title">{t('seller.supervision.redeliver.title')}</h2>
              {typeof rejection?.detail?.reason === 'string' && (
                <dl class="facts">
                  <dt>{t('seller.supervision.redeliver.reason')}</dt>
                  <dd>{rejection.detail.reason}</dd>
                </dl>
              )}
              <p>{t('seller.supervision.redeliver.intro')}</p>
              {forms.redeliver && (
                <p class="form-error" role="alert">
                  {forms.redeliver}
                </p>
              )}
              <form method="post" action={`${orderPath(o.id)}/redeliver#redeliver-title`}>
                <CsrfField token={csrfToken(c)} />
                <input type="hidden" name="_idem" value={newFormKey()} />
                <button type="submit">{t('seller.supervision.redeliver.submit')}</button>
              </form>
            </section>
          )}

          <EvidenceSection
            t={t}
            orderRef={o.id}
            evidence={evidence.ok ? evidence.body : undefined}
          />

          <h2 id="license">{t('seller.supervision.license.title')}</h2>
          {!licenses.ok || licenses.body.items.length === 0 ? (
            <p>{t('seller.supervision.license.none')}</p>
          ) : (
            licenses.body.items.map((l) => (
              <LicenseCard c={c} orderRef={o.id} license={l} state={forms.revoke} />
            ))
          )}

          <h2>{t('seller.supervision.history.title')}</h2>
          <div
            id="history-live"
            hx-ext="sse"
            sse-connect={`${orderPath(o.id)}/live?state=${encodeURIComponent(s.state)}`}
            sse-swap="history"
          >
            <LiveHistory t={t} supervision={s} me={me} shownState={s.state} orderRef={o.id} />
          </div>
        </>
      ),
    },
    status,
  );
}

const ConfirmForm: FC<{ c: Context<WebEnv>; orderRef: string; state: FormState | undefined }> = ({
  c,
  orderRef,
  state,
}) => {
  const t = c.get('t');
  const v = state?.values ?? {};
  const e = state?.errors ?? {};
  const descHint = t('seller.supervision.confirm.description.hint');
  const timeHint = t('seller.supervision.confirm.activationTime.hint');
  const reportHint = t('seller.supervision.confirm.report.hint');
  return (
    <section aria-labelledby="confirm-title">
      <h2 id="confirm-title">{t('seller.supervision.confirm.title')}</h2>
      <p>{t('seller.supervision.confirm.intro')}</p>
      {e[''] && (
        <p class="form-error" role="alert">
          {e['']}
        </p>
      )}
      <form
        method="post"
        action={`${orderPath(orderRef)}/confirm#confirm-title`}
        novalidate
        id="confirm-form"
        data-order={orderRef}
        data-upload="/console/seller/report-upload"
        data-max-bytes={String(MAX_REPORT_BYTES)}
        data-types={Object.keys(REPORT_TYPES).join(',')}
        data-msg-uploading={t('seller.supervision.confirm.uploading')}
        data-msg-uploaded={t('seller.supervision.confirm.uploaded')}
        data-msg-type={t('seller.supervision.confirm.reportType')}
        data-msg-too-large={t('seller.supervision.confirm.reportTooLarge')}
        data-msg-empty={t('seller.supervision.confirm.reportEmpty')}
        data-msg-failed={t('seller.supervision.confirm.reportFailed')}
        data-msg-network={t('seller.supervision.confirm.reportNetwork')}
      >
        <CsrfField token={csrfToken(c)} />
        <input type="hidden" name="_idem" value={newFormKey()} />
        <input type="hidden" name="tzOffset" value={v.tzOffset ?? ''} />
        <input type="hidden" name="acceptanceReportSha256" value={v.acceptanceReportSha256 ?? ''} />
        <input type="hidden" name="reportName" value={v.reportName ?? ''} />
        <Field
          name="description"
          label={t('seller.supervision.confirm.description')}
          hint={descHint}
          error={e.description}
        >
          <textarea
            id="f-description"
            name="description"
            rows={4}
            maxlength={2000}
            required
            aria-invalid={e.description ? 'true' : undefined}
            aria-describedby={describedBy('description', e.description, descHint)}
          >
            {v.description ?? ''}
          </textarea>
        </Field>
        <Field
          name="activationTime"
          label={t('seller.supervision.confirm.activationTime')}
          hint={timeHint}
          error={e.activationTime}
        >
          <input
            id="f-activationTime"
            name="activationTime"
            type="datetime-local"
            value={v.activationTime ?? ''}
            aria-invalid={e.activationTime ? 'true' : undefined}
            aria-describedby={describedBy('activationTime', e.activationTime, timeHint)}
          />
        </Field>
        <div class="needs-js" hidden>
          <Field
            name="report"
            label={t('seller.supervision.confirm.report')}
            hint={reportHint}
            error={e.report}
          >
            <input
              id="f-report"
              name="report"
              type="file"
              accept={Object.keys(REPORT_TYPES).join(',')}
              aria-invalid={e.report ? 'true' : undefined}
              aria-describedby={describedBy('report', e.report, reportHint)}
            />
          </Field>
          <div class="upload-status" hidden>
            <label for="report-progress">{t('seller.supervision.confirm.uploadProgress')}</label>
            <progress id="report-progress" max={100} value={0}></progress>
          </div>
          <p class="upload-message" role="status">
            {v.reportName && v.acceptanceReportSha256
              ? t('seller.supervision.confirm.uploaded', {
                  name: v.reportName,
                  sha256: v.acceptanceReportSha256,
                })
              : ''}
          </p>
        </div>
        <p class="no-js-only hint">{t('seller.supervision.confirm.report.noScript')}</p>
        {e.report && (
          <p class="error no-js-only" role="alert">
            {e.report}
          </p>
        )}
        <button type="submit">{t('seller.supervision.confirm.submit')}</button>
      </form>
    </section>
  );
};

const ConfirmationFacts: FC<{ t: Translate; confirmation: Confirmation }> = ({
  t,
  confirmation: cf,
}) => (
  <section aria-labelledby="confirmation-title">
    <h2 id="confirmation-title">{t('seller.supervision.confirmation.title')}</h2>
    <dl class="facts">
      <dt>{t('seller.supervision.confirmation.description')}</dt>
      <dd class="pre-line">{cf.description}</dd>
      <dt>{t('seller.supervision.confirmation.activationTime')}</dt>
      <dd>
        {cf.activationTime ? (
          <When t={t} at={cf.activationTime} />
        ) : (
          t('seller.supervision.confirmation.activationUnknown')
        )}
      </dd>
      <dt>{t('seller.supervision.confirmation.report')}</dt>
      <dd>
        {cf.report.kind === 'upload'
          ? t('seller.supervision.confirmation.reportUpload', {
              name: cf.report.fileName,
              size: cf.report.sizeBytes,
            })
          : t('seller.supervision.confirmation.reportEvidence', {
              deployment: cf.report.deploymentId,
            })}
        <br />
        <span class="mono">sha256 {cf.report.sha256}</span>
      </dd>
      <dt>{t('seller.supervision.confirmation.confirmedAt')}</dt>
      <dd>
        <When t={t} at={cf.confirmedAt} />
      </dd>
    </dl>
  </section>
);

const EvidenceSection: FC<{ t: Translate; orderRef: string; evidence: Evidence | undefined }> = ({
  t,
  orderRef,
  evidence,
}) => {
  if (!evidence) {
    return (
      <section aria-labelledby="evidence-title">
        <h2 id="evidence-title">{t('seller.supervision.evidence.title')}</h2>
        <p>{t('seller.supervision.evidence.none')}</p>
      </section>
    );
  }
  const d = evidence.document;
  return (
    <section aria-labelledby="evidence-title">
      <h2 id="evidence-title">{t('seller.supervision.evidence.title')}</h2>
      <p>{t('seller.supervision.evidence.intro')}</p>
      <dl class="facts">
        <dt>{t('seller.supervision.evidence.deployment')}</dt>
        <dd class="mono">{d.deployment.id}</dd>
        <dt>{t('seller.supervision.evidence.finished')}</dt>
        <dd>
          <When t={t} at={d.deployment.finishedAt} />
        </dd>
        <dt>{t('seller.supervision.evidence.server')}</dt>
        <dd class="mono">{[d.server.id, d.server.address].filter(Boolean).join(' · ') || '—'}</dd>
        <dt>{t('seller.supervision.evidence.hostKey')}</dt>
        <dd class="mono">{d.server.hostKeyFingerprint ?? '—'}</dd>
        {d.package && (
          <>
            <dt>{t('seller.supervision.evidence.package')}</dt>
            <dd class="mono">
              {t('seller.supervision.evidence.packageValue', {
                name: d.package.fileName ?? '—',
                sha256: d.package.sha256,
              })}
            </dd>
          </>
        )}
        {d.license && (
          <>
            <dt>{t('seller.supervision.evidence.license')}</dt>
            <dd>
              <span class="mono">{d.license.id}</span> ·{' '}
              {known(t, `seller.supervision.licenseStatus.${d.license.status}`, d.license.status)}
            </dd>
          </>
        )}
      </dl>
      <TableWrap label={t('seller.supervision.evidence.steps')}>
        <table class="steps">
          <caption>{t('seller.supervision.evidence.steps')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('seller.supervision.evidence.col.step')}</th>
              <th scope="col">{t('common.status')}</th>
              <th scope="col">{t('seller.supervision.evidence.col.attempts')}</th>
              <th scope="col">{t('seller.supervision.evidence.col.started')}</th>
              <th scope="col">{t('seller.supervision.evidence.col.ended')}</th>
            </tr>
          </thead>
          <tbody>
            {d.steps.map((step) => (
              <tr>
                <th scope="row">{known(t, `step.${step.step}`, step.step)}</th>
                <td>{known(t, `seller.supervision.stepStatus.${step.status}`, step.status)}</td>
                <td>{step.attempts}</td>
                <td>
                  <When t={t} at={step.startedAt} />
                </td>
                <td>
                  <When t={t} at={step.endedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      <ul class="downloads">
        <li>
          <a href={`${orderPath(orderRef)}/evidence.html`} download>
            {t('seller.supervision.evidence.html')}
          </a>
        </li>
        <li>
          <a href={`${orderPath(orderRef)}/evidence.json`} download>
            {t('seller.supervision.evidence.json')}
          </a>
        </li>
      </ul>
    </section>
  );
};

const LicenseCard: FC<{
  c: Context<WebEnv>;
  orderRef: string;
  license: License;
  state: FormState | undefined;
}> = ({ c, orderRef, license: l, state }) => {
  const t = c.get('t');
  const mine = state?.values.licenseId === l.id;
  const e = mine ? state.errors : {};
  const reasonId = `reason-${l.id}`;
  const hint = t('seller.supervision.revoke.reason.hint');
  return (
    <div class="license">
      <dl class="facts">
        <dt>{t('seller.supervision.license.id')}</dt>
        <dd class="mono">{l.id}</dd>
        <dt>{t('seller.supervision.order.model')}</dt>
        <dd>{modelLabel(t, l.model)}</dd>
        <dt>{t('seller.supervision.license.status')}</dt>
        <dd>
          {l.revokedAt ? (
            <span class="badge bad">{t('seller.supervision.license.revokedBadge')}</span>
          ) : (
            <span class="badge ok">
              {known(t, `seller.supervision.licenseStatus.${l.status}`, l.status)}
            </span>
          )}
        </dd>
        {l.expiresAt && (
          <>
            <dt>{t('seller.supervision.license.expires')}</dt>
            <dd>
              <When t={t} at={l.expiresAt} />
            </dd>
          </>
        )}
        {l.fingerprint && (
          <>
            <dt>{t('seller.supervision.license.fingerprint')}</dt>
            <dd class="mono">{l.fingerprint}</dd>
          </>
        )}
        {l.kid && (
          <>
            <dt>{t('seller.supervision.license.kid')}</dt>
            <dd class="mono">{l.kid}</dd>
          </>
        )}
        {l.revokedAt && (
          <>
            <dt>{t('seller.supervision.license.revokedAt')}</dt>
            <dd>
              <When t={t} at={l.revokedAt} />
            </dd>
            <dt>{t('seller.supervision.license.revokeReason')}</dt>
            <dd>{l.revokeReason ?? '—'}</dd>
          </>
        )}
      </dl>
      {!l.revokedAt && (
        <form
          method="post"
          action={`${orderPath(orderRef)}/revoke#license`}
          novalidate
          data-confirm={t('seller.supervision.revoke.confirm')}
          class="revoke"
        >
          <CsrfField token={csrfToken(c)} />
          <input type="hidden" name="licenseId" value={l.id} />
          <h3>{t('seller.supervision.revoke.title')}</h3>
          <p>{t('seller.supervision.revoke.intro')}</p>
          {e[''] && (
            <p class="form-error" role="alert">
              {e['']}
            </p>
          )}
          <div class={e.reason ? 'field invalid' : 'field'}>
            <label for={reasonId}>{t('seller.supervision.revoke.reason')}</label>
            <p class="hint" id={`${reasonId}-hint`}>
              {hint}
            </p>
            <input
              id={reasonId}
              name="reason"
              type="text"
              maxlength={500}
              required
              value={mine ? (state.values.reason ?? '') : ''}
              aria-invalid={e.reason ? 'true' : undefined}
              aria-describedby={[`${reasonId}-hint`, e.reason && `${reasonId}-error`]
                .filter(Boolean)
                .join(' ')}
            />
            {e.reason && (
              <p class="error" id={`${reasonId}-error`} role="alert">
                {e.reason}
              </p>
            )}
          </div>
          <button type="submit" class="danger">
            {t('seller.supervision.revoke.submit')}
          </button>
        </form>
      )}
    </div>
  );
};

const History: FC<{ t: Translate; events: HistoryEvent[]; me: string }> = ({ t, events, me }) => {
  if (events.length === 0) return <p>{t('seller.supervision.history.none')}</p>;
  const who = (actor: string | null) =>
    actor === me
      ? t('seller.supervision.history.you')
      : actor === null || actor === 'system'
        ? t('seller.supervision.history.oneclick')
        : actor;
  return (
    <TableWrap label={t('seller.supervision.history.caption')}>
      <table class="history">
        <caption>{t('seller.supervision.history.caption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('seller.supervision.history.col.when')}</th>
            <th scope="col">{t('seller.supervision.history.col.from')}</th>
            <th scope="col">{t('seller.supervision.history.col.to')}</th>
            <th scope="col">{t('seller.supervision.history.col.by')}</th>
            <th scope="col">{t('seller.supervision.history.col.note')}</th>
            <th scope="col">{t('seller.supervision.history.col.reported')}</th>
          </tr>
        </thead>
        <tbody>
          {events.map((ev) => (
            <tr>
              <th scope="row">
                <When t={t} at={ev.at} />
              </th>
              <td>
                {ev.fromState
                  ? supervisionLabel(t, ev.fromState)
                  : t('seller.supervision.history.start')}
              </td>
              <td>
                <StateBadge t={t} state={ev.toState} />
              </td>
              <td class={actorIsId(ev.actor, me) ? 'mono' : undefined}>{who(ev.actor)}</td>
              <td>
                {ev.note ?? ''}
                {typeof ev.detail?.reason === 'string' && (
                  <>
                    <br />“{ev.detail.reason}”
                  </>
                )}
              </td>
              <td>
                {ev.report.reportedAt
                  ? t('seller.supervision.history.reportedAt', {
                      when: t('seller.supervision.when', {
                        time: utcText(ev.report.reportedAt),
                      }),
                    })
                  : ev.report.abandonedAt
                    ? t('seller.supervision.history.reportAbandoned', {
                        error: ev.report.error ?? '',
                      })
                    : t('seller.supervision.history.reportPending', {
                        attempts: ev.report.attempts,
                      })}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
};

/**
 * The history as it stands, and, once the state moved on from the one the page shows (the buyer
 * accepted or rejected, a deployment delivered), a link to reload the page's actions.
 */
const LiveHistory: FC<{
  t: Translate;
  supervision: Supervision;
  me: string;
  shownState: string;
  orderRef: string;
}> = ({ t, supervision: s, me, shownState, orderRef }) => (
  <>
    {s.state !== shownState && (
      <p class="notice" role="status">
        {t('seller.supervision.history.changed', { state: supervisionLabel(t, s.state) })}{' '}
        <a href={orderPath(orderRef)}>{t('seller.supervision.history.reload')}</a>
      </p>
    )}
    <History t={t} events={s.history} me={me} />
  </>
);

/** The order's history, live: sent again whenever it changes (a transition, a report sent). */
export function orderLive(c: Context<WebEnv>) {
  const t = c.get('t');
  const id = c.req.param('id')!;
  const shownState = c.req.query('state') ?? '';
  const me = c.get('session')!.principal.id;
  let gone = false;
  return liveStream(c, {
    event: 'history',
    everyMs: 2_000,
    done: () => gone,
    snapshot: async () => {
      const r = await c.get('api').get<Supervision>(`${apiOrder(id)}/supervision`);
      if (!r.ok) {
        gone = true;
        return '';
      }
      const props = { t, supervision: r.body, me, shownState, orderRef: id };
      return await jsx(LiveHistory, props).toString();
    },
  });
}

const actorIsId = (actor: string | null, me: string) =>
  actor !== null && actor !== 'system' && actor !== me;

export const orderDetailPage = (c: Context<WebEnv>) => orderPage(c, c.req.param('id')!);

/** The confirmation's refusal next to the field it concerns, in words. */
function confirmErrors(t: Translate, error: ApiError): Record<string, string> {
  switch (error.code) {
    case 'VALIDATION_FAILED': {
      const byPath = fieldErrors(error, [
        'description',
        'activationTime',
        'acceptanceReportSha256',
      ]);
      const out: Record<string, string> = {};
      for (const [path, text] of Object.entries(byPath)) {
        out[path === 'acceptanceReportSha256' ? 'report' : path] = text;
      }
      return out;
    }
    case 'INVALID_ACTIVATION_TIME':
      return {
        activationTime: t(
          /future/i.test(error.message)
            ? 'seller.supervision.confirm.activationFuture'
            : 'seller.supervision.confirm.activationBeforeOrder',
        ),
      };
    case 'ACCEPTANCE_REPORT_REQUIRED':
      return { report: t('seller.supervision.confirm.reportRequired') };
    case 'ACCEPTANCE_REPORT_NOT_FOUND':
      return { report: t('seller.supervision.confirm.reportNotFound') };
    case 'INVALID_STATE_TRANSITION':
      return { '': t('seller.supervision.confirm.wrongState') };
    case 'UNAVAILABLE':
      return { '': t('seller.supervision.confirm.unavailable') };
    default:
      return { '': apiText(t, error) };
  }
}

export async function confirmCompletion(c: Context<WebEnv>) {
  const t = c.get('t');
  const id = c.req.param('id')!;
  const form = await formOf(c);
  const values = {
    description: field(form, 'description'),
    activationTime: field(form, 'activationTime'),
    tzOffset: field(form, 'tzOffset'),
    acceptanceReportSha256: field(form, 'acceptanceReportSha256'),
    reportName: field(form, 'reportName'),
  };
  const errors: Record<string, string> = {};
  if (!values.description.trim()) {
    errors.description = t('seller.supervision.confirm.descriptionRequired');
  }
  const activation = localTimeToIso(values.activationTime, values.tzOffset);
  if (!activation.ok) errors.activationTime = t('seller.supervision.confirm.activationInvalid');
  if (Object.keys(errors).length > 0 || !activation.ok) {
    return orderPage(c, id, { confirm: { values, errors } }, 400);
  }
  const r = await c.get('api').post(
    `${apiOrder(id)}/supervision/confirm`,
    {
      description: values.description.trim(),
      ...(activation.value && { activationTime: activation.value }),
      ...(values.acceptanceReportSha256 && {
        acceptanceReportSha256: values.acceptanceReportSha256,
      }),
    },
    { idempotencyKey: field(form, '_idem') || undefined },
  );
  if (!r.ok) {
    if (r.status === 404 && r.error.code === 'NOT_FOUND') return apiErrorPage(c, r.error, 404);
    const e = confirmErrors(t, r.error);
    // A report the API does not know must be chosen again.
    const keep =
      r.error.code === 'ACCEPTANCE_REPORT_NOT_FOUND'
        ? { acceptanceReportSha256: '', reportName: '' }
        : {};
    return orderPage(
      c,
      id,
      { confirm: { values: { ...values, ...keep }, errors: e } },
      r.status === 409 ? 409 : 400,
    );
  }
  return c.redirect(`${orderPath(id)}?confirmed`, 303);
}

export async function redeliver(c: Context<WebEnv>) {
  const t = c.get('t');
  const id = c.req.param('id')!;
  const form = await formOf(c);
  const r = await c.get('api').post(`${apiOrder(id)}/supervision/redeliver`, undefined, {
    idempotencyKey: field(form, '_idem') || undefined,
  });
  if (!r.ok) {
    if (r.status === 404) return apiErrorPage(c, r.error, 404);
    return orderPage(c, id, { redeliver: apiText(t, r.error) }, r.status === 409 ? 409 : 400);
  }
  return c.redirect(`${orderPath(id)}?redelivered`, 303);
}

export async function revokeLicense(c: Context<WebEnv>) {
  const t = c.get('t');
  const id = c.req.param('id')!;
  const form = await formOf(c);
  const values = { licenseId: field(form, 'licenseId'), reason: field(form, 'reason') };
  if (!values.licenseId) return orderPage(c, id, {}, 400);
  if (!values.reason.trim()) {
    return orderPage(
      c,
      id,
      { revoke: { values, errors: { reason: t('seller.supervision.revoke.reasonRequired') } } },
      400,
    );
  }
  const r = await c.get('api').post(`/v1/licenses/${encodeURIComponent(values.licenseId)}/revoke`, {
    reason: values.reason.trim(),
  });
  if (!r.ok) {
    if (r.status === 404) return apiErrorPage(c, r.error, 404);
    const e = fieldErrors(r.error, ['reason']);
    return orderPage(c, id, { revoke: { values, errors: e } }, 400);
  }
  return c.redirect(`${orderPath(id)}?revoked#license`, 303);
}

/** The evidence as a file the seller keeps or hands over (HTML page, or JSON with its JWS). */
export async function evidenceDownload(c: Context<WebEnv>, kind: 'html' | 'json') {
  const id = c.req.param('id')!;
  const res = await c
    .get('api')
    .raw(`${apiOrder(id)}/deployments/current/evidence${kind === 'html' ? '.html' : ''}`);
  if (!res.ok) {
    const body = (await res.json().catch(() => undefined)) as { error?: ApiError } | undefined;
    return apiErrorPage(
      c,
      body?.error ?? { code: 'INTERNAL', message: `the API answered ${res.status}` },
      res.status,
    );
  }
  const name = `evidence-${id.replace(/[^A-Za-z0-9_-]/g, '')}.${kind}`;
  return new Response(res.body, {
    status: 200,
    headers: {
      'content-type': kind === 'html' ? 'text/html; charset=utf-8' : 'application/json',
      'content-disposition': `attachment; filename="${name}"`,
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
    },
  });
}
