/** Words of the seller/catalog pages (keys start with 'seller.catalog.'). */
export const sellerCatalog = {
  'seller.catalog.title': 'Products and packages',
} satisfies Record<string, string>;
