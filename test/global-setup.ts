import type { TestProject } from 'vitest/node';
import { findOrBuildTemporalCli } from '../src/temporal/cli-binary.js';
import { startDevServer, type DevServer } from '../src/temporal/dev-server.js';
import { startPostgres, type PostgresServer } from './helpers/postgres-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
    temporalCliPath: string;
    postgresUrl: string;
  }
}

/**
 * One real Temporal dev server and one throwaway PostgreSQL for the whole run; every test uses
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
  try {
    temporal = await startDevServer({ cliPath, uiPort: false });
    const existingPg = process.env.ONECLICK_TEST_DATABASE_URL;
    if (!existingPg) postgres = await startPostgres();
    project.provide('temporalAddress', temporal.address);
    project.provide('temporalNamespace', temporal.namespace);
    project.provide('temporalCliPath', cliPath);
    project.provide('postgresUrl', existingPg ?? postgres!.url);
  } catch (err) {
    await temporal?.stop();
    await postgres?.stop();
    throw err;
  }
  return async () => {
    await temporal?.stop();
    await postgres?.stop();
  };
}
