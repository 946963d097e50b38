import { access, constants, mkdir } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

/** The CLI tag we build: the newest that `go install` accepts (later tags carry a `replace`). */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

export const cliCacheDir = (home = os.homedir()): string =>
  path.join(home, '.cache', 'oneclick', `temporal-cli-${TEMPORAL_CLI_VERSION}`);

export async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function onPath(
  name: string,
  pathEnv: string | undefined,
): Promise<string | undefined> {
  for (const dir of (pathEnv ?? '').split(path.delimiter)) {
    if (dir && (await isExecutable(path.join(dir, name)))) return path.join(dir, name);
  }
  return undefined;
}

export class TemporalCliUnavailableError extends Error {
  override readonly name = 'TemporalCliUnavailableError';
}

/**
 * Finds a Temporal CLI: an explicit path, then `temporal` on PATH, then our build cache; else
 * builds it with Go into the cache. `log` receives progress lines (the build takes minutes).
 */
export async function findOrBuildTemporalCli(opts: {
  explicitPath?: string;
  pathEnv?: string;
  cacheDir?: string;
  log?: (line: string) => void;
}): Promise<string> {
  if (opts.explicitPath) {
    if (await isExecutable(opts.explicitPath)) return opts.explicitPath;
    throw new TemporalCliUnavailableError(
      `TEMPORAL_CLI=${opts.explicitPath} is not an executable file`,
    );
  }
  const fromPath = await onPath('temporal', opts.pathEnv);
  if (fromPath) return fromPath;
  const cacheDir = opts.cacheDir ?? cliCacheDir();
  const cached = path.join(cacheDir, 'temporal');
  if (await isExecutable(cached)) return cached;

  const go = await onPath('go', opts.pathEnv);
  if (!go) {
    throw new TemporalCliUnavailableError(
      'No Temporal CLI found (TEMPORAL_CLI, `temporal` on PATH, or ' +
        `${cached}) and no Go toolchain to build one. Install Go >= 1.25 (Debian: golang-go from ` +
        'bookworm-backports, or the go toolchain), or put a Temporal CLI on PATH, or point ' +
        'TEMPORAL_ADDRESS at a running Temporal server.',
    );
  }
  await mkdir(cacheDir, { recursive: true });
  opts.log?.(
    `building Temporal CLI ${TEMPORAL_CLI_VERSION} with ${go} into ${cacheDir} (a few minutes, once)`,
  );
  const output = await runBuild(
    go,
    ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`],
    {
      ...process.env,
      GOBIN: cacheDir,
      GOTOOLCHAIN: 'local',
      CGO_ENABLED: '0',
    },
  );
  if (!(await isExecutable(cached))) {
    throw new TemporalCliUnavailableError(
      `go install finished but ${cached} is missing:\n${output}`,
    );
  }
  return cached;
}

/** Runs a build command; resolves with its output's last 20 KB, rejects with them on failure. */
export function runBuild(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd?: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (b: Buffer) => {
      output = (output + b.toString()).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else
        reject(
          new TemporalCliUnavailableError(`${cmd} ${args.join(' ')} exited ${code}:\n${output}`),
        );
    });
  });
}
