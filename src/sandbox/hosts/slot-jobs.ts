import { rm, writeFile } from 'node:fs/promises';
import { runJob } from '../launcher.js';
import { slotJobPath } from './layout.js';

/**
 * Runs a short shell job of a slot (wiring or stopping it) through the launcher, so its `ip`
 * and `kill` processes are forked by the launcher's shell rather than by this process; then
 * removes its script and log.
 */
export async function runSlotJob(
  slot: number,
  job: string,
  lines: string[],
  what: string,
): Promise<void> {
  const file = slotJobPath(slot, job);
  try {
    await writeFile(file, `${lines.join('\n')}\n`, { mode: 0o700 });
    await runJob(file, what);
  } finally {
    await rm(file, { force: true });
    await rm(`${file}.log`, { force: true });
  }
}
