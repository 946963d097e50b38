import { afterEach, describe, expect, it } from 'vitest';
import { runConformance } from '../../../src/license/generator-conformance.js';
import {
  startSampleGenerator,
  type SampleGenerator,
} from '../../../src/sandbox/sample-generator.js';

const ACCESS_KEY = 'A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90';

let generator: SampleGenerator | undefined;
afterEach(async () => {
  await generator?.close();
  generator = undefined;
});

describe('generator conformance check', () => {
  const check = async (
    behaviour: Parameters<typeof startSampleGenerator>[0]['behaviour'],
    timeoutMs?: number,
  ) => {
    generator = await startSampleGenerator({ accessKey: ACCESS_KEY, behaviour });
    return runConformance(
      { url: generator.url, accessKey: ACCESS_KEY, allowPrivateNetwork: true },
      { timeoutMs },
    );
  };
  const failed = (report: Awaited<ReturnType<typeof runConformance>>) =>
    report.checks.filter((c) => !c.ok).map((c) => c.name);

  it('passes a conforming generator, using only debug calls', async () => {
    const report = await check({});
    expect(report.passed).toBe(true);
    expect(report.checks.map((c) => c.ok)).toEqual([true, true, true]);
    expect(generator!.calls.every((c) => c.body.testFlag === '1')).toBe(true);
  });

  it('fails a generator that gives a new license for the same eventId', async () => {
    const report = await check({ idempotent: false });
    expect(report.passed).toBe(false);
    expect(failed(report)).toEqual(['idempotent-per-event']);
  });

  it('fails a generator slower than the time limit', async () => {
    // The limit is 5 s in production; a shorter one keeps the test quick with the same logic.
    const report = await check({ delayMs: 1_500 }, 300);
    expect(report.passed).toBe(false);
    expect(report.checks[0]).toMatchObject({ name: 'issues-license', ok: false });
    expect(report.checks[0]!.detail).toContain('GENERATOR_TIMEOUT');
  });

  it('fails a generator whose answers are unsigned', async () => {
    const report = await check({ signAnswers: 'none' });
    expect(report.passed).toBe(false);
    expect(report.checks[0]!.detail).toContain('Body-Sign');
  });

  it('fails a generator whose answers are signed with the wrong key', async () => {
    const report = await check({ signAnswers: 'wrong' });
    expect(report.passed).toBe(false);
    expect(report.checks[0]!.detail).toContain('GENERATOR_BAD_SIGNATURE');
  });

  it('fails a generator that does not check request signatures', async () => {
    const report = await check({ checkSignature: false });
    expect(failed(report)).toEqual(['refuses-bad-signature']);
  });

  it('never puts the access key or the license into the report', async () => {
    const report = await check({});
    const text = JSON.stringify(report);
    expect(text).not.toContain(ACCESS_KEY);
    expect(text).not.toContain('SAMPLE1.');
  });
});
