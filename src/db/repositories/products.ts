import type { Sql } from '../sql.js';
import { newId } from '../ids.js';
import { AppError } from '../../errors.js';
import type { LicenseModel } from '../../domain/supervision.js';

export interface Product {
  id: string;
  sellerId: string;
  marketplaceProductId: string;
  skuCode: string | null;
  name: string;
  licenseModel: LicenseModel;
  installCommand: string | null;
  verifyCommand: string | null;
  /** Run after the installer, with the license in place; optional. */
  postLicenseCommand: string | null;
  /** Days OneClick keeps its SSH key on the server after delivery; null: removed at delivery. */
  continuedAccessDays: number | null;
  installDir: string;
  licensePath: string | null;
  ports: number[];
  variables: Record<string, string>;
  createdAt: string;
}

export type NewProduct = Omit<
  Product,
  'id' | 'createdAt' | 'sellerId' | 'postLicenseCommand' | 'continuedAccessDays'
> & {
  postLicenseCommand?: string | null;
  continuedAccessDays?: number | null;
};

interface ProductRow {
  id: string;
  seller_id: string;
  marketplace_product_id: string;
  sku_code: string | null;
  name: string;
  license_model: LicenseModel;
  install_command: string | null;
  verify_command: string | null;
  post_license_command: string | null;
  continued_access_days: number | null;
  install_dir: string;
  license_path: string | null;
  ports: number[];
  variables: Record<string, string>;
  created_at: Date | string;
}

const toProduct = (r: ProductRow): Product => ({
  id: r.id,
  sellerId: r.seller_id,
  marketplaceProductId: r.marketplace_product_id,
  skuCode: r.sku_code,
  name: r.name,
  licenseModel: r.license_model,
  installCommand: r.install_command,
  verifyCommand: r.verify_command,
  postLicenseCommand: r.post_license_command,
  continuedAccessDays: r.continued_access_days,
  installDir: r.install_dir,
  licensePath: r.license_path,
  ports: r.ports,
  variables: r.variables,
  createdAt: new Date(r.created_at).toISOString(),
});

const columns = `id, seller_id, marketplace_product_id, sku_code, name, license_model,
  install_command, verify_command, post_license_command, continued_access_days, install_dir,
  license_path, ports, variables, created_at`;

/** Registers a seller's product; a marketplace product id belongs to one product only. */
export async function createProduct(sql: Sql, sellerId: string, p: NewProduct): Promise<Product> {
  const rows = await sql.query<ProductRow>(
    `insert into products (id, seller_id, marketplace_product_id, sku_code, name, license_model,
       install_command, verify_command, install_dir, license_path, ports, variables,
       post_license_command, continued_access_days)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     on conflict (marketplace_product_id) do nothing
     returning ${columns}`,
    [
      newId('prd'),
      sellerId,
      p.marketplaceProductId,
      p.skuCode,
      p.name,
      p.licenseModel,
      p.installCommand,
      p.verifyCommand,
      p.installDir,
      p.licensePath,
      JSON.stringify(p.ports),
      JSON.stringify(p.variables),
      p.postLicenseCommand ?? null,
      p.continuedAccessDays ?? null,
    ],
  );
  const row = rows[0];
  if (!row) {
    throw new AppError(
      'CONFLICT',
      `marketplace product ${p.marketplaceProductId} is already registered`,
    );
  }
  return toProduct(row);
}

export async function getProduct(sql: Sql, id: string): Promise<Product | undefined> {
  const rows = await sql.query<ProductRow>(`select ${columns} from products where id = $1`, [id]);
  return rows[0] && toProduct(rows[0]);
}

export async function getProductByMarketplaceId(
  sql: Sql,
  marketplaceProductId: string,
): Promise<Product | undefined> {
  const rows = await sql.query<ProductRow>(
    `select ${columns} from products where marketplace_product_id = $1`,
    [marketplaceProductId],
  );
  return rows[0] && toProduct(rows[0]);
}

/** Products of one seller, or all of them (operator) when sellerId is undefined. */
export async function listProducts(sql: Sql, sellerId?: string): Promise<Product[]> {
  const rows = sellerId
    ? await sql.query<ProductRow>(
        `select ${columns} from products where seller_id = $1 order by created_at desc, id desc`,
        [sellerId],
      )
    : await sql.query<ProductRow>(
        `select ${columns} from products order by created_at desc, id desc`,
      );
  return rows.map(toProduct);
}

/**
 * Whether the product exists and belongs to the seller; another seller's product answers like a
 * missing one. A null seller (no seller principal) owns nothing.
 */
export async function isProductOfSeller(
  sql: Sql,
  productId: string,
  sellerId: string | null,
): Promise<boolean> {
  const rows = await sql.query('select 1 from products where id = $1 and seller_id = $2', [
    productId,
    sellerId,
  ]);
  return rows.length > 0;
}
