/** Words of the seller/supervision pages (keys start with 'seller.supervision.'). */
export const sellerSupervision = {
  'seller.supervision.title': 'Generators and supervision',
} satisfies Record<string, string>;
