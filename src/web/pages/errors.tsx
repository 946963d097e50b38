import type { Context } from 'hono';
import type { WebEnv } from '../context.js';
import { page } from '../layout.js';

/** The console's 404: the same for "missing" and "not yours", as the API answers. */
export const notFoundPage = (c: Context<WebEnv>) => {
  const t = c.get('t');
  return page(
    c,
    {
      title: t('error.notFound.title'),
      children: (
        <>
          <p>{t('error.notFound.body')}</p>
          <p>
            <a href="/console">{t('error.back')}</a>
          </p>
        </>
      ),
    },
    404,
  );
};

export const forbiddenPage = (c: Context<WebEnv>) => {
  const t = c.get('t');
  return page(
    c,
    {
      title: t('error.forbidden.title'),
      children: (
        <>
          <p>{t('error.forbidden.body')}</p>
          <p>
            <a href="/console">{t('error.back')}</a>
          </p>
        </>
      ),
    },
    403,
  );
};

export const csrfRefusedPage = (c: Context<WebEnv>) => {
  const t = c.get('t');
  return page(
    c,
    {
      title: t('error.csrf.title'),
      children: (
        <>
          <p>{t('error.csrf.body')}</p>
          <p>
            <a href="/console">{t('error.back')}</a>
          </p>
        </>
      ),
    },
    403,
  );
};

/** An API refusal with no form to show it beside: its code and words. */
export const apiErrorPage = (
  c: Context<WebEnv>,
  error: { code: string; message: string },
  status: number,
) => {
  if (status === 404) return notFoundPage(c);
  if (status === 403) return forbiddenPage(c);
  const t = c.get('t');
  return page(
    c,
    {
      title: t('error.generic.title'),
      children: (
        <>
          <p class="notice bad" role="alert">
            {t('error.generic.body', { code: error.code })} {error.message}
          </p>
          <p>
            <a href="/console">{t('error.back')}</a>
          </p>
        </>
      ),
    },
    status >= 500
      ? status === 503
        ? 503
        : 502
      : status === 409
        ? 409
        : status === 422
          ? 422
          : 400,
  );
};

/** A form whose body cannot be read (broken multipart, bad encoding): 400, nothing done. */
export const unreadableFormPage = (c: Context<WebEnv>) => {
  const t = c.get('t');
  return page(
    c,
    {
      title: t('error.form.title'),
      children: (
        <>
          <p class="notice bad" role="alert">
            {t('error.form.body')}
          </p>
          <p>
            <a href="/console">{t('error.back')}</a>
          </p>
        </>
      ),
    },
    400,
  );
};

/** Anything unexpected: logged with the request id, shown as a page (never the API's JSON). */
export const internalErrorPage = (c: Context<WebEnv>) => {
  const t = c.get('t');
  return page(
    c,
    {
      title: t('error.generic.title'),
      children: (
        <>
          <p class="notice bad" role="alert">
            {t('error.generic.body', { code: c.get('requestId') ?? 'INTERNAL' })}
          </p>
          <p>
            <a href="/console">{t('error.back')}</a>
          </p>
        </>
      ),
    },
    500,
  );
};
