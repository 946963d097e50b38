import type { Context } from 'hono';
import type { WebEnv } from '../context.js';
import { CsrfField, Field, describedBy, page } from '../layout.js';
import { csrfToken } from '../csrf.js';

/** Only same-site console paths are followed after sign-in (never another site). */
export const safeNext = (next: unknown): string | undefined =>
  typeof next === 'string' && /^\/console(\/[^\s\\]*)?$/.test(next) && !next.startsWith('//')
    ? next
    : undefined;

export function signInPage(
  c: Context<WebEnv>,
  options: { error?: string; notice?: string; next?: string | undefined } = {},
  status: 200 | 400 = 200,
) {
  const t = c.get('t');
  return page(
    c,
    {
      title: t('signIn.title'),
      children: (
        <>
          <p>{t('signIn.intro')}</p>
          {options.notice && (
            <p class="notice" role="status">
              {options.notice}
            </p>
          )}
          <form method="post" action="/console/sign-in" novalidate>
            <CsrfField token={csrfToken(c)} />
            {options.next && <input type="hidden" name="next" value={options.next} />}
            <Field name="apiKey" label={t('signIn.apiKey')} error={options.error}>
              <input
                id="f-apiKey"
                name="apiKey"
                type="password"
                autocomplete="current-password"
                required
                spellcheck={false}
                aria-invalid={options.error ? 'true' : undefined}
                aria-describedby={describedBy('apiKey', options.error)}
              />
            </Field>
            <button type="submit">{t('signIn.submit')}</button>
          </form>
        </>
      ),
    },
    status,
  );
}
