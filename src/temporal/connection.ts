import { readFile } from 'node:fs/promises';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import type { Config } from '../config.js';

export interface TemporalTarget {
  address: string;
  namespace: string;
  tls?: { certPath?: string; keyPath?: string; caPath?: string } | false;
  apiKey?: string;
}

/** The Temporal server a process talks to: the configured cluster, or the embedded dev server. */
export function temporalTarget(config: Config, devServerAddress?: string): TemporalTarget {
  const t = config.temporal;
  const address = t.address ?? devServerAddress;
  if (!address)
    throw new Error('no Temporal address: set TEMPORAL_ADDRESS or start the dev server');
  return {
    address,
    namespace: t.namespace,
    tls: t.tls ? { certPath: t.tlsCertPath, keyPath: t.tlsKeyPath, caPath: t.tlsCaPath } : false,
    apiKey: t.apiKey,
  };
}

async function tlsOptions(tls: TemporalTarget['tls']) {
  if (!tls) return undefined;
  return {
    clientCertPair:
      tls.certPath && tls.keyPath
        ? { crt: await readFile(tls.certPath), key: await readFile(tls.keyPath) }
        : undefined,
    serverRootCACertificate: tls.caPath ? await readFile(tls.caPath) : undefined,
  };
}

/** A workflow client with OneClick's data converter. */
export async function createTemporalClient(
  target: TemporalTarget,
  dataConverter: DataConverter,
): Promise<Client> {
  const connection = await Connection.connect({
    address: target.address,
    tls: await tlsOptions(target.tls),
    apiKey: target.apiKey,
  });
  return new Client({ connection, namespace: target.namespace, dataConverter });
}

/** The worker side's native connection. */
export async function createNativeConnection(target: TemporalTarget): Promise<NativeConnection> {
  return NativeConnection.connect({
    address: target.address,
    tls: await tlsOptions(target.tls),
    apiKey: target.apiKey,
  });
}
