import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runJob, startJob } from '../../../src/sandbox/launcher.js';

const dir = mkdtempSync(path.join(tmpdir(), 'oneclick-launcher-'));
const script = (name: string, body: string) => {
  const file = path.join(dir, `${name}.sh`);
  writeFileSync(file, body, { mode: 0o700 });
  return file;
};

describe('sandbox process launcher', () => {
  it('runs a job to its end and rejects a failing one with its output and status', async () => {
    const marker = path.join(dir, 'ran');
    await runJob(script('ok', `echo done > ${marker}\n`), 'ok job');
    await expect(
      import('node:fs/promises').then((fs) => fs.readFile(marker, 'utf8')),
    ).resolves.toBe('done\n');
    await expect(
      runJob(script('bad', 'echo "no such netns" >&2; exit 3\n'), 'bad job'),
    ).rejects.toThrow(/bad job failed \(exit 3\): no such netns/);
  });

  it('runs jobs side by side and reports each one as it ends', async () => {
    const order: string[] = [];
    const slow = startJob(script('slow', 'sleep 0.5; echo slow\n')).then((r) => {
      order.push('slow');
      return r;
    });
    const fast = startJob(script('fast', 'echo fast; exit 7\n')).then((r) => {
      order.push('fast');
      return r;
    });
    const [s, f] = await Promise.all([slow, fast]);
    expect(order).toEqual(['fast', 'slow']);
    expect(f).toEqual({ status: 7, output: 'fast\n' });
    expect(s).toEqual({ status: 0, output: 'slow\n' });
  });

  it('refuses a script path with spaces instead of running something else', () => {
    expect(() => startJob(path.join(dir, 'a b.sh'))).toThrow(/spaces/);
  });
});
