import type { Context } from 'hono';
import type { FC } from 'hono/jsx';
import type { WebEnv } from '../context.js';
import type { ConsoleApi } from '../api-client.js';
import type { Translate } from '../i18n/index.js';
import { Pager, page } from '../layout.js';
import { apiErrorPage } from '../pages/errors.js';
import { deploymentStateLabel, stepLabel } from './live-panel.js';
import {
  apiOrder,
  awaitsDelivery,
  deployAction,
  orderPath,
  ordersPath,
  productName,
} from './format.js';
import type { DeploymentView, OrderView, Page } from './types.js';
import { STYLES, SupervisionBadge, TableWrap, When, modelLabel, orderStatusLabel } from './ui.js';

/**
 * Purchased services (KooGallery's "My KooGallery → Purchased services"): the buyer's orders, 20
 * a page by the API's cursor, each with its product, license model, supervision state and either
 * Start Deployment or its running deployment.
 */

const PAGE_SIZE = 20;

/**
 * The newest deployment's state of each order that may still need one. Orders already delivered
 * need no look-up; when the API's answer names the deployment itself, none is made.
 */
async function latestStates(
  api: ConsoleApi,
  orders: OrderView[],
): Promise<Map<string, string | undefined>> {
  const states = new Map<string, string | undefined>();
  await Promise.all(
    orders.map(async (o) => {
      if (o.deployment !== undefined) {
        states.set(o.id, typeof o.deployment?.state === 'string' ? o.deployment.state : undefined);
        return;
      }
      if (!awaitsDelivery(o)) return;
      const d = await api.get<DeploymentView>(`${apiOrder(o.id)}/deployments/current`);
      states.set(o.id, d.ok ? (d.body.live?.state ?? d.body.state) : undefined);
    }),
  );
  return states;
}

const Action: FC<{ t: Translate; o: OrderView; latest: string | undefined }> = ({
  t,
  o,
  latest,
}) => {
  const action = deployAction(o, latest);
  if (action === 'start') {
    return (
      <a class="button" href={`${orderPath(o.id)}/deploy`}>
        {t('buyer.orders.start')}
        <span class="visually-hidden"> {t('buyer.orders.forOrder', { order: o.orderId })}</span>
      </a>
    );
  }
  if (action === 'running' && latest) {
    return (
      <a href={`${orderPath(o.id)}#deployment`}>
        {t('buyer.orders.running', { state: stepLabel(t, latest) })}
        <span class="visually-hidden"> {t('buyer.orders.forOrder', { order: o.orderId })}</span>
      </a>
    );
  }
  return (
    <>
      {latest && (
        <>
          <span class={`badge ${latest === 'succeeded' ? 'ok' : 'muted'}`}>
            {deploymentStateLabel(t, latest)}
          </span>{' '}
        </>
      )}
      <a href={orderPath(o.id)}>
        {t('buyer.orders.view')}
        <span class="visually-hidden"> {t('buyer.orders.forOrder', { order: o.orderId })}</span>
      </a>
    </>
  );
};

export async function ordersPage(c: Context<WebEnv>) {
  const t = c.get('t');
  const api = c.get('api');
  const cursor = c.req.query('cursor');
  const answer = await api.get<Page<OrderView>>('/v1/orders', {
    limit: PAGE_SIZE,
    cursor: cursor && cursor.length <= 256 ? cursor : undefined,
  });
  if (!answer.ok) return apiErrorPage(c, answer.error, answer.status);
  const { items, next } = answer.body;
  const latest = await latestStates(api, items);
  return page(c, {
    title: t('buyer.orders.title'),
    styles: STYLES,
    children: (
      <>
        <p>{t('buyer.orders.intro')}</p>
        {items.length === 0 ? (
          <p>{cursor ? t('buyer.orders.noMore') : t('buyer.orders.none')}</p>
        ) : (
          <TableWrap label={t('buyer.orders.caption')}>
            <table class="orders">
              <caption class="visually-hidden">{t('buyer.orders.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('buyer.orders.col.order')}</th>
                  <th scope="col">{t('buyer.orders.col.product')}</th>
                  <th scope="col">{t('buyer.orders.col.model')}</th>
                  <th scope="col">{t('buyer.orders.col.supervision')}</th>
                  <th scope="col">{t('buyer.orders.col.purchased')}</th>
                  <th scope="col">{t('buyer.orders.col.action')}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((o) => (
                  <tr data-order={o.id}>
                    <th scope="row">
                      <a href={orderPath(o.id)} class="mono">
                        {o.orderId}
                      </a>
                      {o.status !== 'active' && (
                        <>
                          {' '}
                          <span class="badge muted">{orderStatusLabel(t, o.status)}</span>
                        </>
                      )}
                    </th>
                    <td>{productName(o)}</td>
                    <td>{modelLabel(t, o.supervision.licenseModel)}</td>
                    <td>
                      <SupervisionBadge t={t} state={o.supervision.state} />
                    </td>
                    <td>
                      <When t={t} at={o.createdAt} />
                    </td>
                    <td>
                      <Action t={t} o={o} latest={latest.get(o.id)} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
        <Pager
          label={t('buyer.orders.pages')}
          firstHref={cursor ? ordersPath : undefined}
          firstText={t('buyer.orders.firstPage')}
          nextHref={next ? `${ordersPath}?cursor=${encodeURIComponent(next)}` : undefined}
          nextText={t('common.next')}
        />
      </>
    ),
  });
}
