import type { FC } from 'hono/jsx';
import type { Translate } from '../../i18n/index.js';
import type { ConsoleApi } from '../../api-client.js';
import { Field, describedBy } from '../../layout.js';
import { formatBytes, formatTime } from './format.js';
import { PACKAGE_UPLOAD } from './package-upload.js';
import type { PackageView, ProductView } from './views.js';

const PAGE_SIZE = 20;

/** A page of a product's packages, or `undefined` when the API lists none (no list route). */
export type PackagePage = { items: PackageView[]; next: string | null; error?: string } | undefined;

/** The product's packages, newest first, from `GET /v1/packages?productId=`. */
export async function loadPackages(
  api: ConsoleApi,
  productId: string,
  cursor: string | undefined,
): Promise<PackagePage> {
  const answer = await api.get<{ items: PackageView[]; next: string | null }>('/v1/packages', {
    productId,
    limit: PAGE_SIZE,
    cursor,
  });
  if (answer.ok) return { items: answer.body.items, next: answer.body.next ?? null };
  if (answer.error.code === 'ROUTE_NOT_FOUND' || answer.error.code === 'METHOD_NOT_ALLOWED') {
    return undefined;
  }
  return { items: [], next: null, error: answer.error.code };
}

/** The product page's packages: the list and the upload form. */
export const PackagesSection: FC<{
  t: Translate;
  product: ProductView;
  packages: PackagePage;
  here: string;
}> = ({ t, product, packages, here }) => (
  <section aria-labelledby="packages-h">
    <h2 id="packages-h">{t('seller.catalog.packages.title')}</h2>
    <div id="package-list">
      <PackageList t={t} packages={packages} here={here} />
    </div>
    <h3>{t('seller.catalog.upload.title')}</h3>
    <UploadForm t={t} productId={product.id} />
  </section>
);

const PackageList: FC<{ t: Translate; packages: PackagePage; here: string }> = ({
  t,
  packages,
  here,
}) => {
  if (!packages) return <p class="hint">{t('seller.catalog.packages.unlisted')}</p>;
  if (packages.error) {
    return (
      <p class="notice bad" role="alert">
        {t('error.generic.body', { code: packages.error })}
      </p>
    );
  }
  if (packages.items.length === 0) return <p>{t('seller.catalog.packages.empty')}</p>;
  return (
    <>
      <ul class="cards package-cards">
        {packages.items.map((p) => (
          <li class="card">
            <h3 class="file">{p.fileName}</h3>
            <dl class="facts">
              <dt>{t('seller.catalog.packages.size')}</dt>
              <dd>{formatBytes(p.sizeBytes)}</dd>
              <dt>{t('seller.catalog.packages.sha256')}</dt>
              <dd>
                <code class="sha">{p.sha256}</code>
              </dd>
              <dt>{t('seller.catalog.packages.uploaded')}</dt>
              <dd>{formatTime(p.createdAt)}</dd>
            </dl>
          </li>
        ))}
      </ul>
      {packages.next && (
        <nav class="pager" aria-label={t('seller.catalog.packages.pages')}>
          <a href={here}>{t('seller.catalog.packages.newest')}</a>
          <a href={`${here}?cursor=${encodeURIComponent(packages.next)}`} rel="next">
            {t('common.next')}
          </a>
        </nav>
      )}
    </>
  );
};

/**
 * The upload form. seller-catalog.js sends the file itself to `data-upload-url` (XMLHttpRequest,
 * the raw bytes, the CSRF header) and drives the progress bar; the words it shows are rendered
 * here, as data-. Without JavaScript the form is a GET that answers how to upload instead.
 */
const UploadForm: FC<{ t: Translate; productId: string }> = ({ t, productId }) => (
  <form
    method="get"
    action={PACKAGE_UPLOAD}
    class="package-upload"
    data-upload-url={`${PACKAGE_UPLOAD}?product=${encodeURIComponent(productId)}`}
    data-package-upload=""
    data-msg-progress={t('seller.catalog.upload.progress')}
    data-msg-hashing={t('seller.catalog.upload.finishing')}
    data-msg-done={t('seller.catalog.upload.done')}
    data-msg-network={t('seller.catalog.upload.network')}
  >
    {/* Without JavaScript the form only asks (GET) how to upload: no file and no token is sent. */}
    <input type="hidden" name="product" value={productId} />
    <Field
      name="package"
      label={t('seller.catalog.upload.file')}
      hint={t('seller.catalog.upload.hint')}
    >
      <input
        id="f-package"
        name="package"
        type="file"
        required
        aria-describedby={describedBy('package', undefined, t('seller.catalog.upload.hint'))}
      />
    </Field>
    <button type="submit">{t('seller.catalog.upload.submit')}</button>
    <div class="upload-progress" hidden>
      <label for="upload-bar">{t('seller.catalog.upload.bar')}</label>
      <progress id="upload-bar" max="100" value="0"></progress>
      <p class="upload-bytes" aria-live="polite"></p>
    </div>
    <p class="upload-status" role="status"></p>
    <p class="upload-error form-error" role="alert"></p>
    <div class="upload-result" hidden>
      <dl class="facts">
        <dt>{t('seller.catalog.packages.file')}</dt>
        <dd class="mono" data-result="fileName"></dd>
        <dt>{t('seller.catalog.packages.size')}</dt>
        <dd data-result="size"></dd>
        <dt>{t('seller.catalog.packages.sha256')}</dt>
        <dd>
          <code id="upload-sha256" class="sha" data-result="sha256"></code>{' '}
          <button
            type="button"
            class="secondary"
            data-copy="#upload-sha256"
            data-copied={t('common.copied')}
          >
            {t('seller.catalog.upload.copySha')}
          </button>
        </dd>
      </dl>
    </div>
  </form>
);
