import { describe, expect, it } from 'vitest';
import { flavorList, flavorOnSale, zonesOf } from '../../../src/sandbox/catalogue.js';
import { SANDBOX_FLAVORS } from '../../../src/sandbox/emulator.js';

describe('the sandbox catalogue', () => {
  it('names two or three zones per region after the region', () => {
    expect(zonesOf('cn-north-4')).toEqual(['cn-north-4a', 'cn-north-4b', 'cn-north-4c']);
    expect(zonesOf('ap-southeast-1')).toEqual(['ap-southeast-1a', 'ap-southeast-1b']);
  });

  it('lists every flavor with where it is on sale, and only those on sale in a given zone', () => {
    const all = flavorList('cn-north-4', 'https://ecs.example', 'p1');
    expect(all.map((f) => f.id)).toEqual(Object.keys(SANDBOX_FLAVORS));
    expect(all.find((f) => f.id === 'c7.xlarge.2')?.os_extra_specs['cond:operation:az']).toBe(
      'cn-north-4a(normal),cn-north-4b(sellout),cn-north-4c(normal)',
    );
    expect(flavorOnSale('c7.xlarge.2', 'cn-north-4', 'cn-north-4b')).toBe(false);
    const inB = flavorList('cn-north-4', 'https://ecs.example', 'p1', 'cn-north-4b');
    expect(inB.map((f) => f.id)).not.toContain('c7.xlarge.2');
    expect(inB).toHaveLength(all.length - 1);
    expect(flavorList('cn-north-4', 'https://ecs.example', 'p1', 'cn-north-4z')).toEqual([]);
  });
});
