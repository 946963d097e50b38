/**
 * A small in-process cache whose entries live `ttlMs` and of which at most `maxEntries` are kept
 * (the oldest go first). It is per node: each API replica keeps its own, so two replicas may
 * answer from lists fetched up to `ttlMs` apart, which is what "cached briefly" allows. DESIGN.md's
 * "nothing keeps state in process memory between requests" holds in the sense that matters: losing
 * the cache loses nothing, the next request fetches again.
 */

export interface TtlCacheOptions {
  ttlMs: number;
  maxEntries: number;
  /** Clock, injectable so tests move time instead of waiting. */
  now?: () => number;
}

interface Entry<V> {
  value: Promise<V>;
  expiresAt: number;
}

export interface TtlCache<V> {
  /** The cached value for `key`, or `load()`'s, cached when it resolves (failures are not kept). */
  getOrLoad(key: string, load: () => Promise<V>): Promise<V>;
  readonly size: number;
}

export function createTtlCache<V>(options: TtlCacheOptions): TtlCache<V> {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry<V>>();

  const evict = () => {
    const t = now();
    for (const [k, e] of entries) if (e.expiresAt <= t) entries.delete(k);
    // Map keeps insertion order: the first keys are the oldest.
    for (const k of entries.keys()) {
      if (entries.size <= options.maxEntries) break;
      entries.delete(k);
    }
  };

  return {
    getOrLoad(key, load) {
      const hit = entries.get(key);
      if (hit && hit.expiresAt > now()) return hit.value;
      // The promise is cached at once, so concurrent requests for one key share one cloud call.
      const value = load();
      const entry: Entry<V> = { value, expiresAt: now() + options.ttlMs };
      entries.delete(key);
      entries.set(key, entry);
      evict();
      value.catch(() => {
        if (entries.get(key) === entry) entries.delete(key);
      });
      return value;
    },
    get size() {
      return entries.size;
    },
  };
}
