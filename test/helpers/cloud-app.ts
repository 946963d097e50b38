import { createCloudConnector, type CloudConnectorOptions } from '../../src/cloud/connector.js';
import { connectorOptionsFromConfig } from '../../src/cloud/from-config.js';
import type { CloudAccountSource, CloudConnector } from '../../src/cloud/types.js';
import { loadConfig } from '../../src/config.js';
import type { CatalogueOptions } from '../../src/api/routes/cloud-catalogue.js';
import { createCloudAccountSource } from '../../src/db/repositories/cloud-accounts.js';
import { startSandboxCloud, type SandboxCloud } from '../../src/sandbox/sandbox-cloud.js';
import { startTestApp, type TestApp } from './api.js';
import { testKeyring } from './deploy.js';

/**
 * The connector `oneclick start` builds over its sandbox cloud (src/runtime/runtime.ts), polling
 * faster: OneClick's own account by default, and the linked accounts `accounts` holds.
 */
export function sandboxConnector(
  cloud: SandboxCloud,
  accounts: CloudAccountSource,
  tuning: Partial<CloudConnectorOptions> = {},
): CloudConnector {
  return createCloudConnector({
    ...connectorOptionsFromConfig(loadConfig({}).huaweiCloud, cloud, accounts),
    pollMs: 25,
    ...tuning,
  });
}

/** The name a buyer's agency for OneClick must have (GET /v1/cloud-accounts/agency-name). */
export async function agencyNameOf(t: TestApp, buyerKey: string): Promise<string> {
  const res = await t.call('GET', '/v1/cloud-accounts/agency-name', { key: buyerKey });
  if (res.status !== 200) throw new Error(`agency-name: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { agencyName: string }).agencyName;
}

/** The sandbox's admin calls that make buyers' accounts and their agencies. */
export function sandboxAccounts(cloud: SandboxCloud) {
  const admin = async (path: string, body: unknown): Promise<unknown> => {
    const res = await fetch(`${cloud.ecsEndpoint}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`sandbox ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  return {
    /** Creates a buyer's account in the sandbox (its own domain and projects). */
    newBuyerAccount: async (name?: string) =>
      (await admin(
        '/_sandbox/accounts',
        name === undefined ? {} : { name },
      )) as SandboxBuyerAccount,
    /** The buyer's account delegates to OneClick's account under `agencyName`. */
    addAgency: async (domainId: string, agencyName: string) => {
      await admin(`/_sandbox/accounts/${domainId}/agencies`, {
        name: agencyName,
        trust_domain_id: cloud.domainId,
      });
    },
  };
}

/** A buyer's account in the sandbox cloud, with its permanent AK/SK (as `POST /_sandbox/accounts` gives). */
export interface SandboxBuyerAccount {
  domain: { id: string; name: string };
  ak: string;
  sk: string;
}

/**
 * The API with the real cloud connector (the official SDKs and OneClick's IAM client) over a
 * sandbox cloud, linked accounts read back from the app's own database: what the cloud account
 * routes and the form lists run on in the embedded default.
 */
export async function startCloudApp(catalogue: CatalogueOptions = {}): Promise<{
  t: TestApp;
  cloud: SandboxCloud;
  /** Creates a buyer's account in the sandbox (its own domain and projects). */
  newBuyerAccount(name?: string): Promise<SandboxBuyerAccount>;
  /** The buyer's account delegates to OneClick's account under `agencyName`. */
  addAgency(domainId: string, agencyName: string): Promise<void>;
  stop(): Promise<void>;
}> {
  const cloud = await startSandboxCloud();
  const keyring = testKeyring();
  const t = await startTestApp('pglite', (db) => ({
    secretsKeyring: keyring,
    cloudCatalogue: catalogue,
    cloud: sandboxConnector(cloud, createCloudAccountSource(db, keyring), { timeoutMs: 10_000 }),
  }));
  return {
    t,
    cloud,
    ...sandboxAccounts(cloud),
    stop: async () => {
      await t.close();
      await cloud.stop();
    },
  };
}
