import { inject } from 'vitest';
import { createS3PackageStore } from '../../src/packages/s3-store.js';

/**
 * A package store on the run's SeaweedFS (test/global-setup.ts), presigning for `pullEndpoint`
 * when given. Destroy its `client` when done.
 */
export function testS3Store(options: { pullEndpoint?: string; partSizeBytes?: number } = {}) {
  const s3 = inject('s3');
  return createS3PackageStore({
    endpoint: s3.endpoint,
    region: s3.region,
    bucket: s3.bucket,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    ...options,
  });
}
