import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { WebEnv } from '../../context.js';
import { CsrfField, page } from '../../layout.js';
import { csrfToken } from '../../csrf.js';
import { newFormKey } from '../../api-client.js';
import { cookieOptions } from '../../session.js';
import { apiErrorPage } from '../../pages/errors.js';
import { formatTime } from './format.js';
import { TableBox } from './parts.js';
import type { CredentialView } from './views.js';
import {
  SK_ONCE_COOKIE,
  SK_ONCE_MS,
  openCredential,
  sealCredential,
  type NewCredential,
} from './sk-flash.js';

export const CREDENTIALS = '/console/seller/credentials';

/** The session's own secrets, which seal the SK on its way to the page that shows it once. */
const sessionSecret = (c: Context<WebEnv>) => {
  const s = c.get('session')!;
  return `${s.tokenHash}\n${s.csrfToken}`;
};
const onceCookie = (c: Context<WebEnv>, maxAge?: number) => ({
  ...cookieOptions(c, maxAge),
  path: CREDENTIALS,
});

/** KooGallery open-API credentials: list the AKs, create a pair (SK shown once), delete. */
export function credentialPages() {
  return new Hono<WebEnv>()
    .get('/credentials', async (c) => {
      const sealed = getCookie(c, SK_ONCE_COOKIE);
      let created: NewCredential | undefined;
      if (sealed !== undefined) created = openCredential(sessionSecret(c), sealed);
      // Shown on this answer only (a reload finds no cookie), and only once the page renders: a
      // failed list read keeps the SK for the next try.
      return credentialsPage(c, created, () =>
        sealed === undefined ? undefined : deleteCookie(c, SK_ONCE_COOKIE, onceCookie(c)),
      );
    })
    .post('/credentials', async (c) => {
      const form = await c.req.parseBody();
      const idem = typeof form._idem === 'string' ? form._idem : newFormKey();
      const answer = await c
        .get('api')
        .post<NewCredential>('/v1/keys/api-credentials', undefined, { idempotencyKey: idem });
      if (!answer.ok) return apiErrorPage(c, answer.error, answer.status);
      setCookie(
        c,
        SK_ONCE_COOKIE,
        sealCredential(sessionSecret(c), answer.body),
        onceCookie(c, SK_ONCE_MS / 1000),
      );
      return c.redirect(CREDENTIALS, 303);
    })
    .post('/credentials/:ak/delete', async (c) => {
      const ak = c.req.param('ak');
      const answer = await c
        .get('api')
        .delete(`/v1/keys/api-credentials/${encodeURIComponent(ak)}`);
      if (!answer.ok) return apiErrorPage(c, answer.error, answer.status);
      return c.redirect(`${CREDENTIALS}?deleted=${encodeURIComponent(ak)}`, 303);
    });
}

async function credentialsPage(
  c: Context<WebEnv>,
  created: NewCredential | undefined,
  onShown: () => void = () => undefined,
) {
  const t = c.get('t');
  const answer = await c.get('api').get<{ items: CredentialView[] }>('/v1/keys/api-credentials');
  if (!answer.ok) return apiErrorPage(c, answer.error, answer.status);
  onShown();
  const items = answer.body.items;
  const token = csrfToken(c);
  const deleted = c.req.query('deleted');
  return page(c, {
    title: t('seller.catalog.credentials.title'),
    styles: ['seller-catalog.css'],
    children: (
      <>
        {created && (
          <section class="notice ok sk-once" aria-labelledby="sk-once-h">
            <h2 id="sk-once-h">{t('seller.catalog.credentials.created.title')}</h2>
            <p role="status">{t('seller.catalog.credentials.created.once')}</p>
            <dl class="facts">
              <dt>{t('seller.catalog.credentials.ak')}</dt>
              <dd>
                <code id="new-ak">{created.ak}</code>{' '}
                <button
                  type="button"
                  class="secondary"
                  data-copy="#new-ak"
                  data-copied={t('common.copied')}
                >
                  {t('seller.catalog.credentials.copyAk')}
                </button>
              </dd>
              <dt>{t('seller.catalog.credentials.sk')}</dt>
              <dd>
                <code id="new-sk">{created.sk}</code>{' '}
                <button
                  type="button"
                  class="secondary"
                  data-copy="#new-sk"
                  data-copied={t('common.copied')}
                >
                  {t('seller.catalog.credentials.copySk')}
                </button>
              </dd>
            </dl>
          </section>
        )}
        {deleted !== undefined && (
          <p class="notice ok" role="status">
            {t('seller.catalog.credentials.deleted', { ak: deleted })}
          </p>
        )}
        <p>{t('seller.catalog.credentials.intro')}</p>
        {items.length === 0 ? (
          <p>{t('seller.catalog.credentials.empty')}</p>
        ) : (
          <TableBox label={t('seller.catalog.credentials.title')}>
            <table>
              <caption class="visually-hidden">{t('seller.catalog.credentials.title')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('seller.catalog.credentials.ak')}</th>
                  <th scope="col">{t('common.status')}</th>
                  <th scope="col">{t('common.created')}</th>
                  <th scope="col">{t('common.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((k) => (
                  <tr>
                    <th scope="row" class="mono">
                      {k.ak}
                    </th>
                    <td>
                      {k.revokedAt ? (
                        <>
                          <span class="badge muted">{t('seller.catalog.credentials.revoked')}</span>{' '}
                          {t('seller.catalog.credentials.revokedAt', {
                            at: formatTime(k.revokedAt),
                          })}
                        </>
                      ) : (
                        <span class="badge ok">{t('seller.catalog.credentials.active')}</span>
                      )}
                    </td>
                    <td>{formatTime(k.createdAt)}</td>
                    <td>
                      {!k.revokedAt && (
                        <form
                          method="post"
                          action={`${CREDENTIALS}/${encodeURIComponent(k.ak)}/delete`}
                          class="inline"
                          data-confirm={t('seller.catalog.credentials.delete.confirm', {
                            ak: k.ak,
                          })}
                        >
                          <CsrfField token={token} />
                          <button type="submit" class="danger">
                            {t('seller.catalog.credentials.delete')}
                            <span class="visually-hidden"> {k.ak}</span>
                          </button>
                        </form>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableBox>
        )}
        <h2>{t('seller.catalog.credentials.create.title')}</h2>
        <form method="post" action={CREDENTIALS}>
          <CsrfField token={token} />
          <input type="hidden" name="_idem" value={newFormKey()} />
          <p>{t('seller.catalog.credentials.create.intro')}</p>
          <button type="submit">{t('seller.catalog.credentials.create.submit')}</button>
        </form>
      </>
    ),
  });
}
