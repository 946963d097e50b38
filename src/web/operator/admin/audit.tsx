import type { Context } from 'hono';
import type { FC } from 'hono/jsx';
import type { WebEnv } from '../../context.js';
import type { Translate } from '../../i18n/index.js';
import { page } from '../../layout.js';
import { apiErrorPage } from '../../pages/errors.js';
import { ADMIN_ASSETS, ADMIN_BASE, listUrl, Pager, param, Time } from './shared.js';

/**
 * The audit log (GET /v1/audit): events newest first, filtered by subject, actor or action; and
 * its hash chain checked (GET /v1/audit/chain), loaded after the page (htmx) so the list stays
 * fast however long the log is, or on its own page without JavaScript.
 */

interface AuditEvent {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  data: Record<string, unknown>;
  hash: string;
}

type Chain =
  | { ok: true; count: number; head: string; checkedAt: string }
  | {
      ok: false;
      reason: 'EDITED' | 'MISSING_BEFORE' | 'HEAD_MISMATCH';
      brokenAtSeq: number;
      verified: number;
      event: { seq: number; at: string; action: string; subject: string } | null;
      cursor: string | null;
      checkedAt: string;
    };

const PATH = `${ADMIN_BASE}/audit`;
const CHAIN_PATH = `${PATH}/chain`;

/** Event data in one line, cut short: the table is for finding, the API for reading whole. */
const dataText = (data: Record<string, unknown>) => {
  const text = JSON.stringify(data);
  return text === '{}' ? '' : text.length > 240 ? `${text.slice(0, 240)}…` : text;
};

/** The chain's verdict in words. */
export const ChainVerdict: FC<{ t: Translate; chain: Chain }> = ({ t, chain }) => {
  if (chain.ok)
    return (
      <p class="notice ok chain-verdict">
        <span class="badge ok">{t('operator.admin.audit.intact')}</span>{' '}
        {t('operator.admin.audit.intactBody', { count: chain.count })}{' '}
        <span class="muted">
          {t('operator.admin.audit.head')} <code>{chain.head.slice(0, 16)}…</code> ·{' '}
          {t('operator.admin.audit.checkedAt')} <Time iso={chain.checkedAt} />
        </span>
      </p>
    );
  const reason = t(`operator.admin.audit.reason.${chain.reason}`);
  return (
    <div class="notice bad chain-verdict">
      <p>
        <span class="badge bad">{t('operator.admin.audit.broken')}</span>{' '}
        {chain.event
          ? t('operator.admin.audit.brokenAt', {
              seq: chain.brokenAtSeq,
              action: chain.event.action,
              subject: chain.event.subject,
            })
          : t('operator.admin.audit.brokenEnd', { seq: chain.brokenAtSeq })}{' '}
        {reason}
      </p>
      <p>
        {t('operator.admin.audit.verifiedBefore', { count: chain.verified })}{' '}
        {chain.cursor && (
          <a href={listUrl(PATH, { cursor: chain.cursor })}>
            {t('operator.admin.audit.showFrom', { seq: chain.brokenAtSeq })}
          </a>
        )}
      </p>
      <p class="muted">
        {t('operator.admin.audit.checkedAt')} <Time iso={chain.checkedAt} />
      </p>
    </div>
  );
};

async function auditPage(c: Context<WebEnv>) {
  const t = c.get('t');
  const query = {
    subject: param(c.req.query('subject')),
    actor: param(c.req.query('actor')),
    action: param(c.req.query('action'), 100),
    cursor: param(c.req.query('cursor'), 64),
  };
  const answer = await c
    .get('api')
    .get<{ items: AuditEvent[]; next: string | null }>('/v1/audit', { ...query, limit: 50 });
  if (!answer.ok) return apiErrorPage(c, answer.error, answer.status);
  const { items, next } = answer.body;
  const filtered = query.subject || query.actor || query.action;
  return page(c, {
    title: t('nav.operator.audit'),
    ...ADMIN_ASSETS,
    children: (
      <>
        <section aria-labelledby="chain-heading">
          <h2 id="chain-heading">{t('operator.admin.audit.chain')}</h2>
          <div
            id="chain"
            aria-live="polite"
            hx-get={CHAIN_PATH}
            hx-trigger="load"
            hx-swap="innerHTML"
          >
            <p>
              {t('operator.admin.audit.chainIntro')}{' '}
              <a href={CHAIN_PATH}>{t('operator.admin.audit.checkNow')}</a>
            </p>
          </div>
        </section>
        <section aria-labelledby="events-heading">
          <h2 id="events-heading">{t('operator.admin.audit.events')}</h2>
          <form method="get" action={PATH} class="filters">
            {(['subject', 'actor', 'action'] as const).map((f) => (
              <div class="field">
                <label for={`f-${f}`}>{t(`operator.admin.audit.${f}`)}</label>
                <input id={`f-${f}`} name={f} value={query[f] ?? ''} maxlength={200} />
              </div>
            ))}
            <button type="submit" class="secondary">
              {t('common.filter')}
            </button>
            {filtered && <a href={PATH}>{t('operator.admin.clearFilters')}</a>}
          </form>
          {items.length === 0 ? (
            <p>{filtered ? t('operator.admin.audit.noneMatch') : t('common.none')}</p>
          ) : (
            <div class="table-wrap">
              <table class="audit">
                <caption class="visually-hidden">{t('operator.admin.audit.events')}</caption>
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">{t('operator.admin.audit.time')}</th>
                    <th scope="col">{t('operator.admin.audit.actor')}</th>
                    <th scope="col">{t('operator.admin.audit.action')}</th>
                    <th scope="col">{t('operator.admin.audit.subject')}</th>
                    <th scope="col">{t('common.details')}</th>
                    <th scope="col">{t('operator.admin.audit.hash')}</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((e) => (
                    <tr id={`event-${e.seq}`}>
                      <th scope="row">{e.seq}</th>
                      <td>
                        <Time iso={e.at} />
                      </td>
                      <td class="mono">{e.actor}</td>
                      <td class="mono action">{e.action}</td>
                      <td>
                        <a class="mono" href={listUrl(PATH, { subject: e.subject })}>
                          {e.subject}
                        </a>
                      </td>
                      <td>
                        <code class="data">{dataText(e.data)}</code>
                      </td>
                      <td class="hash">
                        <code>{e.hash.slice(0, 12)}…</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <Pager t={t} path={PATH} query={query} next={next} />
        </section>
      </>
    ),
  });
}

/** The chain's verdict: a fragment for htmx, a page of its own otherwise. */
async function chainPage(c: Context<WebEnv>) {
  const t = c.get('t');
  const answer = await c.get('api').get<Chain>('/v1/audit/chain');
  if (!answer.ok) return apiErrorPage(c, answer.error, answer.status);
  const verdict = <ChainVerdict t={t} chain={answer.body} />;
  if (c.req.header('hx-request') === 'true') {
    c.header('Cache-Control', 'no-store');
    return c.html(verdict);
  }
  return page(c, {
    title: t('operator.admin.audit.chain'),
    ...ADMIN_ASSETS,
    children: (
      <>
        {verdict}
        <p>
          <a href={PATH}>{t('operator.admin.audit.backToLog')}</a>
        </p>
      </>
    ),
  });
}

export { auditPage, chainPage };
