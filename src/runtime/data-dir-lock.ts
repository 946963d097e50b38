import { open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Lock files this process holds: a second taker in the same process is refused too. */
const held = new Set<string>();

/**
 * Takes a lock file holding this process's pid; a stale one (its process gone) is taken over.
 * When another live process holds it, throws `code` with `inUse(pid)` as the message.
 */
export async function lockPidFile(
  file: string,
  code: string,
  inUse: (pid: number) => string,
): Promise<() => Promise<void>> {
  if (held.has(file)) throw new AppError(code, inUse(process.pid));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      held.add(file);
      return () => {
        held.delete(file);
        return unlink(file).catch(() => undefined);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (owner && owner !== process.pid && alive(owner)) {
        throw new AppError(code, inUse(owner), { cause: err });
      }
      await unlink(file).catch(() => undefined);
    }
  }
  throw new Error(`could not lock ${file}`);
}

/**
 * Embedded PGlite must be opened by one process at a time: a second opener would corrupt it.
 */
export function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  return lockPidFile(
    path.join(dataDir, 'pglite.lock'),
    'DATA_DIR_IN_USE',
    (owner) =>
      `the data directory ${dataDir} is in use by OneClick process ${owner}; stop it first, ` +
      'use the API while it runs, or set DATABASE_URL to share a PostgreSQL database',
  );
}
