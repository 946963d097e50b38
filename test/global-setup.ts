import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { Client, Connection } from '@temporalio/client';
import { findOrBuildTemporalCli } from '../src/temporal/cli-binary.js';
import { startDevServer, type DevServer } from '../src/temporal/dev-server.js';
import { startPostgres, type PostgresServer } from './helpers/postgres-server.js';
import { startSeaweedS3, type SeaweedS3 } from './helpers/seaweedfs.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
    temporalCliPath: string;
    postgresUrl: string;
    /** SeaweedFS's S3 gateway: endpoints, bucket, credentials and the env naming them. */
    s3: Omit<SeaweedS3, 'stop'>;
  }
}

/**
 * One real Temporal dev server, one throwaway PostgreSQL and one SeaweedFS S3 gateway for the
 * whole run; every test uses
 * its own task queue, workflow ids and database on them. ONECLICK_TEST_DATABASE_URL points the
 * PostgreSQL tests at an existing server instead.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cliPath = await findOrBuildTemporalCli({
    explicitPath: process.env.TEMPORAL_CLI,
    pathEnv: process.env.PATH,
    log: (l) => console.log(`[global-setup] ${l}`),
  });
  let temporal: DevServer | undefined;
  let postgres: PostgresServer | undefined;
  let s3: SeaweedS3 | undefined;
  try {
    temporal = await startDevServer({ cliPath, uiPort: false });
    const existingPg = process.env.ONECLICK_TEST_DATABASE_URL;
    if (!existingPg) postgres = await startPostgres();
    project.provide('temporalAddress', temporal.address);
    project.provide('temporalNamespace', temporal.namespace);
    project.provide('temporalCliPath', cliPath);
    project.provide('postgresUrl', existingPg ?? postgres!.url);
    s3 = await startSeaweedS3();
    project.provide('s3', {
      endpoint: s3.endpoint,
      pullEndpoint: s3.pullEndpoint,
      region: s3.region,
      bucket: s3.bucket,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      env: s3.env,
    });
  } catch (err) {
    await temporal?.stop();
    await postgres?.stop();
    await s3?.stop();
    throw err;
  }
  return async () => {
    const recordDir = process.env.ONECLICK_RECORD_HISTORIES;
    if (recordDir && temporal)
      await recordHistories(temporal.address, temporal.namespace, cliPath, recordDir);
    await temporal?.stop();
    await postgres?.stop();
    await s3?.stop();
  };
}

/**
 * Writes the history of every workflow the run left on the dev server into `dir`, one JSON file
 * each, named `<type>-<status>-<workflowId>.json`: the material for replay fixtures.
 */
async function recordHistories(
  address: string,
  namespace: string,
  cliPath: string,
  dir: string,
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection, namespace });
    for await (const wf of client.workflow.list()) {
      // The CLI writes the JSON form that `historyFromJSON` and the Temporal UI read.
      const json = execFileSync(cliPath, [
        ...['workflow', 'show', '--address', address, '--namespace', namespace],
        ...['--workflow-id', wf.workflowId, '--run-id', wf.runId, '--output', 'json'],
      ]);
      const name = `${wf.type}-${wf.status.name}-${wf.workflowId}`.replace(/[^A-Za-z0-9_.-]/g, '_');
      writeFileSync(path.join(dir, `${name}.json`), json);
    }
  } finally {
    await connection.close();
  }
}
