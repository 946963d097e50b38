import type { sellerSupervision as en } from '../en/seller-supervision.js';

export const sellerSupervision: Record<keyof typeof en, string> = {
  'seller.supervision.title': '生成器与服务监管',
};
