import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('gives the embedded defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c.databaseUrl).toBeUndefined();
    expect(c.temporal.address).toBeUndefined();
    expect(c.temporal.taskQueue).toBe('oneclick');
    expect(c.huaweiCloud.sandbox).toBe(true);
    expect(c.http.port).toBe(8080);
    expect(Object.isFrozen(c.temporal)).toBe(true);
  });

  it('lists every bad key at once', () => {
    let error: unknown;
    try {
      loadConfig({
        ONECLICK_HTTP_PORT: 'eighty',
        DATABASE_URL: 'not a url',
        LOG_LEVEL: 'loud',
        HUAWEICLOUD_AK: 'AK',
        ONECLICK_MASTER_KEY: 'k1:c2hvcnQ=',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).message;
    for (const key of ['ONECLICK_HTTP_PORT', 'DATABASE_URL', 'LOG_LEVEL'])
      expect(text).toContain(key);
  });

  it('checks the keys that depend on each other', () => {
    expect(() => loadConfig({ HUAWEICLOUD_AK: 'AK' })).toThrow(/HUAWEICLOUD_AK\/HUAWEICLOUD_SK/);
    expect(() => loadConfig({ ONECLICK_MASTER_KEY: 'k1:c2hvcnQ=' })).toThrow(/not 32 bytes/);
    expect(() => loadConfig({ TEMPORAL_TLS_CERT: '/x.pem' })).toThrow(/TEMPORAL_TLS_KEY/);
  });

  it('turns on TLS for an API key and reads a cluster address', () => {
    const c = loadConfig({
      TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
      TEMPORAL_API_KEY: 'k',
      TEMPORAL_NAMESPACE: 'ns.acct',
    });
    expect(c.temporal).toMatchObject({
      address: 'ns.acct.tmprl.cloud:7233',
      tls: true,
      namespace: 'ns.acct',
    });
  });

  it('reads the cloud endpoints, the domain id and how SSH reaches servers', () => {
    const d = loadConfig({}).huaweiCloud;
    expect(d.sshVia).toBe('public');
    expect(d.iamEndpoint).toBeUndefined();
    const c = loadConfig({
      HUAWEICLOUD_DOMAIN_ID: 'd0m41n',
      HUAWEICLOUD_IAM_ENDPOINT: 'https://iam.example',
      HUAWEICLOUD_IMS_ENDPOINT: 'https://ims.example',
      ONECLICK_SSH_VIA: 'private',
    }).huaweiCloud;
    expect(c).toMatchObject({
      domainId: 'd0m41n',
      iamEndpoint: 'https://iam.example',
      imsEndpoint: 'https://ims.example',
      sshVia: 'private',
    });
    expect(() => loadConfig({ ONECLICK_SSH_VIA: 'tunnel' })).toThrow(/ONECLICK_SSH_VIA/);
    // Buyers share OneClick's own account on the sandbox only, unless told otherwise.
    expect(d.ownAccountForBuyers).toBe(true);
    const real = { HUAWEICLOUD_AK: 'AK', HUAWEICLOUD_SK: 'SK', HUAWEICLOUD_PROJECT_ID: 'p' };
    expect(loadConfig(real).huaweiCloud.ownAccountForBuyers).toBe(false);
    expect(
      loadConfig({ ...real, ONECLICK_OWN_ACCOUNT_FOR_BUYERS: 'true' }).huaweiCloud
        .ownAccountForBuyers,
    ).toBe(true);
    expect(() => loadConfig({ HUAWEICLOUD_IAM_ENDPOINT: 'not a url' })).toThrow(
      /HUAWEICLOUD_IAM_ENDPOINT/,
    );
  });

  it('reads the object store, the package delivery and the pool size, and refuses half an object store', () => {
    const none = loadConfig({});
    expect(none.objectStore).toBeUndefined();
    expect(none.packageDelivery).toBe('pull');
    const s3 = {
      ONECLICK_S3_ENDPOINT: 'https://obs.cn-north-4.myhuaweicloud.com',
      ONECLICK_S3_BUCKET: 'oneclick-packages',
      ONECLICK_S3_ACCESS_KEY_ID: 'AK',
      ONECLICK_S3_SECRET_ACCESS_KEY: 'SK',
    };
    expect(loadConfig({ ...s3, ONECLICK_S3_REGION: 'cn-north-4' }).objectStore).toEqual({
      endpoint: 'https://obs.cn-north-4.myhuaweicloud.com',
      pullEndpoint: undefined,
      region: 'cn-north-4',
      bucket: 'oneclick-packages',
      accessKeyId: 'AK',
      secretAccessKey: 'SK',
      forcePathStyle: true,
    });
    expect(
      loadConfig({ ...s3, ONECLICK_S3_PULL_ENDPOINT: 'http://10.0.0.5:8333' }).objectStore
        ?.pullEndpoint,
    ).toBe('http://10.0.0.5:8333');
    expect(() => loadConfig({ ...s3, ONECLICK_S3_BUCKET: '' })).toThrow(/ONECLICK_S3_BUCKET/);
    expect(() => loadConfig({ ONECLICK_S3_BUCKET: 'b' })).toThrow(/ONECLICK_S3_ENDPOINT too/);
    expect(() => loadConfig({ ONECLICK_PACKAGE_DELIVERY: 'carrier-pigeon' })).toThrow(
      /ONECLICK_PACKAGE_DELIVERY/,
    );
    expect(loadConfig({ ONECLICK_PACKAGE_DELIVERY: 'push' }).packageDelivery).toBe('push');
    expect(none.databasePoolMax).toBe(10);
    expect(loadConfig({ ONECLICK_DATABASE_POOL_MAX: '25' }).databasePoolMax).toBe(25);
    expect(() => loadConfig({ ONECLICK_DATABASE_POOL_MAX: '0' })).toThrow(
      /ONECLICK_DATABASE_POOL_MAX/,
    );
  });
});
