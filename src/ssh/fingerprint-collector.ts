import {
  canonicalFingerprint,
  isSentinelValue,
  parseFingerprint,
  type FingerprintParts,
} from '../domain/fingerprint.js';
import { AppError } from '../errors.js';
import type { SshSession } from './connect.js';
import { runChecked } from './exec.js';

/**
 * The collector that runs on the server (`sh`, no tools beyond coreutils and awk). It only reads
 * and prints raw facts as tab-separated lines; every rule lives in `fingerprintFromCollectorOutput`
 * so it can be tested on recorded samples. `FP_ROOT` points it at a copied tree in tests.
 */
export const COLLECTOR_SCRIPT = String.raw`R="$FP_ROOT"
for d in "$R"/sys/class/net/*; do
  [ -r "$d/address" ] || continue
  p=0; [ -e "$d/device" ] && p=1
  b=0; [ -e "$d/bridge" ] && b=1
  printf 'net\t%s\t%s\t%s\t%s\t%s\n' "$(basename "$d")" "$(cat "$d/address")" "$(cat "$d/type" 2>/dev/null)" "$p" "$b"
done
for d in "$R"/sys/block/*; do
  [ -d "$d" ] || continue
  s=''
  for f in device/serial serial device/wwid wwid; do
    if [ -r "$d/$f" ]; then s=$(tr -d '\n\r' < "$d/$f" 2>/dev/null); [ -n "$s" ] && break; fi
  done
  printf 'disk\t%s\t%s\n' "$(basename "$d")" "$s"
done
for f in board_serial product_uuid product_serial; do
  [ -r "$R/sys/class/dmi/id/$f" ] && printf 'dmi\t%s\t%s\n' "$f" "$(tr -d '\n\r' < "$R/sys/class/dmi/id/$f" 2>/dev/null)"
done
[ -r "$R/etc/machine-id" ] && printf 'machine-id\t%s\n' "$(tr -d '\n\r' < "$R/etc/machine-id")"
m="$R/sys/devices/system/cpu/cpu0/regs/identification/midr_el1"
[ -r "$m" ] && printf 'midr\t%s\n' "$(cat "$m")"
[ -r "$R/proc/cpuinfo" ] && awk '/^[ \t]*$/ { exit } {
  i = index($0, ":"); if (i == 0) next
  k = substr($0, 1, i - 1); v = substr($0, i + 1)
  gsub(/^[ \t]+|[ \t]+$/, "", k); gsub(/^[ \t]+|[ \t]+$/, "", v)
  printf "cpu\t%s\t%s\n", k, v
}' "$R/proc/cpuinfo"
exit 0
`;

interface NetLine {
  name: string;
  address: string;
  type: string;
  physical: boolean;
  bridge: boolean;
}

// Interfaces that software creates: their addresses change with containers, VPNs and reboots.
const VIRTUAL_NIC_RE =
  /^(lo|docker|veth|br-|virbr|cni|flannel|cali|tun|tap|vnet|ifb|bond|team|dummy|kube|weave|vxlan|genev|wg|zt|tailscale)/;
// Block devices that are not disks of this machine.
const NOT_A_DISK_RE = /^(loop|ram|zram|dm-|sr|md|nbd|fd|rbd)/;

/** Cleans a raw identifier: printable ASCII, single spaces, no fingerprint separators. */
function clean(value: string): string {
  return value
    .replace(/[^\x20-\x7E]/g, '')
    .replace(/[|,]/g, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .toUpperCase();
}

function usable(value: string): string | undefined {
  const v = clean(value);
  return isSentinelValue(v) ? undefined : v;
}

// CPUID leaf 1 EDX feature bits, named as Linux prints them in /proc/cpuinfo `flags`.
const EDX_FLAGS: Record<string, number> = {
  fpu: 0,
  vme: 1,
  de: 2,
  pse: 3,
  tsc: 4,
  msr: 5,
  pae: 6,
  mce: 7,
  cx8: 8,
  apic: 9,
  sep: 11,
  mtrr: 12,
  pge: 13,
  mca: 14,
  cmov: 15,
  pat: 16,
  pse36: 17,
  pn: 18,
  clflush: 19,
  dts: 21,
  acpi: 22,
  mmx: 23,
  fxsr: 24,
  sse: 25,
  sse2: 26,
  ss: 27,
  ht: 28,
  tm: 29,
  ia64: 30,
  pbe: 31,
};

const hex8 = (n: number) => (n >>> 0).toString(16).toUpperCase().padStart(8, '0');

/**
 * x86: the Windows-style ProcessorId (CPUID leaf 1 EDX then EAX, 16 hex digits) rebuilt from
 * /proc/cpuinfo, undoing Linux's folding of the extended family and model. arm64: MIDR_EL1.
 */
export function cpuIdFrom(cpu: ReadonlyMap<string, string>, midr?: string): string | undefined {
  if (midr) {
    const v = midr.trim().replace(/^0x/i, '');
    if (/^[0-9a-f]+$/i.test(v)) return v.toUpperCase().padStart(16, '0');
  }
  const family = Number(cpu.get('cpu family'));
  const model = Number(cpu.get('model'));
  const stepping = Number(cpu.get('stepping'));
  if (Number.isInteger(family) && Number.isInteger(model) && Number.isInteger(stepping)) {
    const baseFamily = family >= 15 ? 15 : family;
    const extFamily = family >= 15 ? family - 15 : 0;
    // Linux adds the extended model for family 6 and above (arch/x86/lib/cpu.c x86_model).
    const extModel = family >= 6 ? model >> 4 : 0;
    const eax =
      (stepping & 0xf) |
      ((model & 0xf) << 4) |
      ((baseFamily & 0xf) << 8) |
      ((extModel & 0xf) << 16) |
      ((extFamily & 0xff) << 20);
    let edx = 0;
    for (const flag of (cpu.get('flags') ?? '').split(/\s+/)) {
      const bit = EDX_FLAGS[flag];
      if (bit !== undefined) edx |= 1 << bit;
    }
    return hex8(edx) + hex8(eax);
  }
  // arm without the sysfs register: MIDR from the fields Linux prints.
  const impl = cpu.get('CPU implementer');
  const part = cpu.get('CPU part');
  if (impl && part) {
    const n = (k: string) => Number(cpu.get(k) ?? 0);
    const midrValue =
      ((Number(impl) & 0xff) << 24) |
      ((n('CPU variant') & 0xf) << 20) |
      ((n('CPU architecture') === 8 ? 0xf : n('CPU architecture') & 0xf) << 16) |
      ((Number(part) & 0xfff) << 4) |
      (n('CPU revision') & 0xf);
    return hex8(0) + hex8(midrValue);
  }
  return undefined;
}

/** The parts and canonical string the collector output describes. */
export interface CollectedFingerprint {
  fingerprint: string;
  parts: FingerprintParts;
}

/**
 * Turns the collector's raw lines into KooGallery's canonical fingerprint. MACs of physical NICs
 * (or, on a VM or namespace with none, of non-virtual Ethernet interfaces); serials of real disks;
 * the board serial, else the DMI product UUID or serial, else the OS machine-id (containers and
 * some VMs expose no DMI); the CPU id. Placeholders are dropped; an empty MAC part fails with
 * INVALID_FINGERPRINT.
 */
export function fingerprintFromCollectorOutput(output: string): CollectedFingerprint {
  const nets: NetLine[] = [];
  const disks: string[] = [];
  const dmi = new Map<string, string>();
  const cpu = new Map<string, string>();
  let machineId: string | undefined;
  let midr: string | undefined;
  for (const line of output.split('\n')) {
    const f = line.split('\t');
    switch (f[0] ?? '') {
      case 'net':
        nets.push({
          name: f[1] ?? '',
          address: f[2] ?? '',
          type: f[3] ?? '',
          physical: f[4] === '1',
          bridge: f[5] === '1',
        });
        break;
      case 'disk':
        if (!NOT_A_DISK_RE.test(f[1] ?? '')) {
          const serial = usable(f[2] ?? '');
          if (serial) disks.push(serial);
        }
        break;
      case 'dmi':
        if (f[1]) dmi.set(f[1], f[2] ?? '');
        break;
      case 'machine-id':
        machineId = f[1];
        break;
      case 'midr':
        midr = f[1];
        break;
      case 'cpu':
        if (f[1] && !cpu.has(f[1])) cpu.set(f[1], f[2] ?? '');
        break;
      default:
        break;
    }
  }
  const ether = nets.filter(
    (n) => n.type === '1' && !n.bridge && !VIRTUAL_NIC_RE.test(n.name) && usable(n.address),
  );
  const physical = ether.filter((n) => n.physical);
  const macs = (physical.length > 0 ? physical : ether).map((n) => n.address);
  const board = [
    dmi.get('board_serial'),
    dmi.get('product_uuid'),
    dmi.get('product_serial'),
    machineId,
  ]
    .map((v) => (v === undefined ? undefined : usable(v)))
    .find((v) => v !== undefined);
  const cpuId = cpuIdFrom(cpu, midr);
  const parts: FingerprintParts = {
    mac: macs,
    diskId: disks,
    boardId: board ? [board] : [],
    cpuId: cpuId && !isSentinelValue(cpuId) ? [cpuId] : [],
  };
  if (macs.length === 0) {
    throw new AppError('INVALID_FINGERPRINT', 'the server has no usable network interface MAC', {
      context: { part: 'mac' },
    });
  }
  const fingerprint = canonicalFingerprint(parts);
  return { fingerprint, parts: parseFingerprint(fingerprint) };
}

/** Runs the collector over SSH and returns the server's canonical hardware fingerprint. */
export async function collectFingerprint(
  session: SshSession,
  options: { signal?: AbortSignal } = {},
): Promise<CollectedFingerprint> {
  const result = await runChecked(session, COLLECTOR_SCRIPT, {
    what: 'fingerprint collector',
    captureStdout: true,
    timeoutMs: 60_000,
    tailBytes: 4096,
    signal: options.signal,
  });
  return fingerprintFromCollectorOutput(result.stdout ?? '');
}
