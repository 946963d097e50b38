import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import type { WebEnv } from '../../context.js';
import type { Translate } from '../../i18n/index.js';
import { page } from '../../layout.js';
import { newFormKey } from '../../api-client.js';
import { apiErrorPage } from '../../pages/errors.js';
import { productBody, productFormValues, productProblems } from './product-form.js';
import { emptyForm, productForm } from './product-register.js';
import { formatTime } from './format.js';
import { PackagesSection, loadPackages } from './packages.js';
import { TableBox } from './parts.js';
import { PRODUCTS, licenseModelLabel, type ProductView } from './views.js';

/** The products list, the registration form and each product's page with its packages. */
export function productPages() {
  return new Hono<WebEnv>()
    .get('/products', async (c) => {
      const t = c.get('t');
      const answer = await c.get('api').get<{ items: ProductView[] }>('/v1/products');
      if (!answer.ok) return apiErrorPage(c, answer.error, answer.status);
      return page(c, {
        title: t('seller.catalog.products.title'),
        styles: ['seller-catalog.css'],
        children: (
          <>
            <p>
              <a class="button" href={`${PRODUCTS}/new`}>
                {t('seller.catalog.products.register')}
              </a>
            </p>
            <ProductTable t={t} items={answer.body.items} />
          </>
        ),
      });
    })
    .get('/products/new', (c) => productForm(c, emptyForm(), {}))
    .post('/products', async (c) => {
      const form = await c.req.parseBody();
      const values = productFormValues(form);
      const { body, problems } = productBody(values);
      if (Object.keys(problems).length) return productForm(c, values, problems, undefined, 400);
      const idem = typeof form._idem === 'string' ? form._idem : newFormKey();
      const answer = await c
        .get('api')
        .post<ProductView>('/v1/products', body, { idempotencyKey: idem });
      if (answer.ok) return c.redirect(`${PRODUCTS}/${answer.body.id}?registered`, 303);
      if (answer.status >= 500 || answer.status === 403) {
        return apiErrorPage(c, answer.error, answer.status);
      }
      const refused = productProblems(answer.error);
      return productForm(c, values, refused.problems, refused.other, 400);
    })
    .get('/products/:id', async (c) => {
      const t = c.get('t');
      const id = c.req.param('id');
      const api = c.get('api');
      const answer = await api.get<ProductView>(`/v1/products/${encodeURIComponent(id)}`);
      if (!answer.ok) return apiErrorPage(c, answer.error, answer.status);
      const product = answer.body;
      const packages = await loadPackages(api, product.id, c.req.query('cursor'));
      return page(c, {
        title: product.name,
        scripts: ['seller-catalog.js'],
        styles: ['seller-catalog.css'],
        children: (
          <>
            <p>
              <a href={PRODUCTS}>{t('seller.catalog.products.back')}</a>
            </p>
            {c.req.query('registered') !== undefined && (
              <p class="notice ok" role="status">
                {t('seller.catalog.product.registered', { name: product.name })}
              </p>
            )}
            <ProductFacts t={t} product={product} />
            <PackagesSection
              t={t}
              product={product}
              packages={packages}
              here={`${PRODUCTS}/${product.id}`}
            />
          </>
        ),
      });
    });
}

const ProductTable: FC<{ t: Translate; items: ProductView[] }> = ({ t, items }) =>
  items.length === 0 ? (
    <p>{t('seller.catalog.products.empty')}</p>
  ) : (
    <TableBox label={t('seller.catalog.products.title')}>
      <table>
        <caption class="visually-hidden">{t('seller.catalog.products.title')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('seller.catalog.product.name')}</th>
            <th scope="col">{t('seller.catalog.product.marketplaceProductId')}</th>
            <th scope="col">{t('seller.catalog.product.skuCode')}</th>
            <th scope="col">{t('seller.catalog.product.licenseModel')}</th>
            <th scope="col">{t('common.created')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((p) => (
            <tr>
              <th scope="row">
                <a href={`${PRODUCTS}/${p.id}`}>{p.name}</a>
              </th>
              <td class="mono">{p.marketplaceProductId}</td>
              <td class="mono">{p.skuCode ?? ''}</td>
              <td>{licenseModelLabel(t, p.licenseModel)}</td>
              <td>{formatTime(p.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableBox>
  );

const Command: FC<{ label: string; command: string | null; none: string }> = (props) => (
  <>
    <dt>{props.label}</dt>
    <dd>
      {props.command ? (
        <pre>
          <code>{props.command}</code>
        </pre>
      ) : (
        props.none
      )}
    </dd>
  </>
);

const ProductFacts: FC<{ t: Translate; product: ProductView }> = ({ t, product: p }) => {
  const none = t('seller.catalog.product.notSet');
  const vars = Object.entries(p.variables).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return (
    <>
      <dl class="facts product-facts">
        <dt>{t('seller.catalog.product.marketplaceProductId')}</dt>
        <dd class="mono">{p.marketplaceProductId}</dd>
        <dt>{t('seller.catalog.product.skuCode')}</dt>
        <dd class="mono">{p.skuCode ?? none}</dd>
        <dt>{t('seller.catalog.product.licenseModel')}</dt>
        <dd>{licenseModelLabel(t, p.licenseModel)}</dd>
        <dt>{t('common.id')}</dt>
        <dd class="mono">{p.id}</dd>
        <dt>{t('common.created')}</dt>
        <dd>{formatTime(p.createdAt)}</dd>
      </dl>
      <h2>{t('seller.catalog.product.installation')}</h2>
      <dl class="facts product-facts">
        <dt>{t('seller.catalog.product.installDir')}</dt>
        <dd class="mono">{p.installDir}</dd>
        <dt>{t('seller.catalog.product.licensePath')}</dt>
        <dd class="mono">{p.licensePath ?? none}</dd>
        <dt>{t('seller.catalog.product.ports')}</dt>
        <dd>{p.ports.length ? <span class="mono">{p.ports.join(', ')}</span> : none}</dd>
        <dt>{t('seller.catalog.product.continuedAccessDays')}</dt>
        <dd>
          {p.continuedAccessDays === null
            ? t('seller.catalog.product.noContinuedAccess')
            : t('seller.catalog.product.days', { days: p.continuedAccessDays })}
        </dd>
        <Command
          label={t('seller.catalog.product.installCommand')}
          command={p.installCommand}
          none={none}
        />
        <Command
          label={t('seller.catalog.product.verifyCommand')}
          command={p.verifyCommand}
          none={none}
        />
        <Command
          label={t('seller.catalog.product.postLicenseCommand')}
          command={p.postLicenseCommand}
          none={none}
        />
      </dl>
      <h2>{t('seller.catalog.product.variables')}</h2>
      {vars.length === 0 ? (
        <p>{t('seller.catalog.product.noVariables')}</p>
      ) : (
        <TableBox label={t('seller.catalog.product.variables')}>
          <table>
            <caption class="visually-hidden">{t('seller.catalog.product.variables')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('seller.catalog.product.variableName')}</th>
                <th scope="col">{t('seller.catalog.product.variableValue')}</th>
              </tr>
            </thead>
            <tbody>
              {vars.map(([k, v]) => (
                <tr>
                  <th scope="row" class="mono">
                    {k}
                  </th>
                  <td class="mono">{v}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableBox>
      )}
    </>
  );
};
