import { describe, expect, it } from 'vitest';
import { hostSlot } from '../../../../src/sandbox/hosts/layout.js';

describe('hostSlot', () => {
  it('gives a slot the two ends of its /30 in 198.18.0.0/15', () => {
    const n = hostSlot(300);
    expect(n.hostIp).toBe('198.18.4.177');
    expect(n.ip).toBe('198.18.4.178');
  });

  it('gives MACs like an ECS port: fa:16:3e, then a random byte, then the slot', () => {
    const macs = Array.from({ length: 64 }, () => hostSlot(0x1234).mac);
    for (const mac of macs) expect(mac).toMatch(/^fa:16:3e:[0-9a-f]{2}:12:34$/);
    // The random byte varies (64 draws of one byte all equal: about 1 in 2^504).
    expect(new Set(macs).size).toBeGreaterThan(1);
    expect(hostSlot(1).mac.endsWith(':00:01')).toBe(true);
  });
});
