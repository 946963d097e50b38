/** The buyer pages' words (keys start with 'buyer.'). */
export const buyer = {
  'buyer.nav': 'Purchased services',
} satisfies Record<string, string>;
