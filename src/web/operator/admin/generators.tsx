import type { Context } from 'hono';
import type { FC } from 'hono/jsx';
import type { WebEnv } from '../../context.js';
import type { MessageKey, Translate } from '../../i18n/index.js';
import { page } from '../../layout.js';
import { apiErrorPage } from '../../pages/errors.js';
import { ADMIN_ASSETS, ADMIN_BASE, listUrl, Pager, param, Time } from './shared.js';

/**
 * Generator health across sellers (GET /v1/generator-health): how many generators are in each
 * status, and each generator with its seller, its latest check (conformance run or probe) check
 * by check, and the outcomes of its latest checks.
 */

const STATUSES = ['active', 'failing', 'pending', 'disabled'] as const;
type Status = (typeof STATUSES)[number];
const isStatus = (v: unknown): v is Status =>
  typeof v === 'string' && (STATUSES as readonly string[]).includes(v);
const BADGE: Record<Status, string> = {
  active: 'ok',
  failing: 'bad',
  pending: 'warn',
  disabled: 'muted',
};
const CHECK_NAMES = ['issues-license', 'idempotent-per-event', 'refuses-bad-signature'] as const;

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}
interface GeneratorView {
  id: string;
  sellerId: string;
  sellerName: string;
  kind: 'built-in' | 'remote';
  name: string;
  endpointUrl: string | null;
  status: Status;
  lastCheck: { passed: boolean; checks: Check[]; slowestMs: number } | null;
  lastCheckedAt: string | null;
  recentChecks: { at: string; passed: boolean }[];
}

const PATH = `${ADMIN_BASE}/generators`;

const checkLabel = (t: Translate, name: string): string =>
  (CHECK_NAMES as readonly string[]).includes(name)
    ? t(`operator.admin.generators.check.${name}` as MessageKey)
    : name;

const LatestCheck: FC<{ t: Translate; g: GeneratorView }> = ({ t, g }) => {
  if (!g.lastCheck)
    return (
      <span class="muted">
        {g.kind === 'built-in'
          ? t('operator.admin.generators.builtInNoCheck')
          : t('operator.admin.generators.notChecked')}
      </span>
    );
  return (
    <>
      <span class={g.lastCheck.passed ? 'badge ok' : 'badge bad'}>
        {g.lastCheck.passed
          ? t('operator.admin.generators.passed')
          : t('operator.admin.generators.failed')}
      </span>{' '}
      <Time iso={g.lastCheckedAt} />
      <br />
      <span class="muted">
        {t('operator.admin.generators.slowest', { ms: Math.round(g.lastCheck.slowestMs) })}
      </span>
      <ul class="checks">
        {g.lastCheck.checks.map((ch) => (
          <li class={ch.ok ? 'check pass' : 'check fail'}>
            <span aria-hidden="true">{ch.ok ? '✓' : '✗'}</span>{' '}
            <span class="visually-hidden">
              {ch.ok
                ? t('operator.admin.generators.passed')
                : t('operator.admin.generators.failed')}
              :{' '}
            </span>
            {checkLabel(t, ch.name)}
            {ch.detail && <span class="check-detail"> — {ch.detail}</span>}
          </li>
        ))}
      </ul>
    </>
  );
};

const Recent: FC<{ t: Translate; checks: GeneratorView['recentChecks'] }> = ({ t, checks }) => {
  if (checks.length === 0) return <span class="muted">—</span>;
  const passed = checks.filter((c) => c.passed).length;
  // Oldest on the left, as time runs in the charts.
  const ordered = [...checks].reverse();
  return (
    <>
      <span>{t('operator.admin.generators.recentSummary', { passed, n: checks.length })}</span>
      <span class="ticks" aria-hidden="true">
        {ordered.map((c) => (
          <span class={c.passed ? 'tick pass' : 'tick fail'}></span>
        ))}
      </span>
    </>
  );
};

async function generatorsPage(c: Context<WebEnv>) {
  const t = c.get('t');
  const statusParam = c.req.query('status');
  const sellerId = param(c.req.query('sellerId'), 64);
  const query = {
    status: isStatus(statusParam) ? statusParam : undefined,
    sellerId,
    cursor: param(c.req.query('cursor'), 256),
  };
  const answer = await c.get('api').get<{
    counts: Record<Status, number>;
    items: GeneratorView[];
    next: string | null;
  }>('/v1/generator-health', { ...query, limit: 20 });
  if (!answer.ok) return apiErrorPage(c, answer.error, answer.status);
  const { counts, items, next } = answer.body;
  return page(c, {
    title: t('nav.operator.generators'),
    ...ADMIN_ASSETS,
    children: (
      <>
        <p>{t('operator.admin.generators.intro')}</p>
        <ul class="status-counts" aria-label={t('operator.admin.generators.counts')}>
          {STATUSES.map((s) => (
            <li>
              <a href={listUrl(PATH, { sellerId, status: s })}>
                <span class={`badge ${BADGE[s]}`}>
                  {t(`operator.admin.generators.status.${s}`)}
                </span>{' '}
                <strong>{counts[s]}</strong>
              </a>
            </li>
          ))}
        </ul>
        <form method="get" action={PATH} class="filters">
          <div class="field">
            <label for="f-status">{t('common.status')}</label>
            <select id="f-status" name="status">
              <option value="">{t('common.any')}</option>
              {STATUSES.map((s) => (
                <option value={s} selected={query.status === s}>
                  {t(`operator.admin.generators.status.${s}`)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="f-sellerId">{t('operator.admin.generators.sellerId')}</label>
            <input id="f-sellerId" name="sellerId" value={sellerId ?? ''} maxlength={64} />
          </div>
          <button type="submit" class="secondary">
            {t('common.filter')}
          </button>
          {(query.status || sellerId) && <a href={PATH}>{t('operator.admin.clearFilters')}</a>}
        </form>
        {items.length === 0 ? (
          <p>{t('operator.admin.generators.none')}</p>
        ) : (
          <div class="table-wrap">
            <table class="generators">
              <caption class="visually-hidden">{t('nav.operator.generators')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('operator.admin.generators.generator')}</th>
                  <th scope="col">{t('operator.admin.seller')}</th>
                  <th scope="col">{t('common.status')}</th>
                  <th scope="col">{t('operator.admin.generators.latestCheck')}</th>
                  <th scope="col">{t('operator.admin.generators.recent')}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((g) => (
                  <tr>
                    <th scope="row">
                      {g.name}
                      <br />
                      <span class="mono small">{g.id}</span>
                      <br />
                      <span class="muted">
                        {g.kind === 'remote'
                          ? t('operator.admin.generators.remote')
                          : t('operator.admin.generators.builtIn')}
                      </span>
                      {g.endpointUrl && (
                        <>
                          <br />
                          <span class="mono small">{g.endpointUrl}</span>
                        </>
                      )}
                    </th>
                    <td>
                      <a href={listUrl(PATH, { sellerId: g.sellerId })}>{g.sellerName}</a>
                      <br />
                      <span class="mono small">{g.sellerId}</span>
                    </td>
                    <td>
                      <span class={`badge ${BADGE[g.status]}`}>
                        {t(`operator.admin.generators.status.${g.status}`)}
                      </span>
                    </td>
                    <td>
                      <LatestCheck t={t} g={g} />
                    </td>
                    <td>
                      <Recent t={t} checks={g.recentChecks} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <Pager t={t} path={PATH} query={query} next={next} />
      </>
    ),
  });
}

export { generatorsPage };
