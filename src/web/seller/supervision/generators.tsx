import type { Context } from 'hono';
import type { FC } from 'hono/jsx';
import type { WebEnv } from '../../context.js';
import { csrfToken } from '../../csrf.js';
import { fieldErrors, newFormKey, type ApiError } from '../../api-client.js';
import type { Translate } from '../../i18n/index.js';
import { CsrfField, Field, describedBy, page } from '../../layout.js';
import { apiErrorPage } from '../../pages/errors.js';
import { featuresText, parseFeatures, utcText, wholeNumber, type Features } from './format.js';
import { Sparkline } from './sparkline.js';
import { Flash, SCRIPTS, STYLES, TableWrap, When, apiText, field, formOf, known } from './ui.js';

/**
 * License generators: the list, registering a built-in or remote one (POST /v1/generators runs a
 * remote one's conformance check), one generator with its latest run check by check, its health
 * over time, "run the check now", and binding it to a product.
 */

interface ConformanceReport {
  passed: boolean;
  checks: { name: string; ok: boolean; detail: string }[];
  slowestMs: number;
  checkedAt: string;
}

interface Generator {
  id: string;
  kind: 'built-in' | 'remote';
  name: string;
  template: { validityDays?: number; features?: Features };
  endpointUrl: string | null;
  status: string;
  lastCheck: ConformanceReport | null;
  lastCheckedAt: string | null;
}

interface CheckRecord {
  passed: boolean;
  report: ConformanceReport;
  at: string;
}

interface Product {
  id: string;
  name: string;
  licenseModel: string;
}

const BASE = '/console/seller/generators';
const STATUS_TONE: Record<string, string> = {
  active: 'ok',
  failing: 'bad',
  pending: 'warn',
  disabled: 'muted',
};

const StatusBadge: FC<{ t: Translate; status: string }> = ({ t, status }) => (
  <span class={`badge ${STATUS_TONE[status] ?? 'muted'}`}>
    {known(t, `seller.supervision.status.${status}`, status)}
  </span>
);

const ResultBadge: FC<{ t: Translate; ok: boolean }> = ({ t, ok }) => (
  <span class={ok ? 'badge ok' : 'badge bad'}>
    {t(ok ? 'seller.supervision.check.passed' : 'seller.supervision.check.failed')}
  </span>
);

/** The generator kinds the register form offers, each with its hint. */
const KINDS = [
  ['built-in', 'seller.supervision.register.kind.builtIn.hint'],
  ['remote', 'seller.supervision.register.kind.remote.hint'],
] as const;
export async function generatorsListPage(c: Context<WebEnv>) {
  const t = c.get('t');
  const r = await c.get('api').get<{ items: Generator[] }>('/v1/generators');
  if (!r.ok) return apiErrorPage(c, r.error, r.status);
  const items = r.body.items;
  return page(c, {
    title: t('seller.supervision.generators.title'),
    styles: STYLES,
    children: (
      <>
        <p>{t('seller.supervision.generators.intro')}</p>
        <p>
          <a class="button" href={`${BASE}/new`}>
            {t('seller.supervision.generators.register')}
          </a>
        </p>
        {items.length === 0 ? (
          <p>{t('seller.supervision.generators.none')}</p>
        ) : (
          <TableWrap label={t('seller.supervision.generators.caption')}>
            <table>
              <caption>{t('seller.supervision.generators.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('common.name')}</th>
                  <th scope="col">{t('seller.supervision.generators.col.kind')}</th>
                  <th scope="col">{t('common.status')}</th>
                  <th scope="col">{t('seller.supervision.generators.col.endpoint')}</th>
                  <th scope="col">{t('seller.supervision.generators.col.lastCheck')}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((g) => (
                  <tr>
                    <th scope="row">
                      <a href={`${BASE}/${encodeURIComponent(g.id)}`}>{g.name}</a>
                    </th>
                    <td>{known(t, `seller.supervision.kind.${g.kind}`, g.kind)}</td>
                    <td>
                      <StatusBadge t={t} status={g.status} />
                    </td>
                    <td class="mono">{g.endpointUrl ?? '—'}</td>
                    <td>
                      {g.lastCheck ? (
                        <>
                          <ResultBadge t={t} ok={g.lastCheck.passed} />{' '}
                          <When t={t} at={g.lastCheckedAt} />
                        </>
                      ) : g.kind === 'built-in' ? (
                        '—'
                      ) : (
                        t('seller.supervision.check.notChecked')
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </>
    ),
  });
}

interface RegisterState {
  values: Record<string, string>;
  errors: Record<string, string>;
}

function registerPage(c: Context<WebEnv>, state: RegisterState, status: 200 | 400 = 200) {
  const t = c.get('t');
  const v = state.values;
  const e = state.errors;
  const kind = v.kind === 'remote' ? 'remote' : 'built-in';
  const input = (name: string, hint?: string) => ({
    id: `f-${name}`,
    name,
    'aria-invalid': e[name] ? 'true' : undefined,
    'aria-describedby': describedBy(name, e[name], hint),
  });
  return page(
    c,
    {
      title: t('seller.supervision.register.title'),
      styles: STYLES,
      children: (
        <>
          <p>
            <a href={BASE}>{t('seller.supervision.register.back')}</a>
          </p>
          {e[''] && (
            <p class="form-error" role="alert">
              {e['']}
            </p>
          )}
          <form method="post" action={BASE} novalidate class="register">
            <CsrfField token={csrfToken(c)} />
            <input type="hidden" name="_idem" value={newFormKey()} />
            <fieldset>
              <legend>{t('seller.supervision.register.kind')}</legend>
              {KINDS.map(([value, hint]) => (
                <div class="choice">
                  <input
                    type="radio"
                    id={`f-kind-${value}`}
                    name="kind"
                    value={value}
                    checked={kind === value}
                    aria-describedby={`f-kind-${value}-hint`}
                  />
                  <label for={`f-kind-${value}`}>{t(`seller.supervision.kind.${value}`)}</label>
                  <p class="hint" id={`f-kind-${value}-hint`}>
                    {t(hint)}
                  </p>
                </div>
              ))}
            </fieldset>
            <Field
              name="name"
              label={t('seller.supervision.register.name')}
              hint={t('seller.supervision.register.name.hint')}
              error={e.name}
            >
              <input
                {...input('name', t('seller.supervision.register.name.hint'))}
                type="text"
                maxlength={100}
                required
                value={v.name ?? ''}
              />
            </Field>
            <fieldset>
              <legend>{t('seller.supervision.register.remote')}</legend>
              <Field
                name="url"
                label={t('seller.supervision.register.url')}
                hint={t('seller.supervision.register.url.hint')}
                error={e.url}
              >
                <input
                  {...input('url', t('seller.supervision.register.url.hint'))}
                  type="url"
                  maxlength={2048}
                  spellcheck={false}
                  autocomplete="off"
                  value={v.url ?? ''}
                />
              </Field>
              <Field
                name="accessKey"
                label={t('seller.supervision.register.accessKey')}
                hint={t('seller.supervision.register.accessKey.hint')}
                error={e.accessKey}
              >
                <input
                  {...input('accessKey', t('seller.supervision.register.accessKey.hint'))}
                  type="password"
                  maxlength={128}
                  spellcheck={false}
                  autocomplete="off"
                />
              </Field>
              <p class="hint">{t('seller.supervision.register.slow')}</p>
            </fieldset>
            <fieldset>
              <legend>{t('seller.supervision.register.template')}</legend>
              <Field
                name="validityDays"
                label={t('seller.supervision.register.validityDays')}
                hint={t('seller.supervision.register.validityDays.hint')}
                error={e.validityDays}
              >
                <input
                  {...input('validityDays', t('seller.supervision.register.validityDays.hint'))}
                  type="number"
                  inputmode="numeric"
                  min={1}
                  max={36500}
                  step={1}
                  value={v.validityDays ?? ''}
                />
              </Field>
              <Field
                name="features"
                label={t('seller.supervision.register.features')}
                hint={t('seller.supervision.register.features.hint')}
                error={e.features}
              >
                <textarea
                  {...input('features', t('seller.supervision.register.features.hint'))}
                  rows={3}
                  spellcheck={false}
                >
                  {v.features ?? ''}
                </textarea>
              </Field>
            </fieldset>
            <button type="submit">{t('seller.supervision.register.submit')}</button>
          </form>
        </>
      ),
    },
    status,
  );
}

export const registerFormPage = (c: Context<WebEnv>) => registerPage(c, { values: {}, errors: {} });

/** The API's refusal of a registration, next to the field it concerns. */
function registerErrors(t: Translate, error: ApiError): Record<string, string> {
  switch (error.code) {
    case 'GENERATOR_URL_NOT_HTTPS':
      return { url: t('seller.supervision.register.urlNotHttps') };
    case 'GENERATOR_URL_INVALID':
      return { url: t('seller.supervision.register.urlInvalid') };
    case 'GENERATOR_URL_FORBIDDEN':
      return { url: t('seller.supervision.register.urlForbidden') };
    case 'VALIDATION_FAILED': {
      const byPath = fieldErrors(error, [
        'name',
        'url',
        'accessKey',
        'template.validityDays',
        'template.features',
        'kind',
      ]);
      const out: Record<string, string> = {};
      for (const [path, text] of Object.entries(byPath)) {
        const name = path.startsWith('template.') ? path.slice('template.'.length) : path;
        out[name === 'kind' ? '' : name] = text;
      }
      return out;
    }
    default:
      return { '': apiText(t, error) };
  }
}

export async function registerGenerator(c: Context<WebEnv>) {
  const t = c.get('t');
  const form = await formOf(c);
  const values = {
    kind: field(form, 'kind') === 'remote' ? 'remote' : 'built-in',
    name: field(form, 'name').trim(),
    url: field(form, 'url').trim(),
    validityDays: field(form, 'validityDays'),
    features: field(form, 'features'),
  };
  const accessKey = field(form, 'accessKey');
  const errors: Record<string, string> = {};
  if (!values.name) errors.name = t('seller.supervision.register.required');
  const validityDays = wholeNumber(values.validityDays, 1, 36_500);
  if (validityDays === 'invalid') {
    errors.validityDays = t('seller.supervision.register.validityInvalid');
  }
  const features = parseFeatures(values.features);
  if (!features.ok) {
    errors.features = t('seller.supervision.register.featureInvalid', { line: features.line });
  }
  if (values.kind === 'remote') {
    if (!values.url) errors.url = t('seller.supervision.register.urlRequired');
    if (!/^[\x21-\x7E]{16,128}$/.test(accessKey)) {
      errors.accessKey = t('seller.supervision.register.accessKeyRequired');
    }
  }
  if (Object.keys(errors).length > 0 || validityDays === 'invalid' || !features.ok) {
    return registerPage(c, { values, errors }, 400);
  }
  const template = {
    ...(validityDays !== undefined && { validityDays }),
    ...(Object.keys(features.features).length > 0 && { features: features.features }),
  };
  const body =
    values.kind === 'remote'
      ? { kind: 'remote', name: values.name, url: values.url, accessKey, template }
      : { kind: 'built-in', name: values.name, template };
  const r = await c.get('api').post<{ generator: Generator }>('/v1/generators', body, {
    idempotencyKey: field(form, '_idem') || undefined,
  });
  if (!r.ok) {
    if (r.status === 403) return apiErrorPage(c, r.error, r.status);
    return registerPage(c, { values, errors: registerErrors(t, r.error) }, 400);
  }
  return c.redirect(`${BASE}/${encodeURIComponent(r.body.generator.id)}?registered`, 303);
}

interface BindState {
  values: Record<string, string>;
  errors: Record<string, string>;
}

const RULES = [
  ['graceDays', 0, 15],
  ['retentionDays', 0, 365],
  ['rebindLimit', 0, 100],
  ['rebindWindowDays', 1, 365],
] as const;

/** One generator: facts, conformance check by check, health over time, products. */
async function generatorPage(
  c: Context<WebEnv>,
  id: string,
  bind: BindState = { values: {}, errors: {} },
  status: 200 | 400 = 200,
) {
  const t = c.get('t');
  const api = c.get('api');
  const path = `/v1/generators/${encodeURIComponent(id)}`;
  const [g, checks, products] = await Promise.all([
    api.get<Generator>(path),
    api.get<{ items: CheckRecord[] }>(`${path}/checks`),
    api.get<{ items: Product[] }>('/v1/products'),
  ]);
  if (!g.ok) return apiErrorPage(c, g.error, g.status);
  const gen = g.body;
  const history = checks.ok ? checks.body.items : [];
  const productList = products.ok ? products.body.items : [];
  const q = c.req.query();
  const boundProduct =
    q.bound !== undefined
      ? (productList.find((p) => p.id === q.bound)?.name ?? q.bound)
      : undefined;
  const notice =
    q.registered !== undefined
      ? t('seller.supervision.generator.registered')
      : q.checked !== undefined
        ? t('seller.supervision.generator.checked')
        : boundProduct !== undefined
          ? t('seller.supervision.generator.bound', { product: boundProduct })
          : undefined;
  const report = gen.lastCheck;
  const e = bind.errors;
  const oldestFirst = [...history].reverse();
  return page(
    c,
    {
      title: gen.name,
      styles: STYLES,
      scripts: SCRIPTS,
      children: (
        <>
          <p>
            <a href={BASE}>{t('seller.supervision.register.back')}</a>
          </p>
          <Flash text={notice} />
          <h2>{t('seller.supervision.generator.facts')}</h2>
          <dl class="facts">
            <dt>{t('common.id')}</dt>
            <dd class="mono">{gen.id}</dd>
            <dt>{t('seller.supervision.generators.col.kind')}</dt>
            <dd>{known(t, `seller.supervision.kind.${gen.kind}`, gen.kind)}</dd>
            <dt>{t('common.status')}</dt>
            <dd>
              <StatusBadge t={t} status={gen.status} />
            </dd>
            {gen.endpointUrl && (
              <>
                <dt>{t('seller.supervision.generator.endpoint')}</dt>
                <dd class="mono">{gen.endpointUrl}</dd>
              </>
            )}
            <dt>{t('seller.supervision.generator.validityDays')}</dt>
            <dd>
              {gen.template.validityDays
                ? t('seller.supervision.generator.days', { days: gen.template.validityDays })
                : t('seller.supervision.generator.validityDefault')}
            </dd>
            <dt>{t('seller.supervision.generator.features')}</dt>
            <dd class="mono pre-line">{featuresText(gen.template.features) || '—'}</dd>
            {gen.kind === 'remote' && (
              <>
                <dt>{t('seller.supervision.generator.lastChecked')}</dt>
                <dd>
                  <When t={t} at={gen.lastCheckedAt} />
                </dd>
              </>
            )}
          </dl>

          <h2>{t('seller.supervision.conformance.title')}</h2>
          {gen.kind === 'built-in' ? (
            <p>{t('seller.supervision.conformance.builtIn')}</p>
          ) : (
            <>
              <p>{t('seller.supervision.conformance.intro')}</p>
              {report ? (
                <>
                  <p class={report.passed ? 'notice ok' : 'notice bad'} id="conformance-summary">
                    <ResultBadge t={t} ok={report.passed} />{' '}
                    {t(
                      report.passed
                        ? 'seller.supervision.conformance.passed'
                        : 'seller.supervision.conformance.failed',
                    )}
                  </p>
                  <TableWrap label={t('seller.supervision.conformance.caption')}>
                    <table class="checks">
                      <caption>{t('seller.supervision.conformance.caption')}</caption>
                      <thead>
                        <tr>
                          <th scope="col">{t('seller.supervision.conformance.col.check')}</th>
                          <th scope="col">{t('seller.supervision.conformance.col.result')}</th>
                          <th scope="col">{t('seller.supervision.conformance.col.detail')}</th>
                        </tr>
                      </thead>
                      <tbody>
                        {report.checks.map((check) => (
                          <tr data-check={check.name}>
                            <th scope="row">
                              {known(
                                t,
                                `seller.supervision.conformance.check.${check.name}`,
                                check.name,
                              )}
                              <br />
                              <code class="check-name">{check.name}</code>
                            </th>
                            <td>
                              <ResultBadge t={t} ok={check.ok} />
                            </td>
                            <td>{check.detail}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </TableWrap>
                  <p>
                    {t('seller.supervision.conformance.slowest', {
                      ms: report.slowestMs,
                      when: t('seller.supervision.when', {
                        time: utcText(report.checkedAt),
                      }),
                    })}
                  </p>
                </>
              ) : (
                <p>{t('seller.supervision.conformance.none')}</p>
              )}
              <form method="post" action={`${BASE}/${encodeURIComponent(gen.id)}/check`}>
                <CsrfField token={csrfToken(c)} />
                <button type="submit" class="secondary">
                  {t('seller.supervision.conformance.runNow')}
                </button>
              </form>

              <h2>{t('seller.supervision.health.title')}</h2>
              <p>{t('seller.supervision.health.intro')}</p>
              {history.length === 0 ? (
                <p>{t('seller.supervision.health.none')}</p>
              ) : (
                <>
                  <Sparkline
                    points={oldestFirst.map((h) => ({ ms: h.report.slowestMs, passed: h.passed }))}
                    label={t('seller.supervision.health.chart', {
                      count: history.length,
                      passed: history.filter((h) => h.passed).length,
                      max: Math.max(...history.map((h) => h.report.slowestMs)),
                    })}
                  />
                  <TableWrap label={t('seller.supervision.health.caption')}>
                    <table class="health">
                      <caption>{t('seller.supervision.health.caption')}</caption>
                      <thead>
                        <tr>
                          <th scope="col">{t('seller.supervision.health.col.when')}</th>
                          <th scope="col">{t('seller.supervision.conformance.col.result')}</th>
                          <th scope="col">{t('seller.supervision.health.col.slowest')}</th>
                          <th scope="col">{t('seller.supervision.health.col.failedChecks')}</th>
                        </tr>
                      </thead>
                      <tbody>
                        {history.map((h) => (
                          <tr>
                            <th scope="row">
                              <When t={t} at={h.at} />
                            </th>
                            <td>
                              <ResultBadge t={t} ok={h.passed} />
                            </td>
                            <td>{t('seller.supervision.health.ms', { ms: h.report.slowestMs })}</td>
                            <td>
                              {h.report.checks
                                .filter((x) => !x.ok)
                                .map((x) =>
                                  known(
                                    t,
                                    `seller.supervision.conformance.check.${x.name}`,
                                    x.name,
                                  ),
                                )
                                .join('; ') || '—'}
                            </td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </TableWrap>
                </>
              )}
            </>
          )}

          <h2 id="products">{t('seller.supervision.bind.title')}</h2>
          <p>{t('seller.supervision.bind.intro')}</p>
          {productList.length === 0 ? (
            <p>
              {t('seller.supervision.bind.noProducts')}{' '}
              <a href="/console/seller/products">{t('seller.supervision.bind.productsLink')}</a>
            </p>
          ) : (
            <form
              method="post"
              action={`${BASE}/${encodeURIComponent(gen.id)}/products#products`}
              novalidate
            >
              <CsrfField token={csrfToken(c)} />
              {e[''] && (
                <p class="form-error" role="alert">
                  {e['']}
                </p>
              )}
              <Field
                name="productId"
                label={t('seller.supervision.bind.product')}
                error={e.productId}
              >
                <select
                  id="f-productId"
                  name="productId"
                  required
                  aria-invalid={e.productId ? 'true' : undefined}
                  aria-describedby={describedBy('productId', e.productId)}
                >
                  {productList.map((p) => (
                    <option value={p.id} selected={bind.values.productId === p.id}>
                      {`${p.name} · ${known(t, `licenseModel.${p.licenseModel}`, p.licenseModel)}`}
                    </option>
                  ))}
                </select>
              </Field>
              <fieldset>
                <legend>{t('seller.supervision.bind.rules')}</legend>
                {RULES.map(([name, min, max]) => {
                  const hint = t(`seller.supervision.bind.${name}.hint`);
                  return (
                    <Field
                      name={name}
                      label={t(`seller.supervision.bind.${name}`)}
                      hint={hint}
                      error={e[name]}
                    >
                      <input
                        id={`f-${name}`}
                        name={name}
                        type="number"
                        inputmode="numeric"
                        min={min}
                        max={max}
                        step={1}
                        value={bind.values[name] ?? ''}
                        aria-invalid={e[name] ? 'true' : undefined}
                        aria-describedby={describedBy(name, e[name], hint)}
                      />
                    </Field>
                  );
                })}
              </fieldset>
              <button type="submit">{t('seller.supervision.bind.submit')}</button>
            </form>
          )}
        </>
      ),
    },
    status,
  );
}

export const generatorDetailPage = (c: Context<WebEnv>) => generatorPage(c, c.req.param('id')!);

export async function recheckGenerator(c: Context<WebEnv>) {
  const id = c.req.param('id')!;
  const r = await c.get('api').post(`/v1/generators/${encodeURIComponent(id)}/check`);
  if (!r.ok) return apiErrorPage(c, r.error, r.status);
  return c.redirect(`${BASE}/${encodeURIComponent(id)}?checked`, 303);
}

export async function bindProduct(c: Context<WebEnv>) {
  const t = c.get('t');
  const id = c.req.param('id')!;
  const form = await formOf(c);
  const values: Record<string, string> = { productId: field(form, 'productId') };
  const errors: Record<string, string> = {};
  const body: Record<string, number> = {};
  for (const [name, min, max] of RULES) {
    values[name] = field(form, name);
    const n = wholeNumber(values[name], min, max);
    if (n === 'invalid') errors[name] = t('seller.supervision.bind.numberInvalid', { min, max });
    else if (n !== undefined) body[name] = n;
  }
  if (!values.productId) errors.productId = t('seller.supervision.bind.productRequired');
  if (Object.keys(errors).length > 0) return generatorPage(c, id, { values, errors }, 400);
  const r = await c
    .get('api')
    .put(
      `/v1/generators/${encodeURIComponent(id)}/products/${encodeURIComponent(values.productId!)}`,
      body,
    );
  if (!r.ok) {
    if (r.error.code === 'VALIDATION_FAILED') {
      return generatorPage(
        c,
        id,
        {
          values,
          errors: fieldErrors(
            r.error,
            RULES.map(([n]) => n),
          ),
        },
        400,
      );
    }
    // The generator itself being gone is a 404 page; a product that is not the seller's is
    // answered beside the product field (the API says "no such product or generator").
    const gone = await c.get('api').get(`/v1/generators/${encodeURIComponent(id)}`);
    if (!gone.ok) return apiErrorPage(c, gone.error, gone.status);
    return generatorPage(c, id, { values, errors: { productId: apiText(t, r.error) } }, 400);
  }
  return c.redirect(
    `${BASE}/${encodeURIComponent(id)}?bound=${encodeURIComponent(values.productId!)}#products`,
    303,
  );
}
