import type { Translate } from '../../i18n/index.js';

/** Where the seller's products live. */
export const PRODUCTS = '/console/seller/products';
/** Where the seller's signing keys live. */
export const KEYS = '/console/seller/keys';

/** The JSON shapes the catalog pages read from the API (as `/openapi.json` documents them). */

export interface ProductView {
  id: string;
  marketplaceProductId: string;
  skuCode: string | null;
  name: string;
  licenseModel: 'license2' | 'license1';
  installCommand: string | null;
  verifyCommand: string | null;
  postLicenseCommand: string | null;
  continuedAccessDays: number | null;
  installDir: string;
  licensePath: string | null;
  ports: number[];
  variables: Record<string, string>;
  createdAt: string;
}

export interface PackageView {
  id: string;
  productId: string | null;
  fileName: string;
  sha256: string;
  sizeBytes: number;
  createdAt: string;
}

export interface KeyView {
  kid: string;
  alg: string;
  status: 'active' | 'retiring' | 'retired';
  createdAt: string;
  retiredAt: string | null;
}

export interface CredentialView {
  ak: string;
  createdAt: string;
  revokedAt: string | null;
}

/** The license model as KooGallery names it. */
export const licenseModelLabel = (t: Translate, model: string): string =>
  model === 'license1'
    ? t('licenseModel.license1')
    : model === 'license2'
      ? t('licenseModel.license2')
      : model;
