/** Words of the operator/admin pages (keys start with 'operator.admin.'). */
export const operatorAdmin = {
  'operator.admin.title': 'Administration',
} satisfies Record<string, string>;
