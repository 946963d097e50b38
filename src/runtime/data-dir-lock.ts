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

/**
 * Embedded PGlite must be opened by one process at a time: a second opener would corrupt it. The
 * lock file holds the owner's pid; a stale one (its process gone) is taken over.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const file = path.join(dataDir, 'pglite.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => unlink(file).catch(() => undefined);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (owner && owner !== process.pid && alive(owner)) {
        throw new AppError(
          'DATA_DIR_IN_USE',
          `the data directory ${dataDir} is in use by OneClick process ${owner}; stop it first, ` +
            'use the API while it runs, or set DATABASE_URL to share a PostgreSQL database',
          { cause: err },
        );
      }
      await unlink(file).catch(() => undefined);
    }
  }
  throw new Error(`could not lock ${file}`);
}
