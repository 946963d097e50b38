import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, ConfigError, type Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { openFoundation, runOneClick } from './runtime/runtime.js';
import { createApiKey, createPrincipal, type Role } from './db/repositories/principals.js';
import { AppError } from './errors.js';
import { runLicenseVerify } from './license/verify-cli.js';
import { runSandbox, sandboxStateDir } from './sandbox/run-sandbox.js';
import { removePersistentSandbox } from './sandbox/sandbox-cloud.js';
import { demoCommand } from './demo/demo-command.js';
import { runSampleGeneratorCli } from './sandbox/sample-generator-cli.js';

const USAGE = `oneclick <command>

  start                 migrations, Temporal dev server (unless TEMPORAL_ADDRESS), worker and API
  api                   the HTTP API alone (needs TEMPORAL_ADDRESS)
  worker                the Temporal worker alone (needs TEMPORAL_ADDRESS)
  sandbox [--port N] [--delays none|demo|realistic] [--seed N]
                        the sandbox Huawei Cloud alone (ECS/VPC emulator; needs Linux and root);
                        realistic: calls 0.5-2 s, server jobs 20-40 s, boots 10-20 s
  demo [--keep]         both license models end to end on the sandbox, in a data directory of
                        its own (removed at the end; --keep stays up until Ctrl-C)
  sandbox stop          remove the embedded sandbox cloud that \`start\` keeps in the data
                        directory: its servers (they outlive OneClick) and its saved state
  sandbox sample-generator [--port N] [--access-key K]
                        the sample seller's remote license generator, for the demo
  license verify <file> --jwks <url|file> [--revocations <url|file>] [--fingerprint FP]
                        verify a License 1.0 file offline
  migrate               apply database migrations and exit
  principal create --role buyer|seller|operator --name NAME [--customer-id ID] [--seller-id ID]
                        create a principal and print its first API key (shown once)
  key create --principal ID [--name NAME]
                        issue another API key for a principal (shown once)

Configuration is read from the environment; see README.md.`;

/**
 * SIGINT/SIGTERM, listened to from before start-up: a stop asked for while OneClick is still
 * starting (a supervisor that gives up, a test that found the worker polling) is carried out as
 * soon as the start has finished, instead of the default action killing the process mid-way. A
 * second signal exits at once without draining.
 */
function stopSignals(logger: Logger): { next(): Promise<NodeJS.Signals> } {
  let received: NodeJS.Signals | undefined;
  let wake: ((signal: NodeJS.Signals) => void) | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) {
      logger.warn({ signal }, 'second signal: exiting without draining');
      process.exit(130);
    }
    received = signal;
    wake?.(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    next: () =>
      new Promise((resolve) => {
        if (received) resolve(received);
        else wake = resolve;
      }),
  };
}

async function serveCommand(
  config: Config,
  logger: Logger,
  parts: { api: boolean; worker: boolean; devServer: boolean },
) {
  const signals = stopSignals(logger);
  const foundation = await openFoundation(config, logger);
  const running = await runOneClick(foundation, parts);
  const lines = [
    'OneClick is running',
    running.apiUrl && `  API:        ${running.apiUrl}`,
    running.apiUrl && `  Console:    ${running.apiUrl}/console (sign in with an API key)`,
    running.apiUrl && `  OpenAPI:    ${running.apiUrl}/openapi.json`,
    running.metricsUrl && `  Metrics:    ${running.metricsUrl} (Prometheus; no API key)`,
    `  Temporal:   ${running.temporalAddress} (namespace ${config.temporal.namespace}, task queue ${config.temporal.taskQueue})`,
    running.temporalUiUrl && `  Temporal UI: ${running.temporalUiUrl}`,
    `  Data:       ${config.dataDir}${config.databaseUrl ? ' (database: PostgreSQL)' : ' (database: embedded PGlite)'}`,
    running.bootstrapOperatorKey &&
      `  First operator API key (shown once, save it): ${running.bootstrapOperatorKey}`,
    `  Marketplace access key: ${config.marketplaceAccessKey ? 'MARKETPLACE_ACCESS_KEY' : path.join(config.dataDir, 'marketplace-access-key')}`,
    running.sandboxBanner,
    '  Stop with Ctrl-C.',
  ];
  process.stdout.write(`${lines.filter(Boolean).join('\n')}\n`);
  const signal = await signals.next();
  logger.info({ signal }, 'stopping: draining the worker, stopping the dev server');
  await running.stop();
}

async function principalCommand(config: Config, logger: Logger, args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      role: { type: 'string' },
      name: { type: 'string' },
      'customer-id': { type: 'string' },
      'seller-id': { type: 'string' },
      principal: { type: 'string' },
    },
  });
  const f = await openFoundation(config, logger);
  try {
    if (positionals[0] === 'principal' && positionals[1] === 'create') {
      const role = values.role as Role | undefined;
      if (!role || !['buyer', 'seller', 'operator'].includes(role) || !values.name) {
        throw new AppError(
          'VALIDATION_FAILED',
          'principal create needs --role buyer|seller|operator and --name',
        );
      }
      const principal = await createPrincipal(f.db, {
        role,
        name: values.name,
        marketplaceCustomerId: values['customer-id'],
        sellerId: values['seller-id'],
      });
      const { key } = await createApiKey(f.db, principal.id, 'cli');
      process.stdout.write(`${JSON.stringify({ principal, apiKey: key }, null, 2)}\n`);
      return;
    }
    if (positionals[0] === 'key' && positionals[1] === 'create' && values.principal) {
      const created = await createApiKey(f.db, values.principal, values.name);
      process.stdout.write(`${JSON.stringify({ id: created.id, apiKey: created.key }, null, 2)}\n`);
      return;
    }
    throw new AppError(
      'VALIDATION_FAILED',
      `unknown command: ${positionals.join(' ')}\n\n${USAGE}`,
    );
  } finally {
    await f.db.close();
  }
}

/** `oneclick sandbox`: the emulator and its sshd hosts until SIGINT/SIGTERM. */
async function sandboxCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      // none | demo (default) | realistic: delays like a real region's, for benchmarks.
      delays: { type: 'string' },
      seed: { type: 'string' },
    },
  });
  const profiles = ['none', 'demo', 'realistic'] as const;
  const profile = profiles.find((p) => p === values.delays);
  if (values.delays !== undefined && !profile) {
    process.stderr.write(`--delays takes ${profiles.join(', ')}, not ${values.delays}\n`);
    return 2;
  }
  const { cloud, banner } = await runSandbox({
    host: values.host,
    port: values.port ? Number(values.port) : 0,
    profile,
    seed: values.seed === undefined ? undefined : Number(values.seed),
  });
  process.stdout.write(`${banner}\n  Stop with Ctrl-C.\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await cloud.stop();
  return 0;
}

/** `oneclick sandbox sample-generator`: the sample seller's remote generator, for the demo. */
async function sampleGeneratorCommand(args: string[]): Promise<number> {
  const generator = await runSampleGeneratorCli(args, {
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
  });
  if (!generator) return 2;
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await generator.close();
  return 0;
}

/** Entry point: parses the command, loads configuration once, runs the command. */
export async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  if (!command || command === 'help' || command === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  // Commands that need no configuration: they run offline, or stand alone.
  if (command === 'license' && argv[1] === 'verify') {
    return runLicenseVerify(argv.slice(2), {
      stdout: (line) => process.stdout.write(`${line}\n`),
      stderr: (line) => process.stderr.write(`${line}\n`),
    });
  }
  if (command === 'demo')
    return demoCommand(argv.slice(1), (line) => process.stdout.write(`${line}\n`));
  if (command === 'sandbox' && argv[1] === 'sample-generator')
    return sampleGeneratorCommand(argv.slice(2));
  if (command === 'sandbox' && argv[1] !== 'stop') return sandboxCommand(argv.slice(1));
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 78; // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  try {
    switch (command) {
      case 'start':
        await serveCommand(config, logger, { api: true, worker: true, devServer: true });
        return 0;
      case 'api':
        await serveCommand(config, logger, { api: true, worker: false, devServer: false });
        return 0;
      case 'worker':
        await serveCommand(config, logger, { api: false, worker: true, devServer: false });
        return 0;
      case 'migrate': {
        const f = await openFoundation(config, logger);
        await f.db.close();
        return 0;
      }
      case 'sandbox': {
        const removed = await removePersistentSandbox(sandboxStateDir(config.dataDir));
        process.stdout.write(
          `Removed the embedded sandbox cloud: ${removed} server(s) and its saved state.\n`,
        );
        return 0;
      }
      case 'principal':
      case 'key':
        await principalCommand(config, logger, argv);
        return 0;
      default:
        process.stderr.write(`unknown command ${command}\n\n${USAGE}\n`);
        return 2;
    }
  } catch (err) {
    if (err instanceof AppError) {
      process.stderr.write(`${err.code}: ${err.message}\n`);
      return 1;
    }
    logger.fatal({ err }, 'oneclick failed');
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  },
);
