import { describe, expect, it } from 'vitest';
import { createTtlCache } from '../../../src/api/ttl-cache.js';

/** A clock the test moves by hand. */
function clock() {
  let t = 1_000;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('ttl cache', () => {
  it('serves a value until its time to live has passed, then loads again', async () => {
    const time = clock();
    const cache = createTtlCache<number>({ ttlMs: 30_000, maxEntries: 10, now: time.now });
    let loads = 0;
    const load = () => Promise.resolve(++loads);
    expect(await cache.getOrLoad('k', load)).toBe(1);
    time.advance(29_999);
    expect(await cache.getOrLoad('k', load)).toBe(1);
    time.advance(1);
    expect(await cache.getOrLoad('k', load)).toBe(2);
    expect(loads).toBe(2);
  });

  it('keeps keys apart', async () => {
    const cache = createTtlCache<string>({ ttlMs: 1_000, maxEntries: 10 });
    expect(await cache.getOrLoad('a', () => Promise.resolve('A'))).toBe('A');
    expect(await cache.getOrLoad('b', () => Promise.resolve('B'))).toBe('B');
    expect(await cache.getOrLoad('a', () => Promise.resolve('not loaded'))).toBe('A');
  });

  it('shares one load between concurrent requests for a key', async () => {
    const cache = createTtlCache<number>({ ttlMs: 1_000, maxEntries: 10 });
    let loads = 0;
    let release!: (n: number) => void;
    const load = () => {
      loads += 1;
      return new Promise<number>((r) => (release = r));
    };
    const first = cache.getOrLoad('k', load);
    const second = cache.getOrLoad('k', load);
    release(7);
    expect(await Promise.all([first, second])).toEqual([7, 7]);
    expect(loads).toBe(1);
  });

  it('does not keep a failed load: the next request tries again', async () => {
    const cache = createTtlCache<number>({ ttlMs: 60_000, maxEntries: 10 });
    await expect(
      cache.getOrLoad('k', () => Promise.reject(new Error('cloud down'))),
    ).rejects.toThrow('cloud down');
    expect(cache.size).toBe(0);
    expect(await cache.getOrLoad('k', () => Promise.resolve(3))).toBe(3);
  });

  it('holds at most maxEntries, dropping the oldest first', async () => {
    const cache = createTtlCache<string>({ ttlMs: 60_000, maxEntries: 2 });
    for (const k of ['a', 'b', 'c']) await cache.getOrLoad(k, () => Promise.resolve(k));
    expect(cache.size).toBe(2);
    expect(await cache.getOrLoad('a', () => Promise.resolve('reloaded'))).toBe('reloaded');
    expect(await cache.getOrLoad('c', () => Promise.resolve('not loaded'))).toBe('c');
  });

  it('drops expired entries when it stores a new one', async () => {
    const time = clock();
    const cache = createTtlCache<string>({ ttlMs: 10, maxEntries: 100, now: time.now });
    await cache.getOrLoad('old', () => Promise.resolve('x'));
    time.advance(10);
    await cache.getOrLoad('new', () => Promise.resolve('y'));
    expect(cache.size).toBe(1);
  });
});
