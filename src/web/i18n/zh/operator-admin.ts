import type { operatorAdmin as en } from '../en/operator-admin.js';

export const operatorAdmin: Record<keyof typeof en, string> = {
  'operator.admin.title': '管理',
};
