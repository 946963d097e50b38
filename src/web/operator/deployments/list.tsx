import type { Context } from 'hono';
import type { FC } from 'hono/jsx';
import type { WebEnv } from '../../context.js';
import type { MessageKey, Translate } from '../../i18n/index.js';
import { Field, Pager, describedBy, page } from '../../layout.js';
import { fieldErrors, type ApiAnswer } from '../../api-client.js';
import type { RecordedDeployment } from '../../../db/repositories/deployments-operator.js';
import { DEPLOYMENT_STEPS } from '../../../domain/deployment.js';
import {
  FILTER_FIELDS,
  firstLine,
  formatTime,
  listSearch,
  toneOf,
  type ListQuery,
} from './format.js';

/**
 * The operators' deployment list: a GET filter form (the URL is the view, so it can be shared),
 * a table of OneClick's recorded deployments (`GET /v1/deployments/recorded`), its body kept
 * current over server-sent events, and a cursor pager.
 */

export const BASE = '/console/operator/deployments';
/** Rows per page: enough to scan, few enough to render and poll cheaply. */
export const PAGE_SIZE = 25;
const STATUSES = ['running', 'succeeded', 'failed', 'cancelled'] as const;

export interface RecordedPage {
  items: RecordedDeployment[];
  next: string | null;
}

/** The page of deployments these filters select, as the API answers it. */
export const fetchRecorded = (c: Context<WebEnv>, query: ListQuery) =>
  c.get('api').get<RecordedPage>('/v1/deployments/recorded', { ...query, limit: PAGE_SIZE });

export const stepLabel = (t: Translate, step: string | null): string =>
  step ? t(`step.${step}` as MessageKey) || step : '';

export const statusLabel = (t: Translate, status: string): string =>
  t(`operator.deployments.status.${status}` as MessageKey) || status;

const Row: FC<{ t: Translate; d: RecordedDeployment }> = ({ t, d }) => (
  <tr id={`row-${d.id}`} data-status={d.status}>
    <th scope="row">
      <a class="mono" href={`${BASE}/${encodeURIComponent(d.id)}`}>
        {d.id}
      </a>
    </th>
    <td>
      <a
        class="mono"
        href={`${BASE}${listSearch({ orderId: d.orderRef })}`}
        title={t('operator.deployments.filterByOrder', { id: d.orderRef })}
      >
        {d.orderRef}
      </a>
    </td>
    <td>
      <a
        href={`${BASE}${listSearch({ productId: d.productId })}`}
        title={t('operator.deployments.filterByProduct', { name: d.productName })}
      >
        {d.productName}
      </a>
      <br />
      <span class="mono id-note">{d.productId}</span>
    </td>
    <td>
      <a
        href={`${BASE}${listSearch({ sellerId: d.sellerId })}`}
        title={t('operator.deployments.filterBySeller', { name: d.sellerName })}
      >
        {d.sellerName}
      </a>
      <br />
      <span class="mono id-note">{d.sellerId}</span>
    </td>
    <td>
      <span class={toneOf(d.status)}>{statusLabel(t, d.status)}</span>
    </td>
    <td>
      {stepLabel(t, d.step)}
      {d.stepAttempts !== null && d.stepAttempts > 1 && (
        <>
          <br />
          <span class="id-note">{t('operator.deployments.attempt', { n: d.stepAttempts })}</span>
        </>
      )}
    </td>
    <td>
      <time datetime={d.createdAt}>{formatTime(d.createdAt)}</time>
    </td>
    <td>
      <time datetime={d.finishedAt ?? d.updatedAt}>{formatTime(d.finishedAt ?? d.updatedAt)}</time>
    </td>
    <td class="failure-cell">
      {d.failure && (
        <>
          <code>{d.failure.code}</code>{' '}
          <span class="failure-text">{firstLine(d.failure.message)}</span>
        </>
      )}
    </td>
  </tr>
);

const COLUMNS = 9;

/** The table body's rows (what the live stream swaps in): the deployments, or why there are none. */
export const Rows: FC<{ t: Translate; answer: ApiAnswer<RecordedPage> }> = ({ t, answer }) => {
  if (!answer.ok) {
    return (
      <tr>
        <td colspan={COLUMNS} role="alert">
          {t('operator.deployments.liveError', { code: answer.error.code })}
        </td>
      </tr>
    );
  }
  if (answer.body.items.length === 0) {
    return (
      <tr>
        <td colspan={COLUMNS}>{t('operator.deployments.empty')}</td>
      </tr>
    );
  }
  return (
    <>
      {answer.body.items.map((d) => (
        <Row t={t} d={d} />
      ))}
    </>
  );
};

/** The rows as HTML text, for the live stream. */
export async function rowsHtml(t: Translate, answer: ApiAnswer<RecordedPage>): Promise<string> {
  const html = await (<Rows t={t} answer={answer} />);
  return html.toString();
}

const FilterForm: FC<{ t: Translate; query: ListQuery; errors: Record<string, string> }> = ({
  t,
  query,
  errors,
}) => (
  <form
    method="get"
    action={BASE}
    class="filters"
    aria-labelledby="filters-title"
    role="search"
    data-drop-blank
  >
    <h2 id="filters-title" class="visually-hidden">
      {t('operator.deployments.filters')}
    </h2>
    <p class="hint filters-hint" id="filters-id-hint">
      {t('operator.deployments.filter.idHint', { example: 'slr_…, prd_…, ord_…' })}
    </p>
    <Field name="status" label={t('operator.deployments.filter.status')} error={errors.status}>
      <select
        id="f-status"
        name="status"
        aria-invalid={errors.status ? 'true' : undefined}
        aria-describedby={describedBy('status', errors.status)}
      >
        <option value="">{t('common.any')}</option>
        {STATUSES.map((s) => (
          <option value={s} selected={query.status === s}>
            {statusLabel(t, s)}
          </option>
        ))}
      </select>
    </Field>
    <Field name="step" label={t('operator.deployments.filter.step')} error={errors.step}>
      <select
        id="f-step"
        name="step"
        aria-invalid={errors.step ? 'true' : undefined}
        aria-describedby={describedBy('step', errors.step)}
      >
        <option value="">{t('common.any')}</option>
        {DEPLOYMENT_STEPS.map((s) => (
          <option value={s} selected={query.step === s}>
            {stepLabel(t, s)}
          </option>
        ))}
      </select>
    </Field>
    {(['sellerId', 'productId', 'orderId'] as const).map((name) => (
      <Field name={name} label={t(`operator.deployments.filter.${name}`)} error={errors[name]}>
        <input
          id={`f-${name}`}
          name={name}
          type="text"
          value={query[name] ?? ''}
          maxlength={64}
          spellcheck={false}
          autocomplete="off"
          class="mono"
          aria-invalid={errors[name] ? 'true' : undefined}
          aria-describedby={[describedBy(name, errors[name]), 'filters-id-hint']
            .filter(Boolean)
            .join(' ')}
        />
      </Field>
    ))}
    <div class="filter-buttons">
      <button type="submit">{t('common.filter')}</button>
      {FILTER_FIELDS.some((f) => query[f]) && (
        <a href={BASE}>{t('operator.deployments.filter.clear')}</a>
      )}
    </div>
  </form>
);

/** The list page for these filters and the API's answer to them. */
export function listPage(c: Context<WebEnv>, query: ListQuery, answer: ApiAnswer<RecordedPage>) {
  const t = c.get('t');
  const invalid = !answer.ok && answer.error.code === 'VALIDATION_FAILED';
  const errors = invalid ? fieldErrors(answer.error, [...FILTER_FIELDS, 'cursor']) : {};
  const cursorError = errors.cursor ? t('operator.deployments.filter.cursor') : undefined;
  const filtersOnly: ListQuery = { ...query, cursor: undefined };
  const next = answer.ok ? answer.body.next : null;
  return page(
    c,
    {
      title: t('operator.deployments.title'),
      styles: ['operator-deployments.css'],
      scripts: ['operator-deployments.js'],
      children: (
        <>
          <p>{t('operator.deployments.intro')}</p>
          <FilterForm t={t} query={query} errors={errors} />
          {(cursorError || errors['']) && (
            <p class="form-error" role="alert">
              {cursorError ?? errors['']}
            </p>
          )}
          {!invalid && (
            <p class="live-note" id="live-note">
              {t('operator.deployments.live')}
            </p>
          )}
          <div class="table-wrap" tabindex={0} role="region" aria-labelledby="deployments-caption">
            <table class="deployments">
              <caption id="deployments-caption">{t('operator.deployments.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('operator.deployments.col.deployment')}</th>
                  <th scope="col">{t('operator.deployments.col.order')}</th>
                  <th scope="col">{t('operator.deployments.col.product')}</th>
                  <th scope="col">{t('operator.deployments.col.seller')}</th>
                  <th scope="col">{t('operator.deployments.col.status')}</th>
                  <th scope="col">{t('operator.deployments.col.step')}</th>
                  <th scope="col">{t('operator.deployments.col.started')}</th>
                  <th scope="col">{t('operator.deployments.col.updated')}</th>
                  <th scope="col">{t('operator.deployments.col.failure')}</th>
                </tr>
              </thead>
              {invalid ? (
                <tbody id="deployment-rows">
                  <tr>
                    <td colspan={COLUMNS}>{t('operator.deployments.empty')}</td>
                  </tr>
                </tbody>
              ) : (
                <tbody
                  id="deployment-rows"
                  hx-ext="sse"
                  sse-connect={`${BASE}/live${listSearch(query)}`}
                  sse-swap="rows"
                  aria-describedby="live-note"
                >
                  <Rows t={t} answer={answer} />
                </tbody>
              )}
            </table>
          </div>
          <Pager
            label={t('operator.deployments.pages')}
            firstHref={query.cursor ? `${BASE}${listSearch(filtersOnly)}` : undefined}
            firstText={t('operator.deployments.firstPage')}
            nextHref={next ? `${BASE}${listSearch(filtersOnly, { cursor: next })}` : undefined}
            nextText={t('common.next')}
          />
        </>
      ),
    },
    invalid ? 400 : 200,
  );
}
