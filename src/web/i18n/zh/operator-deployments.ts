import type { operatorDeployments as en } from '../en/operator-deployments.js';

export const operatorDeployments: Record<keyof typeof en, string> = {
  'operator.deployments.title': '部署',
};
