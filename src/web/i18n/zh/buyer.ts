import type { buyer as en } from '../en/buyer.js';

export const buyer: Record<keyof typeof en, string> = {
  'buyer.nav': '已购买的服务',
};
