import { chmod, mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  findOrBuildTemporalCli,
  TemporalCliUnavailableError,
} from '../../../src/temporal/cli-binary.js';

async function executable(dir: string, name: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, name);
  await writeFile(file, '#!/bin/sh\nexit 0\n');
  await chmod(file, 0o755);
  return file;
}

describe('findOrBuildTemporalCli', () => {
  it('prefers TEMPORAL_CLI, then PATH, then the cache', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'cli-find-'));
    const explicit = await executable(path.join(root, 'explicit'), 'temporal');
    const onPath = await executable(path.join(root, 'bin'), 'temporal');
    const cached = await executable(path.join(root, 'cache'), 'temporal');
    const cacheDir = path.join(root, 'cache');
    expect(
      await findOrBuildTemporalCli({
        explicitPath: explicit,
        pathEnv: path.join(root, 'bin'),
        cacheDir,
      }),
    ).toBe(explicit);
    expect(await findOrBuildTemporalCli({ pathEnv: path.join(root, 'bin'), cacheDir })).toBe(
      onPath,
    );
    expect(await findOrBuildTemporalCli({ pathEnv: path.join(root, 'empty'), cacheDir })).toBe(
      cached,
    );
  });

  it('says how to get a CLI when there is neither a CLI nor Go', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'cli-none-'));
    const err = await findOrBuildTemporalCli({
      pathEnv: path.join(root, 'empty'),
      cacheDir: path.join(root, 'cache'),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TemporalCliUnavailableError);
    expect((err as Error).message).toMatch(/Install Go/);
    expect((err as Error).message).toMatch(/TEMPORAL_ADDRESS/);
  });

  it('refuses a TEMPORAL_CLI that is not executable', async () => {
    await expect(findOrBuildTemporalCli({ explicitPath: '/nonexistent/temporal' })).rejects.toThrow(
      /not an executable/,
    );
  });

  it('reports a failed Go build with its output', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'cli-gofail-'));
    const bin = path.join(root, 'bin');
    await mkdir(bin, { recursive: true });
    await writeFile(
      path.join(bin, 'go'),
      '#!/bin/sh\necho "go: module lookup disabled" >&2\nexit 1\n',
    );
    await chmod(path.join(bin, 'go'), 0o755);
    await expect(
      findOrBuildTemporalCli({ pathEnv: bin, cacheDir: path.join(root, 'cache') }),
    ).rejects.toThrow(/module lookup disabled/);
  });
});
