import type { FC } from 'hono/jsx';
import type { Translate } from '../../i18n/index.js';
import { CsrfField } from '../../layout.js';
import { formatTime } from './format.js';
import { KEYS, type KeyView } from './views.js';

/** Where OneClick publishes a key, unauthenticated (src/api/routes/keys.ts). */
const published = (kid: string, file: 'public-key.pem' | 'certificate.pem') =>
  `/.well-known/license-keys/${encodeURIComponent(kid)}/${file}`;

const STATUS_BADGE = { active: 'ok', retiring: 'warn', retired: 'muted' } as const;

/** The seller's keys, newest first: status, the published files, retire when rotated out. */
export const KeyList: FC<{ t: Translate; keys: KeyView[]; token: string }> = ({
  t,
  keys,
  token,
}) => (
  <>
    <h2>{t('seller.catalog.keys.yours')}</h2>
    {keys.length === 0 ? (
      <p>{t('seller.catalog.keys.empty')}</p>
    ) : (
      <ul class="cards key-cards">
        {keys.map((k) => (
          <li class="card" data-kid={k.kid}>
            <h3 class="kid">
              <span class="visually-hidden">{t('seller.catalog.keys.kid')} </span>
              {k.kid}
            </h3>
            <dl class="facts">
              <dt>{t('common.status')}</dt>
              <dd>
                <span class={`badge ${STATUS_BADGE[k.status]}`}>
                  {t(`seller.catalog.keys.status.${k.status}`)}
                </span>
                {k.retiredAt && (
                  <> {t('seller.catalog.keys.retiredAt', { at: formatTime(k.retiredAt) })}</>
                )}
              </dd>
              <dt>{t('seller.catalog.keys.alg')}</dt>
              <dd>{k.alg}</dd>
              <dt>{t('common.created')}</dt>
              <dd>{formatTime(k.createdAt)}</dd>
            </dl>
            {k.status === 'retired' ? (
              <p class="hint">{t('seller.catalog.keys.unpublished')}</p>
            ) : (
              <ul class="actions">
                <li>
                  <a href={published(k.kid, 'public-key.pem')} download={`${k.kid}.pem`}>
                    {t('seller.catalog.keys.publicKey')}
                    <span class="visually-hidden"> {k.kid}</span>
                  </a>
                </li>
                <li>
                  <a
                    href={published(k.kid, 'certificate.pem')}
                    download={`${k.kid}-certificate.pem`}
                  >
                    {t('seller.catalog.keys.certificate')}
                    <span class="visually-hidden"> {k.kid}</span>
                  </a>
                </li>
                {k.status === 'retiring' && (
                  <li>
                    <form
                      method="post"
                      action={`${KEYS}/${encodeURIComponent(k.kid)}/retire`}
                      class="inline"
                      data-confirm={t('seller.catalog.keys.retire.confirm', { kid: k.kid })}
                    >
                      <CsrfField token={token} />
                      <button type="submit" class="danger">
                        {t('seller.catalog.keys.retire')}
                        <span class="visually-hidden"> {k.kid}</span>
                      </button>
                    </form>
                  </li>
                )}
              </ul>
            )}
          </li>
        ))}
      </ul>
    )}
  </>
);
