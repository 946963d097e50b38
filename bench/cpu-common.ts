// CPU accounting for the benchmarks, read from /proc (Linux), so a result says where the
// machine's time went and not only how long a run took.
import { readFileSync } from 'node:fs';

/** CPU seconds the whole machine has spent busy so far (every process and the kernel). */
export function machineCpuSeconds(): number {
  const f = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  // user nice system idle iowait irq softirq: everything but idle, iowait and time stolen by
  // the hypervisor (the machine is shared; steal is someone else's work).
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = f;
  return (user + nice + system + irq + softirq) / 100;
}

/** CPU seconds a process (and its reaped children) has used. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
}
