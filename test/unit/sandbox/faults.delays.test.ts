import { describe, expect, it } from 'vitest';
import {
  drawDelay,
  InjectedWaits,
  seededRandom,
  unionMs,
  type InjectedWait,
} from '../../../src/sandbox/faults.js';

const wait = (account: string, startMs: number, endMs: number): InjectedWait => ({
  account,
  kind: 'request',
  op: 'ShowJob',
  startMs,
  endMs,
  plannedMs: endMs - startMs,
});

describe('drawDelay', () => {
  it('draws every delay of a range inside it, spread over it', () => {
    const random = seededRandom(7);
    const draws = Array.from({ length: 2000 }, () =>
      drawDelay({ minMs: 500, maxMs: 2000 }, random),
    );
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(500);
    expect(Math.max(...draws)).toBeLessThanOrEqual(2000);
    // Uniform: each third of the range gets about a third of the draws.
    const low = draws.filter((d) => d < 1000).length;
    const high = draws.filter((d) => d >= 1500).length;
    expect(low).toBeGreaterThan(550);
    expect(high).toBeGreaterThan(550);
  });

  it('draws the same sequence from the same seed, another from another', () => {
    const run = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 50 }, () => drawDelay({ minMs: 20_000, maxMs: 40_000 }, random));
    };
    expect(run(14)).toEqual(run(14));
    expect(run(15)).not.toEqual(run(14));
  });

  it('answers a fixed delay as given and no delay as 0, drawing nothing for either', () => {
    let draws = 0;
    const random = () => {
      draws++;
      return 0.5;
    };
    expect(drawDelay(1500, random)).toBe(1500);
    expect(drawDelay(undefined, random)).toBe(0);
    expect(drawDelay(-5, random)).toBe(0);
    expect(draws).toBe(0);
    expect(drawDelay({ minMs: 100, maxMs: 100 }, random)).toBe(100);
  });
});

describe('unionMs', () => {
  it('counts time covered by overlapping waits once', () => {
    // A job running 0–30 s, polled by calls of 1 s each, one of them outlasting the job.
    const intervals = [[0, 30_000] as const, [5_000, 6_000] as const, [29_500, 31_000] as const];
    expect(unionMs(intervals)).toBe(31_000);
  });

  it('adds disjoint waits and leaves the gaps between them out', () => {
    expect(
      unionMs([
        [0, 1_000],
        [3_000, 4_500],
        [4_000, 5_000],
      ]),
    ).toBe(3_000);
  });

  it('counts only what falls inside the window', () => {
    const intervals = [[0, 10_000] as const, [20_000, 30_000] as const];
    expect(unionMs(intervals, 5_000, 25_000)).toBe(10_000);
    expect(unionMs(intervals, 10_000, 20_000)).toBe(0);
    expect(unionMs([])).toBe(0);
  });
});

describe('InjectedWaits', () => {
  it("measures an account's waits as their union, apart from other accounts' waits", () => {
    const record = new InjectedWaits();
    record.add(wait('a', 0, 2_000));
    record.add(wait('a', 1_000, 3_000));
    record.add(wait('b', 0, 60_000));
    expect(record.coveredMs('a')).toBe(3_000);
    expect(record.coveredMs('a', 2_500)).toBe(500);
    expect(record.coveredMs('b', 0, 1_000)).toBe(1_000);
    expect(record.coveredMs('nobody')).toBe(0);
    expect(record.list('a')).toHaveLength(2);
    expect(record.list()).toHaveLength(3);
  });

  it('keeps the newest waits beyond its limit, and clear() forgets them all', () => {
    const record = new InjectedWaits(3);
    for (let i = 0; i < 5; i++) record.add(wait('a', i * 10, i * 10 + 5));
    expect(record.list().map((w) => w.startMs)).toEqual([20, 30, 40]);
    record.clear();
    expect(record.list()).toEqual([]);
  });
});
