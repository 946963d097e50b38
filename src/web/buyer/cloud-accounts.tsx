import type { Context } from 'hono';
import type { FC } from 'hono/jsx';
import type { WebEnv } from '../context.js';
import { csrfToken } from '../csrf.js';
import { fieldErrors, newFormKey, type ApiError } from '../api-client.js';
import type { Translate } from '../i18n/index.js';
import { CsrfField, Field, Pager, describedBy, page } from '../layout.js';
import { apiErrorPage, notFoundPage } from '../pages/errors.js';
import { BASE } from './format.js';
import { known } from './live-panel.js';
import type { CloudAccount, Page } from './types.js';
import { Flash, FormError, SCRIPTS, STYLES, TableWrap, When, field, refusal } from './ui.js';

/**
 * The buyer's linked Huawei Cloud accounts: the list, linking one (an IAM agency named as
 * OneClick says, or a sub-user's AK/SK as the fallback) and unlinking one (confirmed).
 */

const PATH = `${BASE}/cloud-accounts`;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

interface LinkForm {
  values: Record<string, string>;
  errors: Record<string, string>;
}

/** The link form's fields, and the API paths whose problems each shows. */
const FIELDS: [string, string][] = [
  ['name', 'name'],
  ['region', 'region'],
  ['domainName', 'domain'],
  ['domainId', 'domain'],
  ['agencyName', 'agencyName'],
  ['ak', 'ak'],
  ['sk', 'sk'],
  ['kind', 'kind'],
];
const CODE_FIELD: Record<string, string> = {
  CLOUD_ACCOUNT_NAME_TAKEN: 'name',
  AGENCY_NAME_NOT_YOURS: 'agencyName',
  CLOUD_REGION_UNKNOWN: 'region',
};

function linkErrors(t: Translate, error: ApiError): Record<string, string> {
  const byPath = fieldErrors(
    error,
    FIELDS.map(([p]) => p),
  );
  const out: Record<string, string> = {};
  for (const [path, message] of Object.entries(byPath)) {
    const name = path
      ? (FIELDS.find(([p]) => p === path)?.[1] ?? '')
      : (CODE_FIELD[error.code] ?? '');
    const words = path ? message : refusal(t, error);
    out[name] = out[name] ? `${out[name]}; ${words}` : words;
  }
  return out;
}

export async function cloudAccountsPage(
  c: Context<WebEnv>,
  link: LinkForm = { values: {}, errors: {} },
  status: 200 | 400 | 409 | 422 = 200,
  topError?: string,
) {
  const t = c.get('t');
  const api = c.get('api');
  const cursor = c.req.query('cursor');
  const [accounts, agency] = await Promise.all([
    api.get<Page<CloudAccount>>('/v1/cloud-accounts', {
      limit: 50,
      cursor: cursor && cursor.length <= 256 ? cursor : undefined,
    }),
    api.get<{ agencyName: string }>('/v1/cloud-accounts/agency-name'),
  ]);
  const unavailable = !accounts.ok && accounts.error.code === 'ROUTE_NOT_FOUND';
  if (!accounts.ok && !unavailable) return apiErrorPage(c, accounts.error, accounts.status);
  const q = c.req.query();
  const flash =
    q.linked !== undefined
      ? t('buyer.accounts.linked')
      : q.unlinked !== undefined
        ? t('buyer.accounts.unlinked')
        : undefined;
  const items = accounts.ok ? accounts.body.items : [];
  const next = accounts.ok ? accounts.body.next : null;
  return page(
    c,
    {
      title: t('buyer.accounts.title'),
      styles: STYLES,
      scripts: SCRIPTS,
      children: (
        <>
          <p>{t('buyer.accounts.intro')}</p>
          <Flash text={flash} />
          {topError && (
            <p class="notice bad" role="alert">
              {topError}
            </p>
          )}
          {unavailable ? (
            <p class="notice">{t('buyer.accounts.unavailable')}</p>
          ) : (
            <>
              <h2>{t('buyer.accounts.listTitle')}</h2>
              {items.length === 0 ? (
                <p>{t('buyer.accounts.none')}</p>
              ) : (
                <AccountsTable c={c} items={items} />
              )}
              <Pager
                label={t('buyer.accounts.pages')}
                firstHref={cursor ? PATH : undefined}
                firstText={t('buyer.orders.firstPage')}
                nextHref={next ? `${PATH}?cursor=${encodeURIComponent(next)}` : undefined}
                nextText={t('common.next')}
              />
              <LinkFormView
                c={c}
                form={link}
                agencyName={agency.ok ? agency.body.agencyName : undefined}
              />
            </>
          )}
        </>
      ),
    },
    status,
  );
}

const AccountsTable: FC<{ c: Context<WebEnv>; items: CloudAccount[] }> = ({ c, items }) => {
  const t = c.get('t');
  const token = csrfToken(c);
  return (
    <TableWrap label={t('buyer.accounts.listTitle')}>
      <table>
        <caption class="visually-hidden">{t('buyer.accounts.listTitle')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('common.name')}</th>
            <th scope="col">{t('buyer.accounts.kind')}</th>
            <th scope="col">{t('buyer.accounts.identity')}</th>
            <th scope="col">{t('buyer.accounts.region')}</th>
            <th scope="col">{t('buyer.accounts.linkedAt')}</th>
            <th scope="col">{t('common.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((a) => (
            <tr data-account={a.id}>
              <th scope="row">{a.name}</th>
              <td>{known(t, `buyer.accounts.kind.${a.kind}`, a.kind)}</td>
              <td class="mono">
                {a.kind === 'agency'
                  ? `${a.domainName ?? a.domainId ?? ''} / ${a.agencyName ?? ''}`
                  : (a.accessKey ?? '')}
              </td>
              <td class="mono">{a.region}</td>
              <td>
                <When t={t} at={a.createdAt} />
              </td>
              <td>
                <form
                  method="post"
                  action={`${PATH}/${encodeURIComponent(a.id)}/unlink`}
                  class="inline"
                  data-confirm={t('buyer.accounts.unlinkConfirm', { name: a.name })}
                >
                  <CsrfField token={token} />
                  <button type="submit" class="danger">
                    {t('buyer.accounts.unlink')}
                    <span class="visually-hidden"> {a.name}</span>
                  </button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
};

const LinkFormView: FC<{
  c: Context<WebEnv>;
  form: LinkForm;
  agencyName: string | undefined;
}> = ({ c, form, agencyName }) => {
  const t = c.get('t');
  const v = form.values;
  const e = form.errors;
  const kind = v.kind === 'aksk' ? 'aksk' : 'agency';
  const input = (name: string, extra: Record<string, unknown> = {}, hint?: string) => (
    <input
      id={`f-${name}`}
      name={name}
      value={v[name] ?? ''}
      autocomplete="off"
      spellcheck={false}
      aria-invalid={e[name] ? 'true' : undefined}
      aria-describedby={describedBy(name, e[name], hint)}
      {...extra}
    />
  );
  const regionHint = t('buyer.accounts.regionHint');
  const domainHint = t('buyer.accounts.domainHint');
  return (
    <section aria-labelledby="link-title">
      <h2 id="link-title">{t('buyer.accounts.linkTitle')}</h2>
      <FormError text={e['']} />
      <form method="post" action={PATH} id="link-form" novalidate>
        <CsrfField token={csrfToken(c)} />
        <input type="hidden" name="_idem" value={newFormKey()} />
        <Field name="name" label={t('buyer.accounts.name')} error={e.name}>
          {input('name', { maxlength: 64, required: true })}
        </Field>
        <fieldset>
          <legend>{t('buyer.accounts.how')}</legend>
          <label class="radio">
            <input type="radio" name="kind" value="agency" checked={kind === 'agency'} />
            {t('buyer.accounts.kind.agency')}
          </label>
          <label class="radio">
            <input type="radio" name="kind" value="aksk" checked={kind === 'aksk'} />
            {t('buyer.accounts.kind.aksk')}
          </label>
          <div class="when" data-when="kind=agency">
            {agencyName ? (
              <div class="agency-name">
                <p>{t('buyer.accounts.agencyIntro')}</p>
                <p>
                  <code id="agency-name">{agencyName}</code>{' '}
                  <button
                    type="button"
                    class="secondary"
                    data-copy="#agency-name"
                    data-copied={t('common.copied')}
                  >
                    {t('common.copy')}
                  </button>
                </p>
                <input type="hidden" name="agencyName" value={agencyName} />
              </div>
            ) : (
              <p class="notice bad">{t('buyer.accounts.noAgencyName')}</p>
            )}
            {e.agencyName && (
              <p class="error" role="alert">
                {e.agencyName}
              </p>
            )}
            <Field
              name="domain"
              label={t('buyer.accounts.domain')}
              error={e.domain}
              hint={domainHint}
            >
              {input('domain', { maxlength: 64 }, domainHint)}
            </Field>
          </div>
          <div class="when" data-when="kind=aksk">
            <p>{t('buyer.accounts.akskIntro')}</p>
            <Field name="ak" label={t('buyer.accounts.ak')} error={e.ak}>
              {input('ak', { maxlength: 128, class: 'mono' })}
            </Field>
            <Field name="sk" label={t('buyer.accounts.sk')} error={e.sk}>
              <input
                id="f-sk"
                name="sk"
                type="password"
                autocomplete="off"
                maxlength={256}
                aria-invalid={e.sk ? 'true' : undefined}
                aria-describedby={describedBy('sk', e.sk)}
              />
            </Field>
          </div>
        </fieldset>
        <Field name="region" label={t('buyer.accounts.region')} error={e.region} hint={regionHint}>
          {input('region', { maxlength: 32, placeholder: 'cn-north-4' }, regionHint)}
        </Field>
        <button type="submit">{t('buyer.accounts.link')}</button>
      </form>
    </section>
  );
};

export async function linkPost(c: Context<WebEnv>) {
  const t = c.get('t');
  const form = await c.req.parseBody();
  const values: Record<string, string> = {};
  for (const name of ['name', 'kind', 'domain', 'ak', 'region']) values[name] = field(form, name);
  const kind = values.kind === 'aksk' ? 'aksk' : 'agency';
  const domain = values.domain ?? '';
  const common = {
    name: values.name,
    ...(values.region && { region: values.region }),
  };
  const body =
    kind === 'agency'
      ? {
          ...common,
          kind,
          ...(/^[0-9a-f]{32}$/.test(domain) ? { domainId: domain } : { domainName: domain }),
          agencyName: field(form, 'agencyName'),
        }
      : { ...common, kind, ak: values.ak, sk: field(form, 'sk', false) };
  const idem = field(form, '_idem');
  const answer = await c.get('api').post<CloudAccount>('/v1/cloud-accounts', body, {
    ...(/^[\x21-\x7e]{1,255}$/.test(idem) && { idempotencyKey: idem }),
  });
  if (answer.ok) return c.redirect(`${PATH}?linked`, 303);
  const status = answer.status === 409 ? 409 : answer.status === 422 ? 422 : 400;
  // The secret key is never shown again, even after a refusal.
  return cloudAccountsPage(c, { values, errors: linkErrors(t, answer.error) }, status);
}

export async function unlinkPost(c: Context<WebEnv>, id: string) {
  const t = c.get('t');
  if (!ID.test(id)) return notFoundPage(c);
  const answer = await c.get('api').delete(`/v1/cloud-accounts/${encodeURIComponent(id)}`);
  if (answer.ok) return c.redirect(`${PATH}?unlinked`, 303);
  if (answer.status === 404) return notFoundPage(c);
  return cloudAccountsPage(c, undefined, 409, refusal(t, answer.error));
}
