import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { inject } from 'vitest';
import { freePort } from '../../src/temporal/dev-server.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** A `oneclick <command>` process, as a user runs it. */
export interface OneClickProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Runs `oneclick <args>` in its own process. Node runs the CLI itself (tsx as a loader, not as a
 * wrapper process), so a SIGKILL reaches OneClick and not a launcher in front of it.
 */
export function runOneClick(args: string[], env: NodeJS.ProcessEnv): OneClickProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  return {
    child,
    output: () => out,
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
}

/** Runs `oneclick start` and waits for its banner. */
export async function startOneClick(env: NodeJS.ProcessEnv): Promise<OneClickProcess> {
  const started = runOneClick(['start'], env);
  const deadline = Date.now() + 90_000;
  while (!started.output().includes('Stop with Ctrl-C.')) {
    if (started.child.exitCode !== null)
      throw new Error(`oneclick start exited ${started.child.exitCode}:\n${started.output()}`);
    if (Date.now() > deadline)
      throw new Error(`oneclick start did not come up:\n${started.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return started;
}

/** Polls `fn` until it holds (a hang guard, not a timing assertion). */
export async function until(
  what: string,
  fn: () => Promise<boolean> | boolean,
  ms = 120_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * The environment of `oneclick start` on its embedded defaults (dev server, PGlite, sandbox)
 * in `dataDir`, on free ports; `api` is the URL it will answer at.
 */
export async function embeddedEnv(
  dataDir: string,
): Promise<{ env: NodeJS.ProcessEnv; api: string }> {
  const httpPort = await freePort();
  return {
    api: `http://127.0.0.1:${httpPort}`,
    env: {
      ONECLICK_DATA_DIR: dataDir,
      ONECLICK_HTTP_PORT: String(httpPort),
      TEMPORAL_DEV_PORT: String(await freePort()),
      TEMPORAL_DEV_UI_PORT: String(await freePort()),
      TEMPORAL_CLI: inject('temporalCliPath'),
      TEMPORAL_ADDRESS: '',
      DATABASE_URL: '',
      LOG_LEVEL: 'warn',
    },
  };
}
