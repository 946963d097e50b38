import { Hono, type Context } from 'hono';
import type { WebEnv } from '../../context.js';
import type { MessageKey, Translate } from '../../i18n/index.js';
import { CsrfField, Field, describedBy, page } from '../../layout.js';
import { csrfToken } from '../../csrf.js';
import { newFormKey, type ApiError } from '../../api-client.js';
import { apiErrorPage } from '../../pages/errors.js';
import { KeyList } from './key-list.js';
import { KEYS, type KeyView } from './views.js';

const ALGORITHMS = ['EdDSA', 'RS256', 'PS256'] as const;
const JWKS = '/.well-known/jwks.json';

interface KeysState {
  /** The import form's values and its error, when it was refused. */
  importForm?: { pem: string; alg: string; error: string };
  /** A refusal of an action with no form field (retiring the active key). */
  alert?: string;
}

/** Signing keys: the list, create (rotates), import a PEM, retire, and the published files. */
export function keyPages() {
  return new Hono<WebEnv>()
    .get('/keys', (c) => keysPage(c, {}))
    .post('/keys', async (c) => {
      const form = await c.req.parseBody();
      const alg = ALGORITHMS.find((a) => a === form.alg) ?? 'EdDSA';
      const answer = await c
        .get('api')
        .post<KeyView>('/v1/keys', { alg }, { idempotencyKey: idemOf(form) });
      if (!answer.ok) return apiErrorPage(c, answer.error, answer.status);
      return c.redirect(`${KEYS}?created=${encodeURIComponent(answer.body.kid)}`, 303);
    })
    .post('/keys/import', async (c) => {
      const t = c.get('t');
      const form = await c.req.parseBody();
      const pem = typeof form.pem === 'string' ? form.pem : '';
      const passphrase = typeof form.passphrase === 'string' ? form.passphrase : '';
      const alg = ALGORITHMS.find((a) => a === form.alg);
      const answer = await c
        .get('api')
        .post<KeyView>(
          '/v1/keys',
          { pem: pem.trim(), ...(passphrase && { passphrase }), ...(alg && { alg }) },
          { idempotencyKey: idemOf(form) },
        );
      if (answer.ok) {
        return c.redirect(`${KEYS}?imported=${encodeURIComponent(answer.body.kid)}`, 303);
      }
      if (answer.status >= 500 || answer.status === 403) {
        return apiErrorPage(c, answer.error, answer.status);
      }
      return keysPage(
        c,
        { importForm: { pem, alg: alg ?? '', error: importErrorWords(t, answer.error) } },
        400,
      );
    })
    .post('/keys/:kid/retire', async (c) => {
      const t = c.get('t');
      const kid = c.req.param('kid');
      const answer = await c.get('api').post<KeyView>(`/v1/keys/${encodeURIComponent(kid)}/retire`);
      if (answer.ok) return c.redirect(`${KEYS}?retired=${encodeURIComponent(kid)}`, 303);
      if (answer.error.code === 'KEY_IS_ACTIVE') {
        return keysPage(c, { alert: t('seller.catalog.keys.error.active') }, 409);
      }
      return apiErrorPage(c, answer.error, answer.status);
    });
}

const idemOf = (form: Record<string, unknown>) =>
  typeof form._idem === 'string' ? form._idem : newFormKey();

const IMPORT_ERRORS: Record<string, MessageKey> = {
  KEY_IMPORT_INVALID: 'seller.catalog.keys.error.invalid',
  KEY_TYPE_UNSUPPORTED: 'seller.catalog.keys.error.type',
  KEY_SIZE_UNSUPPORTED: 'seller.catalog.keys.error.size',
  KEY_ALGORITHM_MISMATCH: 'seller.catalog.keys.error.algorithm',
  KEY_ALREADY_REGISTERED: 'seller.catalog.keys.error.registered',
  VALIDATION_FAILED: 'seller.catalog.keys.error.pem',
};

function importErrorWords(t: Translate, error: ApiError): string {
  const key = IMPORT_ERRORS[error.code];
  return key ? t(key) : t('error.generic.body', { code: error.code });
}

async function keysPage(c: Context<WebEnv>, state: KeysState, status: 200 | 400 | 409 = 200) {
  const t = c.get('t');
  const answer = await c.get('api').get<{ items: KeyView[] }>('/v1/keys');
  if (!answer.ok) return apiErrorPage(c, answer.error, answer.status);
  const keys = answer.body.items;
  const done = (['created', 'imported', 'retired'] as const).find(
    (k) => c.req.query(k) !== undefined,
  );
  const token = csrfToken(c);
  const importForm = state.importForm;
  return page(
    c,
    {
      title: t('seller.catalog.keys.title'),
      styles: ['seller-catalog.css'],
      children: (
        <>
          {done && (
            <p class="notice ok" role="status">
              {t(`seller.catalog.keys.done.${done}`, { kid: c.req.query(done) ?? '' })}
            </p>
          )}
          {state.alert && (
            <p class="notice bad" role="alert">
              {state.alert}
            </p>
          )}
          <p>{t('seller.catalog.keys.intro')}</p>
          <p>
            {t('seller.catalog.keys.jwks')} <a href={JWKS}>{JWKS}</a>
          </p>
          <KeyList t={t} keys={keys} token={token} />
          <h2>{t('seller.catalog.keys.create.title')}</h2>
          <p>{t('seller.catalog.keys.create.intro')}</p>
          <form method="post" action={KEYS} class="key-create">
            <CsrfField token={token} />
            <input type="hidden" name="_idem" value={newFormKey()} />
            <Field name="alg" label={t('seller.catalog.keys.alg')}>
              <select id="f-alg" name="alg">
                {ALGORITHMS.map((a) => (
                  <option value={a}>{t(`seller.catalog.keys.alg.${a}`)}</option>
                ))}
              </select>
            </Field>
            <button type="submit">{t('seller.catalog.keys.create.submit')}</button>
          </form>
          <h2>{t('seller.catalog.keys.import.title')}</h2>
          <form method="post" action={`${KEYS}/import`} class="key-import" novalidate>
            <CsrfField token={token} />
            <input type="hidden" name="_idem" value={newFormKey()} />
            <Field
              name="pem"
              label={t('seller.catalog.keys.pem')}
              hint={t('seller.catalog.keys.pem.hint')}
              error={importForm?.error}
            >
              <textarea
                id="f-pem"
                name="pem"
                rows={6}
                class="mono"
                spellcheck={false}
                required
                aria-invalid={importForm?.error ? 'true' : undefined}
                aria-describedby={describedBy(
                  'pem',
                  importForm?.error,
                  t('seller.catalog.keys.pem.hint'),
                )}
              >
                {importForm?.pem ?? ''}
              </textarea>
            </Field>
            <Field
              name="passphrase"
              label={t('seller.catalog.keys.passphrase')}
              hint={t('seller.catalog.keys.passphrase.hint')}
            >
              <input
                id="f-passphrase"
                name="passphrase"
                type="password"
                autocomplete="off"
                aria-describedby={describedBy(
                  'passphrase',
                  undefined,
                  t('seller.catalog.keys.passphrase.hint'),
                )}
              />
            </Field>
            <Field name="importAlg" label={t('seller.catalog.keys.alg')}>
              <select id="f-importAlg" name="alg">
                <option value="">{t('seller.catalog.keys.alg.fromKey')}</option>
                {ALGORITHMS.map((a) => (
                  <option value={a} selected={importForm?.alg === a}>
                    {t(`seller.catalog.keys.alg.${a}`)}
                  </option>
                ))}
              </select>
            </Field>
            <button type="submit">{t('seller.catalog.keys.import.submit')}</button>
          </form>
        </>
      ),
    },
    status,
  );
}
