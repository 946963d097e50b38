/** Words of the operator/deployments pages (keys start with 'operator.deployments.'). */
export const operatorDeployments = {
  'operator.deployments.title': 'Deployments',
} satisfies Record<string, string>;
