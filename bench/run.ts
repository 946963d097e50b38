// Runs the benchmarks in bench/ one after another (or those named on the command line), each in
// its own process so one's memory and sockets do not skew the next. Each prints its own ratio
// against its peer; this runner only sequences them and reports which failed.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const dir = import.meta.dirname;
// Entry points are bench/<name>.ts that are not helpers (helpers end in -common or -client) nor
// hidden (deploy-overhead's temporary copy of itself while it measures a peer checkout).
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !/-(common|client|worker)\.ts$/.test(f))
  .filter((f) => !f.startsWith('.'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${all.join(', ')}`);
  process.exit(2);
}
const failed: string[] = [];
for (const name of wanted.length ? wanted : all) {
  console.log(`\n=== ${name} ===`);
  // --expose-gc lets the memory benchmark collect before it measures.
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', path.join(dir, `${name}.ts`)],
    {
      stdio: 'inherit',
    },
  );
  if (r.status !== 0) failed.push(name);
}
if (failed.length) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exit(1);
}
