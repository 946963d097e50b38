import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { newId } from '../../src/db/ids.js';
import type { Sql } from '../../src/db/sql.js';
import {
  createProduct,
  type NewProduct,
  type Product,
} from '../../src/db/repositories/products.js';
import type { PackageStore } from '../../src/packages/store.js';
import { insertPackage } from '../../src/db/repositories/packages.js';
import type { Keyring } from '../../src/crypto/keyring.js';

/** A keyring with one random key, for the secret store of a test. */
export const testKeyring = (): Keyring => ({
  activeId: 'k1',
  keys: new Map([['k1', randomBytes(32)]]),
});

/**
 * The seller's software: `app.sh --check <license>` passes when the license file is present,
 * mode 0600 and looks like a License 2.0 code. It never prints the code (output tails are kept).
 */
const APP = `#!/bin/sh
if [ "$1" = --check ]; then
  [ -f "$2" ] || { echo "no license at $2"; exit 2; }
  [ "$(stat -c %a "$2")" = 600 ] || { echo "license mode wrong"; exit 3; }
  grep -Eq '^[0-9A-Z][0-9A-Z-]{7,63}$' "$2" || { echo "license invalid"; exit 4; }
  echo verified; exit 0
fi
echo "usage: app.sh --check <license>"; exit 1
`;

/** A small tar package (app.sh) in the store, recorded as the product's package. */
export async function addTarPackage(
  sql: Sql,
  store: PackageStore,
  product: Product,
): Promise<{ storageKey: string; sha256: string; sizeBytes: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'oneclick-deploy-pkg-'));
  try {
    writeFileSync(path.join(dir, 'app.sh'), APP);
    chmodSync(path.join(dir, 'app.sh'), 0o755);
    execFileSync('tar', ['-cf', path.join(dir, 'demo.tar'), '-C', dir, 'app.sh']);
    const stored = await store.put(createReadStream(path.join(dir, 'demo.tar')), {
      maxBytes: 10 * 1024 * 1024,
    });
    await insertPackage(sql, {
      sellerId: product.sellerId,
      productId: product.id,
      sha256: stored.sha256,
      sizeBytes: stored.sizeBytes,
      storageKey: stored.storageKey,
      fileName: 'demo.tar',
    });
    return stored;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const GOOD_INSTALLER =
  'set -e; mkdir -p "$INSTALL_DIR"; tar -xf "$PACKAGE_FILE" -C "$INSTALL_DIR"; ' +
  'echo "installed by oneclick" > "$INSTALL_DIR/installed.txt"; echo install-ok';

/** A License 2.0 product of the seller, with its package. */
export async function seedProduct(
  sql: Sql,
  store: PackageStore,
  sellerId: string,
  o: Partial<NewProduct> = {},
): Promise<Product> {
  const product = await createProduct(sql, sellerId, {
    marketplaceProductId: `MP-${randomBytes(6).toString('hex')}`,
    skuCode: 'SKU-1',
    name: 'Demo',
    licenseModel: 'license2',
    installCommand: GOOD_INSTALLER,
    verifyCommand: '"$INSTALL_DIR/app.sh" --check "$LICENSE_FILE"',
    installDir: '/opt/demo',
    licensePath: '/opt/demo/license.key',
    ports: [8443],
    variables: { DEMO_MODE: 'test' },
    ...o,
  });
  await addTarPackage(sql, store, product);
  return product;
}

/** A paid, active order of the buyer for the product, with its supervision record. */
export async function seedOrder(
  sql: Sql,
  o: { buyerId: string; sellerId: string; productId: string; model?: 'license2' | 'license1' },
): Promise<string> {
  const orderRef = newId('ord');
  const marketplaceOrderId = `CS${randomBytes(5).toString('hex').toUpperCase()}`;
  await sql.query(
    `insert into orders (id, marketplace_order_id, order_line_id, buyer_id, seller_id, product_id,
       status, expire_time)
     values ($1, $2, $3, $4, $5, $6, 'active', $7)`,
    [
      orderRef,
      marketplaceOrderId,
      `${marketplaceOrderId}-000001`,
      o.buyerId,
      o.sellerId,
      o.productId,
      new Date(Date.now() + 365 * 86_400_000),
    ],
  );
  const model = o.model ?? 'license2';
  await sql.query(
    'insert into supervision_records (id, order_id, license_model, state) values ($1, $2, $3, $4)',
    [
      newId('sup'),
      orderRef,
      model,
      model === 'license2' ? 'awaiting_delivery' : 'awaiting_hardware_id',
    ],
  );
  return orderRef;
}
