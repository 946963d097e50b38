import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import {
  COLLECTOR_SCRIPT,
  cpuIdFrom,
  fingerprintFromCollectorOutput,
} from '../../../src/ssh/fingerprint-collector.js';

const fixtures = fileURLToPath(new URL('../../fixtures/fingerprint/', import.meta.url));

/** Runs the real collector script over a recorded tree, as sshd would run it on a server. */
function collect(sample: string): string {
  return execFileSync('sh', ['-c', COLLECTOR_SCRIPT], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, FP_ROOT: `${fixtures}${sample}` },
  });
}

describe('fingerprint collector on recorded samples', () => {
  it('reads a KVM guest without DMI: virtio NIC and disk, machine-id as board, AMD ProcessorId', () => {
    const { fingerprint, parts } = fingerprintFromCollectorOutput(
      collect('x86-amd-epyc-virtio-recorded'),
    );
    expect(fingerprint).toBe(
      '02:FC:00:00:00:01|OVERLAYBLK|3D1219C7C4C5404AAA1F6D2A48ADFDA4|178BFBFF00A10F11',
    );
    // ifb0/ifb1 are software interfaces, loop and zram devices are not disks.
    expect(parts.mac).toEqual(['02:FC:00:00:00:01']);
  });

  it('ignores Docker bridges, veths, loop, dm and CD-ROM devices on a cloud guest', () => {
    const { fingerprint } = fingerprintFromCollectorOutput(collect('x86-intel-kvm-docker'));
    expect(fingerprint).toBe(
      [
        'FA:16:3E:01:02:03,FA:16:3E:5C:21:8A',
        '3F6C1B2E-9D4A-4E1B-8C2D-7A5E6F8091AB,9A0B1C2D-3E4F-4A5B-8C6D-7E8F9A0B1C2D',
        '5D1F1A92-7C3E-4B8F-9A61-2E0C4D7B8F31',
        // Ice Lake signature 000606A6; EDX without the bits a VM hides (acpi, tm, pbe, dts).
        '1F8BFBFF000606A6',
      ].join('|'),
    );
    expect(fingerprint).not.toContain('02:42');
    expect(fingerprint).not.toContain('QM00003');
  });

  it('drops placeholder DMI values (O.E.M., all-F UUID, "0") and falls back to machine-id', () => {
    const { fingerprint, parts } = fingerprintFromCollectorOutput(
      collect('arm64-kunpeng-oem-placeholders'),
    );
    expect(parts.boardId).toEqual(['0C1D2E3F405162738495A6B7C8D9EAF0']);
    expect(parts.cpuId).toEqual(['00000000481FD010']);
    // Trailing blanks of the NVMe serial are trimmed; the bond repeats a physical MAC.
    expect(fingerprint).toBe(
      '44:A1:91:0B:7C:10,44:A1:91:0B:7C:11|NAA.5000C500A1B2C3D4,S4EWNX0R612345|0C1D2E3F405162738495A6B7C8D9EAF0|00000000481FD010',
    );
    expect(fingerprint).not.toMatch(/O\.E\.M|FFFFFFFF/);
  });

  it('fails with INVALID_FINGERPRINT when the host has only software interfaces', () => {
    let err: unknown;
    try {
      fingerprintFromCollectorOutput(collect('no-usable-nic'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('INVALID_FINGERPRINT');
  });

  it('gives the same fingerprint whatever order the interfaces are listed in', () => {
    const out = collect('x86-intel-kvm-docker');
    const reversed = out.trim().split('\n').reverse().join('\n');
    expect(fingerprintFromCollectorOutput(reversed).fingerprint).toBe(
      fingerprintFromCollectorOutput(out).fingerprint,
    );
  });
});

describe('cpuIdFrom', () => {
  it('rebuilds MIDR from /proc/cpuinfo fields when the sysfs register is missing', () => {
    const cpu = new Map([
      ['CPU implementer', '0x48'],
      ['CPU architecture', '8'],
      ['CPU variant', '0x1'],
      ['CPU part', '0xd01'],
      ['CPU revision', '0'],
    ]);
    expect(cpuIdFrom(cpu)).toBe('00000000481FD010');
  });

  it('folds back the extended family of an AMD Zen 4 (family 25 model 17 stepping 1)', () => {
    const cpu = new Map([
      ['cpu family', '25'],
      ['model', '17'],
      ['stepping', '1'],
      ['flags', 'fpu'],
    ]);
    expect(cpuIdFrom(cpu)).toBe('0000000100A10F11');
  });

  it('gives nothing when the CPU is not described', () => {
    expect(cpuIdFrom(new Map())).toBeUndefined();
  });
});
