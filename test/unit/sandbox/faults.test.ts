import { describe, expect, it } from 'vitest';
import { Faults, seededRandom } from '../../../src/sandbox/faults.js';

describe('Faults', () => {
  it('injects counted faults on the named operation only, then stops', () => {
    const f = new Faults(() => 0.99);
    f.retryAfterSeconds = 3;
    f.throttleNext(2, { operation: 'CreateServers' });
    expect(f.forRequest('ShowJob')).toBeUndefined();
    expect(f.forRequest('CreateServers')).toEqual({ kind: 'throttle', retryAfterSeconds: 3 });
    expect(f.forRequest('CreateServers')).toEqual({ kind: 'throttle', retryAfterSeconds: 3 });
    expect(f.forRequest('CreateServers')).toBeUndefined();
    expect(f.injected.throttle).toBe(2);
  });

  it('replays the same rate-based faults from the same seed', () => {
    const draw = () => {
      const f = new Faults();
      f.setRates({ throttle: 0.3, serverError: 0.1 }, { seed: 42 });
      return Array.from({ length: 200 }, () => f.forRequest('ShowVpc')?.kind.charAt(0) ?? '-').join(
        '',
      );
    };
    const a = draw();
    expect(draw()).toBe(a);
    const throttled = [...a].filter((c) => c === 't').length;
    expect(throttled).toBeGreaterThan(35);
    expect(throttled).toBeLessThan(85);
  });

  it('counts job failures and servers in ERROR, and clear() removes every fault', () => {
    const f = new Faults(seededRandom(1));
    f.failNextJobs(1);
    f.errorNextServers(1);
    expect([f.takeJobFailure(), f.takeJobFailure()]).toEqual([true, false]);
    expect([f.takeServerError(), f.takeServerError()]).toEqual([true, false]);
    f.setRates({ throttle: 1 });
    f.failNextRequests(5);
    f.clear();
    expect(f.forRequest('ShowJob')).toBeUndefined();
  });
});
