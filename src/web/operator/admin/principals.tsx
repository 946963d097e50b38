import type { Context } from 'hono';
import type { FC } from 'hono/jsx';
import type { WebEnv } from '../../context.js';
import type { Translate } from '../../i18n/index.js';
import { CsrfField, describedBy, Field, page } from '../../layout.js';
import { csrfToken } from '../../csrf.js';
import { fieldErrors, newFormKey } from '../../api-client.js';
import { apiErrorPage, notFoundPage } from '../../pages/errors.js';
import { ADMIN_ASSETS, ADMIN_BASE, Pager, param, Time } from './shared.js';

/**
 * Principals and their API keys: the list (paged, by role), creating a principal and issuing a
 * key (each key shown once, with a copy button), revoking a key (confirmed). All through
 * /v1/principals as the signed-in operator.
 */

type Role = 'buyer' | 'seller' | 'operator';
const ROLES: readonly Role[] = ['buyer', 'seller', 'operator'];
const isRole = (v: unknown): v is Role => typeof v === 'string' && ROLES.includes(v as Role);

interface ApiKey {
  id: string;
  prefix: string;
  name: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
interface PrincipalView {
  id: string;
  role: Role;
  name: string;
  sellerId: string | null;
  buyerId: string | null;
  customerId: string | null;
  createdAt: string;
  keys: ApiKey[];
}

const PATH = `${ADMIN_BASE}/principals`;
/** A key as people tell it apart: its visible start. */
const keyLabel = (prefix: string) => `ock_${prefix}_…`;
/** `back` carries the list's query through a revoke form: letters, digits and query marks only. */
const safeBack = (v: unknown) =>
  typeof v === 'string' && /^[A-Za-z0-9_.~%=&-]{0,600}$/.test(v) ? v : '';

const Account: FC<{ t: Translate; p: PrincipalView }> = ({ t, p }) => {
  if (p.role === 'seller' && p.sellerId)
    return (
      <>
        {t('operator.admin.seller')} <span class="mono">{p.sellerId}</span>
      </>
    );
  if (p.role === 'buyer')
    return p.customerId ? (
      <>
        {t('operator.admin.principals.customer')} <span class="mono">{p.customerId}</span>
      </>
    ) : (
      <>
        {t('operator.admin.principals.buyer')} <span class="mono">{p.buyerId}</span>
      </>
    );
  return <>—</>;
};

const KeyItem: FC<{
  t: Translate;
  p: PrincipalView;
  k: ApiKey;
  token: string;
  back: string;
}> = ({ t, p, k, token, back }) => (
  <li class="key">
    <span class="key-head">
      <code>{keyLabel(k.prefix)}</code>
      {k.name && <span class="muted"> {k.name}</span>}{' '}
      {k.revokedAt ? (
        <span class="badge muted">{t('operator.admin.principals.keyRevoked')}</span>
      ) : (
        <span class="badge ok">{t('operator.admin.principals.keyActive')}</span>
      )}
    </span>
    <span class="key-dates">
      {t('operator.admin.principals.keyCreated')} <Time iso={k.createdAt} />
      {' · '}
      {t('operator.admin.principals.keyLastUsed')}{' '}
      {k.lastUsedAt ? <Time iso={k.lastUsedAt} /> : t('operator.admin.principals.never')}
      {k.revokedAt && (
        <>
          {' · '}
          {t('operator.admin.principals.keyRevokedAt')} <Time iso={k.revokedAt} />
        </>
      )}
    </span>
    {!k.revokedAt && (
      <form
        method="post"
        action={`${PATH}/${encodeURIComponent(p.id)}/keys/${encodeURIComponent(k.id)}/revoke`}
        class="inline"
        data-confirm={t('operator.admin.principals.revokeConfirm', {
          key: keyLabel(k.prefix),
          name: p.name,
        })}
      >
        <CsrfField token={token} />
        <input type="hidden" name="back" value={back} />
        <button
          type="submit"
          class="danger small"
          aria-label={t('operator.admin.principals.revokeNamed', { key: keyLabel(k.prefix) })}
        >
          {t('operator.admin.principals.revoke')}
        </button>
      </form>
    )}
  </li>
);

async function listPage(c: Context<WebEnv>) {
  const t = c.get('t');
  const roleParam = c.req.query('role');
  const query = {
    role: isRole(roleParam) ? roleParam : undefined,
    cursor: param(c.req.query('cursor'), 256),
  };
  const answer = await c
    .get('api')
    .get<{ items: PrincipalView[]; next: string | null }>('/v1/principals', {
      ...query,
      limit: 20,
    });
  if (!answer.ok) return apiErrorPage(c, answer.error, answer.status);
  const token = csrfToken(c);
  const back = safeBack(new URL(c.req.url).search.slice(1));
  const revoked = param(c.req.query('revoked'), 16);
  const refused = param(c.req.query('refused'), 16);
  const { items, next } = answer.body;
  return page(c, {
    title: t('nav.operator.principals'),
    ...ADMIN_ASSETS,
    children: (
      <>
        {revoked && (
          <p class="notice ok" role="status">
            {t('operator.admin.principals.revokedNotice', { key: keyLabel(revoked) })}
          </p>
        )}
        {refused && (
          <p class="notice bad" role="alert">
            {t('operator.admin.principals.lastOperatorKey', { key: keyLabel(refused) })}
          </p>
        )}
        <p>
          <a class="button" href={`${PATH}/new`}>
            {t('operator.admin.principals.create')}
          </a>
        </p>
        <form method="get" action={PATH} class="filters">
          <div class="field">
            <label for="f-role">{t('operator.admin.principals.role')}</label>
            <select id="f-role" name="role">
              <option value="">{t('common.any')}</option>
              {ROLES.map((r) => (
                <option value={r} selected={query.role === r}>
                  {t(`role.${r}`)}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" class="secondary">
            {t('common.filter')}
          </button>
        </form>
        {items.length === 0 ? (
          <p>{t('common.none')}</p>
        ) : (
          <div class="table-wrap">
            <table class="principals">
              <caption class="visually-hidden">{t('nav.operator.principals')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('common.name')}</th>
                  <th scope="col">{t('operator.admin.principals.role')}</th>
                  <th scope="col">{t('operator.admin.principals.account')}</th>
                  <th scope="col">{t('common.created')}</th>
                  <th scope="col">{t('operator.admin.principals.keys')}</th>
                  <th scope="col">{t('common.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((p) => (
                  <tr id={`principal-${p.id}`}>
                    <th scope="row">
                      {p.name}
                      <br />
                      <span class="mono small">{p.id}</span>
                    </th>
                    <td>{t(`role.${p.role}`)}</td>
                    <td>
                      <Account t={t} p={p} />
                    </td>
                    <td>
                      <Time iso={p.createdAt} />
                    </td>
                    <td>
                      {p.keys.length === 0 ? (
                        t('operator.admin.principals.noKeys')
                      ) : (
                        <ul class="keys">
                          {p.keys.map((k) => (
                            <KeyItem t={t} p={p} k={k} token={token} back={back} />
                          ))}
                        </ul>
                      )}
                    </td>
                    <td class="actions">
                      <form
                        method="post"
                        action={`${PATH}/${encodeURIComponent(p.id)}/keys`}
                        class="inline"
                      >
                        <CsrfField token={token} />
                        <input type="hidden" name="_idem" value={newFormKey()} />
                        <button
                          type="submit"
                          class="secondary small"
                          aria-label={t('operator.admin.principals.issueNamed', { name: p.name })}
                        >
                          {t('operator.admin.principals.issue')}
                        </button>
                      </form>
                      <a href={`${ADMIN_BASE}/audit?subject=${encodeURIComponent(p.id)}`}>
                        {t('operator.admin.principals.auditTrail')}
                      </a>
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

interface NewForm {
  role: string;
  name: string;
  customerId: string;
  sellerId: string;
}
const FIELDS = ['role', 'name', 'customerId', 'sellerId'] as const;

function newPage(
  c: Context<WebEnv>,
  form: NewForm = { role: 'buyer', name: '', customerId: '', sellerId: '' },
  errors: Record<string, string> = {},
) {
  const t = c.get('t');
  const e = (f: string) => errors[f];
  return page(
    c,
    {
      title: t('operator.admin.principals.create'),
      ...ADMIN_ASSETS,
      children: (
        <form method="post" action={`${PATH}/new`} novalidate class="new-principal">
          <CsrfField token={csrfToken(c)} />
          <input type="hidden" name="_idem" value={newFormKey()} />
          {errors[''] && (
            <p class="form-error" role="alert">
              {errors['']}
            </p>
          )}
          <Field name="role" label={t('operator.admin.principals.role')} error={e('role')}>
            <select id="f-role" name="role" aria-describedby={describedBy('role', e('role'))}>
              {ROLES.map((r) => (
                <option value={r} selected={form.role === r}>
                  {t(`role.${r}`)}
                </option>
              ))}
            </select>
          </Field>
          <Field
            name="name"
            label={t('common.name')}
            error={e('name')}
            hint={t('operator.admin.principals.nameHint')}
          >
            <input
              id="f-name"
              name="name"
              value={form.name}
              required
              maxlength={200}
              autocomplete="off"
              aria-invalid={e('name') ? 'true' : undefined}
              aria-describedby={describedBy('name', e('name'), 'hint')}
            />
          </Field>
          <div data-for-role="buyer">
            <Field
              name="customerId"
              label={t('operator.admin.principals.customerId')}
              error={e('customerId')}
              hint={t('operator.admin.principals.customerIdHint')}
            >
              <input
                id="f-customerId"
                name="customerId"
                value={form.customerId}
                maxlength={64}
                autocomplete="off"
                aria-invalid={e('customerId') ? 'true' : undefined}
                aria-describedby={describedBy('customerId', e('customerId'), 'hint')}
              />
            </Field>
          </div>
          <div data-for-role="seller">
            <Field
              name="sellerId"
              label={t('operator.admin.principals.sellerId')}
              error={e('sellerId')}
              hint={t('operator.admin.principals.sellerIdHint')}
            >
              <input
                id="f-sellerId"
                name="sellerId"
                value={form.sellerId}
                maxlength={64}
                autocomplete="off"
                aria-invalid={e('sellerId') ? 'true' : undefined}
                aria-describedby={describedBy('sellerId', e('sellerId'), 'hint')}
              />
            </Field>
          </div>
          <p>
            <button type="submit">{t('operator.admin.principals.createSubmit')}</button>{' '}
            <a href={PATH}>{t('common.cancel')}</a>
          </p>
        </form>
      ),
    },
    Object.keys(errors).length ? 400 : 200,
  );
}

/** The page a new key is shown on, once: the key, a copy button, and where to go next. */
function keyShownOnce(
  c: Context<WebEnv>,
  title: string,
  p: { id: string; name: string; role: Role },
  key: string,
) {
  const t = c.get('t');
  return page(c, {
    title,
    ...ADMIN_ASSETS,
    children: (
      <>
        <p class="notice ok" role="status">
          {t('operator.admin.principals.keyOnce', { name: p.name })}
        </p>
        <div class="key-once">
          <p class="key-label">{t('signIn.apiKey')}</p>
          <code id="new-key">{key}</code>
          <button
            type="button"
            class="secondary"
            data-copy="#new-key"
            data-copied={t('common.copied')}
          >
            {t('common.copy')}
          </button>
        </div>
        <dl class="facts">
          <dt>{t('common.name')}</dt>
          <dd>{p.name}</dd>
          <dt>{t('operator.admin.principals.role')}</dt>
          <dd>{t(`role.${p.role}`)}</dd>
          <dt>{t('common.id')}</dt>
          <dd class="mono">{p.id}</dd>
        </dl>
        <p>
          <a href={`${PATH}#principal-${p.id}`}>{t('operator.admin.principals.back')}</a>
          {' · '}
          <a href={`${PATH}/new`}>{t('operator.admin.principals.createAnother')}</a>
        </p>
      </>
    ),
  });
}

async function create(c: Context<WebEnv>) {
  const t = c.get('t');
  const body = await c.req.parseBody();
  const text = (k: string) => (typeof body[k] === 'string' ? body[k].trim() : '');
  const form: NewForm = {
    role: text('role'),
    name: text('name'),
    customerId: text('customerId'),
    sellerId: text('sellerId'),
  };
  if (!isRole(form.role))
    return newPage(c, form, { role: t('operator.admin.principals.roleRequired') });
  const request =
    form.role === 'buyer'
      ? {
          role: form.role,
          name: form.name,
          ...(form.customerId && { customerId: form.customerId }),
        }
      : form.role === 'seller'
        ? { role: form.role, name: form.name, ...(form.sellerId && { sellerId: form.sellerId }) }
        : { role: form.role, name: form.name };
  const idem = text('_idem');
  const answer = await c.get('api').post<{
    principal: { id: string; name: string; role: Role };
    apiKey: { key: string };
  }>('/v1/principals', request, idem ? { idempotencyKey: idem } : {});
  if (!answer.ok) {
    if (answer.error.code === 'NOT_FOUND')
      return newPage(c, form, { sellerId: t('operator.admin.principals.sellerUnknown') });
    if (answer.error.code !== 'VALIDATION_FAILED')
      return apiErrorPage(c, answer.error, answer.status);
    const found = fieldErrors(answer.error, FIELDS);
    // The API's words say which rule; the form says it in the reader's language.
    const words: Record<string, string> = {
      name: t('operator.admin.principals.nameInvalid'),
      customerId: t('operator.admin.principals.idInvalid'),
      sellerId: t('operator.admin.principals.idInvalid'),
      role: t('operator.admin.principals.roleRequired'),
    };
    const errors = Object.fromEntries(
      Object.entries(found).map(([f, m]) => [f, words[f] ?? m] as const),
    );
    return newPage(c, form, errors);
  }
  const { principal, apiKey } = answer.body;
  return keyShownOnce(c, t('operator.admin.principals.createdTitle'), principal, apiKey.key);
}

async function issueKey(c: Context<WebEnv>) {
  const t = c.get('t');
  const id = c.req.param('id') ?? '';
  const body = await c.req.parseBody();
  const idem = typeof body._idem === 'string' ? body._idem : '';
  const api = c.get('api');
  // The principal is read first: once the key exists, nothing may keep it from being shown.
  const shown = await api.get<PrincipalView>(`/v1/principals/${encodeURIComponent(id)}`);
  if (!shown.ok) return apiErrorPage(c, shown.error, shown.status);
  const answer = await api.post<{ key: string }>(
    `/v1/principals/${encodeURIComponent(id)}/keys`,
    undefined,
    idem ? { idempotencyKey: idem } : {},
  );
  if (!answer.ok) return apiErrorPage(c, answer.error, answer.status);
  return keyShownOnce(
    c,
    t('operator.admin.principals.issuedTitle', { name: shown.body.name }),
    shown.body,
    answer.body.key,
  );
}

async function revoke(c: Context<WebEnv>) {
  const id = c.req.param('id') ?? '';
  const keyId = c.req.param('keyId') ?? '';
  const body = await c.req.parseBody();
  const back = safeBack(body.back);
  const answer = await c
    .get('api')
    .post<{ key: ApiKey }>(
      `/v1/principals/${encodeURIComponent(id)}/keys/${encodeURIComponent(keyId)}/revoke`,
    );
  const to = (name: 'revoked' | 'refused', prefix: string) => {
    const q = new URLSearchParams(back);
    q.delete('revoked');
    q.delete('refused');
    q.set(name, prefix);
    return c.redirect(`${PATH}?${q.toString()}`, 303);
  };
  if (answer.ok) return to('revoked', answer.body.key.prefix);
  if (answer.error.code === 'CONFLICT') {
    const shown = await c.get('api').get<PrincipalView>(`/v1/principals/${encodeURIComponent(id)}`);
    const prefix = shown.ok ? shown.body.keys.find((k) => k.id === keyId)?.prefix : undefined;
    if (prefix) return to('refused', prefix);
  }
  if (answer.status === 404) return notFoundPage(c);
  return apiErrorPage(c, answer.error, answer.status);
}

/** Registers the principals pages on the operator/admin app. */
export const principalPages = {
  list: listPage,
  new: (c: Context<WebEnv>) => newPage(c),
  create,
  issueKey,
  revoke,
};
