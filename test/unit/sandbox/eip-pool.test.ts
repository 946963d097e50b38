import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EIP_DIR,
  claimEipAddress,
  cleanupStaleEipClaims,
  poolAddresses,
  releaseEipAddress,
} from '../../../src/sandbox/eip-pool.js';

// The pool is machine-wide (/run), shared with every sandbox running meanwhile: these tests only
// touch addresses they claimed themselves, or one no live process holds.
describe('EIP address pool', () => {
  it('hands out the top /22 of the sandbox range, from its bottom, never a .0 or .255', () => {
    const pool = poolAddresses();
    expect(pool[0]).toBe('198.19.252.1');
    expect(pool).toContain('198.19.255.254');
    expect(pool.some((ip) => /\.(0|255)$/.test(ip))).toBe(false);
    expect(pool.length).toBe(4 * 254);
    expect(new Set(pool).size).toBe(pool.length);
  });

  it('claims distinct addresses under a lock holding this pid, and releases them', () => {
    const a = claimEipAddress();
    const b = claimEipAddress();
    try {
      expect(a).toBeDefined();
      expect(b).toBeDefined();
      expect(a).not.toBe(b);
      expect(readFileSync(path.join(EIP_DIR, a ?? ''), 'utf8')).toBe(String(process.pid));
    } finally {
      if (a) releaseEipAddress(a);
      if (b) releaseEipAddress(b);
    }
    expect(existsSync(path.join(EIP_DIR, a ?? ''))).toBe(false);
  });

  it('leaves alone an address it does not hold', () => {
    const a = claimEipAddress();
    if (!a) throw new Error('pool exhausted');
    releaseEipAddress(a);
    // Someone else's claim now (written by hand): releasing it from here does nothing.
    writeFileSync(path.join(EIP_DIR, a), '1', { flag: 'wx' });
    try {
      releaseEipAddress(a);
      expect(existsSync(path.join(EIP_DIR, a))).toBe(true);
    } finally {
      rmSync(path.join(EIP_DIR, a), { force: true });
    }
  });

  it('removes claims whose process is gone', () => {
    mkdirSync(EIP_DIR, { recursive: true });
    const a = claimEipAddress();
    if (!a) throw new Error('pool exhausted');
    // Hand the claim to a process that cannot exist (beyond pid_max).
    writeFileSync(path.join(EIP_DIR, a), '99999999');
    cleanupStaleEipClaims();
    expect(existsSync(path.join(EIP_DIR, a))).toBe(false);
    releaseEipAddress(a);
  });
});
