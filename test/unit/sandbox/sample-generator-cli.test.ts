import { describe, expect, it } from 'vitest';
import { runSampleGeneratorCli } from '../../../src/sandbox/sample-generator-cli.js';
import { runConformance } from '../../../src/license/generator-conformance.js';

describe('oneclick sandbox sample-generator', () => {
  it('starts a generator that passes the conformance check with the printed key', async () => {
    const out: string[] = [];
    const g = await runSampleGeneratorCli([], {
      stdout: (l) => out.push(l),
      stderr: () => undefined,
    });
    try {
      const key = /access key: ([0-9A-F]{64})/.exec(out.join('\n'))?.[1];
      expect(key).toBeDefined();
      expect(
        (await runConformance({ url: g!.url, accessKey: key!, allowPrivateNetwork: true })).passed,
      ).toBe(true);
    } finally {
      await g?.close();
    }
  });

  it('refuses a bad port and a short key with usage', async () => {
    const err: string[] = [];
    const io = { stdout: () => undefined, stderr: (l: string) => err.push(l) };
    expect(await runSampleGeneratorCli(['--port', '70000'], io)).toBeUndefined();
    expect(await runSampleGeneratorCli(['--access-key', 'short'], io)).toBeUndefined();
    expect(await runSampleGeneratorCli(['--bogus'], io)).toBeUndefined();
    expect(err.join('\n')).toContain('usage: oneclick sandbox sample-generator');
  });
});
