import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { openFoundation, runOneClick } from '../runtime/runtime.js';
import { freePort } from '../temporal/dev-server.js';
import { runDemo } from './run-demo.js';

/**
 * `oneclick demo [--keep]`: runs OneClick on its embedded defaults in a data directory of its
 * own (Temporal dev server, PGlite, sandbox cloud, free ports), plays both license models through
 * to `completed` and prints each step and where to look. Without `--keep` it then stops and
 * removes everything; with it, it stays up (the links work) until Ctrl-C, then removes everything.
 */
export async function demoCommand(args: string[], out: (line: string) => void): Promise<number> {
  const { values } = parseArgs({ args, options: { keep: { type: 'boolean' } } });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'oneclick-demo-'));
  const env = {
    ...process.env,
    ONECLICK_DATA_DIR: dataDir,
    ONECLICK_HTTP_PORT: String(await freePort()),
    TEMPORAL_DEV_PORT: String(await freePort()),
    TEMPORAL_DEV_UI_PORT: String(await freePort()),
    TEMPORAL_ADDRESS: '',
    DATABASE_URL: '',
    // The demo is about the sandbox: never a real cloud account.
    HUAWEICLOUD_AK: '',
    HUAWEICLOUD_SK: '',
    MARKETPLACE_ACCESS_KEY: '',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel);
  out(`OneClick demo (data in ${dataDir}); starting OneClick with the sandbox cloud…`);
  // A Ctrl-C ends the demo the same way as its end: everything stopped and removed. The sandbox
  // is not kept (its servers go with the demo).
  let interrupted: (() => void) | undefined;
  const stopAsked = new Promise<void>((resolve) => (interrupted = resolve));
  process.once('SIGINT', () => interrupted?.());
  process.once('SIGTERM', () => interrupted?.());
  const running = await runOneClick(await openFoundation(config, logger), {
    api: true,
    worker: true,
    devServer: true,
    persistentSandbox: false,
  });
  try {
    const demo = runDemo(
      {
        apiUrl: running.apiUrl!,
        operatorKey: running.bootstrapOperatorKey!,
        marketplaceAccessKey: running.marketplaceAccessKey,
        temporalUiUrl: running.temporalUiUrl,
        temporalNamespace: config.temporal.namespace,
      },
      out,
    );
    // After an interrupt its calls fail as OneClick stops: that failure is no news.
    demo.catch(() => undefined);
    const ended = await Promise.race([demo, stopAsked.then(() => undefined)]);
    if (!ended) {
      out('Interrupted: stopping and removing everything.');
      return 130;
    }
    const { completed } = ended;
    out(`Completed: ${completed.join(', ') || 'none'}`);
    if (values.keep) {
      out(
        `OneClick stays up at ${running.apiUrl} (operator key ${running.bootstrapOperatorKey}). Stop with Ctrl-C.`,
      );
      await stopAsked;
    }
    return completed.length === 2 ? 0 : 1;
  } finally {
    await running.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
