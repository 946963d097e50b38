import type { Sql } from '../../src/db/sql.js';
import { createPrincipal } from '../../src/db/repositories/principals.js';
import { createProduct } from '../../src/db/repositories/products.js';

/** A new seller with one product of `licenseModel`, under a random marketplace product id. */
export async function sellerWithProduct(
  db: Sql,
  licenseModel: 'license1' | 'license2' = 'license2',
) {
  const seller = await createPrincipal(db, { role: 'seller', name: 'Acme' });
  const product = await createProduct(db, seller.sellerId!, {
    marketplaceProductId: `OFFI${Math.random().toString(36).slice(2, 10)}`,
    skuCode: 'sku-1',
    name: 'Acme DB',
    licenseModel,
    installCommand: './install.sh',
    verifyCommand: './verify.sh',
    installDir: '/opt/acme',
    licensePath: '/opt/acme/license.jws',
    ports: [22, 8443],
    variables: { EDITION: 'pro' },
  });
  return { seller, product };
}
