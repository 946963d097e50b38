import type { Sql } from '../db/sql.js';
import { ApiCredentialStore } from './api-credentials.js';
import { GeneratorStore } from './generator-store.js';
import { LicenseCodeService } from './license-code-service.js';
import { LicenseDocumentService } from './license-document-service.js';
import { LicenseLifecycleStore } from './license-lifecycle-store.js';
import { RevocationService } from './revocation-service.js';
import type { WrappingKey } from './seal.js';
import { SigningKeyStore } from './signing-key-store.js';

/** Everything the license engine offers, built once per process over one database. */
export interface LicenseServices {
  keys: SigningKeyStore;
  generators: GeneratorStore;
  codes: LicenseCodeService;
  documents: LicenseDocumentService;
  revocation: RevocationService;
  credentials: ApiCredentialStore;
  lifecycle: LicenseLifecycleStore;
}

export interface LicenseServicesOptions {
  sql: Sql;
  /** Keys sealing license secrets, active first (see `wrappingKeysFrom`). */
  wraps: readonly WrappingKey[];
  /** OneClick's public URL: the `iss` of licenses and revocation lists. */
  issuer: string;
  now?: () => Date;
  /** Seller endpoint time limit; KooGallery's 5 s unless a test shortens it. */
  sellerTimeoutMs?: number;
  /**
   * Sellers' endpoints may be plain HTTP on loopback or on private addresses: the sandbox only
   * (default false: https to public addresses).
   */
  allowPrivateSellerEndpoints?: boolean;
}

/** Builds the license services. */
export function createLicenseServices(o: LicenseServicesOptions): LicenseServices {
  const keys = new SigningKeyStore(o.sql, o.wraps);
  const generators = new GeneratorStore(o.sql, o.wraps, {
    timeoutMs: o.sellerTimeoutMs,
    allowPrivateNetwork: o.allowPrivateSellerEndpoints,
  });
  const codes = new LicenseCodeService({ sql: o.sql, wraps: o.wraps, now: o.now });
  return {
    keys,
    generators,
    codes,
    documents: new LicenseDocumentService({
      sql: o.sql,
      keys,
      generators,
      issuer: o.issuer,
      now: o.now,
      remoteTimeoutMs: o.sellerTimeoutMs,
    }),
    revocation: new RevocationService(o.sql, keys, o.issuer, o.now),
    credentials: new ApiCredentialStore(o.sql, o.wraps),
    lifecycle: new LicenseLifecycleStore(o.sql, codes, generators, {
      timeoutMs: o.sellerTimeoutMs,
    }),
  };
}
