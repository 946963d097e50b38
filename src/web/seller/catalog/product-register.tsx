import type { Context } from 'hono';
import type { WebEnv } from '../../context.js';
import { CsrfField, Field, describedBy, page } from '../../layout.js';
import { csrfToken } from '../../csrf.js';
import { newFormKey } from '../../api-client.js';
import {
  PRODUCT_FIELDS,
  type ProductField,
  type ProductFieldProblem,
  type ProductFormValues,
} from './product-form.js';
import { PRODUCTS, licenseModelLabel } from './views.js';

/** The registration form's values before anything is typed. */
export const emptyForm = (): ProductFormValues =>
  ({
    ...Object.fromEntries(PRODUCT_FIELDS.map((f) => [f, ''])),
    licenseModel: 'license2',
    installDir: '/opt/oneclick',
  }) as ProductFormValues;

/** The registration form, with the values posted and each refused field's problem in words. */
export function productForm(
  c: Context<WebEnv>,
  values: ProductFormValues,
  problems: Partial<Record<ProductField, ProductFieldProblem>>,
  other?: string,
  status: 200 | 400 = 200,
) {
  const t = c.get('t');
  const error = (f: ProductField): string | undefined => {
    const problem = problems[f];
    if (!problem) return undefined;
    if (problem === 'duplicate') return t('seller.catalog.product.error.duplicate');
    if (problem === 'format') return t('seller.catalog.product.error.variablesFormat');
    return t(`seller.catalog.product.error.${f}`);
  };
  const hint = (f: ProductField) => t(`seller.catalog.product.hint.${f}`);
  const input = (f: ProductField, attrs: Record<string, unknown> = {}) => (
    <Field name={f} label={t(`seller.catalog.product.${f}`)} error={error(f)} hint={hint(f)}>
      <input
        id={`f-${f}`}
        name={f}
        type="text"
        value={values[f]}
        aria-invalid={error(f) ? 'true' : undefined}
        aria-describedby={describedBy(f, error(f), hint(f))}
        {...attrs}
      />
    </Field>
  );
  const area = (f: ProductField, rows = 3) => (
    <Field name={f} label={t(`seller.catalog.product.${f}`)} error={error(f)} hint={hint(f)}>
      <textarea
        id={`f-${f}`}
        name={f}
        rows={rows}
        spellcheck={false}
        class="mono"
        aria-invalid={error(f) ? 'true' : undefined}
        aria-describedby={describedBy(f, error(f), hint(f))}
      >
        {values[f]}
      </textarea>
    </Field>
  );
  const count = Object.keys(problems).length;
  return page(
    c,
    {
      title: t('seller.catalog.products.register'),
      styles: ['seller-catalog.css'],
      children: (
        <>
          <p>
            <a href={PRODUCTS}>{t('seller.catalog.products.back')}</a>
          </p>
          {(count > 0 || other) && (
            <div class="notice bad" role="alert">
              <p>{t('seller.catalog.product.error.summary', { count })}</p>
              {other && <p>{t('seller.catalog.product.error.other', { message: other })}</p>}
            </div>
          )}
          <form method="post" action={PRODUCTS} novalidate class="product-form">
            <CsrfField token={csrfToken(c)} />
            <input type="hidden" name="_idem" value={newFormKey()} />
            <fieldset>
              <legend>{t('seller.catalog.product.identity')}</legend>
              {input('name', { required: true, maxlength: 200 })}
              {input('marketplaceProductId', { required: true, spellcheck: false, class: 'mono' })}
              {input('skuCode', { spellcheck: false, class: 'mono' })}
              <Field
                name="licenseModel"
                label={t('seller.catalog.product.licenseModel')}
                error={error('licenseModel')}
                hint={hint('licenseModel')}
              >
                <select
                  id="f-licenseModel"
                  name="licenseModel"
                  aria-invalid={error('licenseModel') ? 'true' : undefined}
                  aria-describedby={describedBy(
                    'licenseModel',
                    error('licenseModel'),
                    hint('licenseModel'),
                  )}
                >
                  {(['license2', 'license1'] as const).map((m) => (
                    <option value={m} selected={values.licenseModel === m}>
                      {licenseModelLabel(t, m)}
                    </option>
                  ))}
                </select>
              </Field>
            </fieldset>
            <fieldset>
              <legend>{t('seller.catalog.product.installation')}</legend>
              {input('installDir', { spellcheck: false, class: 'mono' })}
              {area('installCommand')}
              {area('verifyCommand')}
              {area('postLicenseCommand')}
              {input('licensePath', { spellcheck: false, class: 'mono' })}
              {input('ports', { spellcheck: false, inputmode: 'numeric' })}
              {area('variables', 4)}
              {input('continuedAccessDays', { inputmode: 'numeric' })}
            </fieldset>
            <button type="submit">{t('seller.catalog.products.registerSubmit')}</button>
          </form>
        </>
      ),
    },
    status,
  );
}
