import type { sellerCatalog as en } from '../en/seller-catalog.js';

export const sellerCatalog: Record<keyof typeof en, string> = {
  'seller.catalog.title': '商品与软件包',
};
