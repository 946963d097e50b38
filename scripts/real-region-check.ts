/**
 * Checks OneClick's Huawei Cloud calls against a real region with the operator's own
 * credentials, printing each call and its result (see --help). It cannot run in CI: it needs a
 * real account. Run: node --import tsx scripts/real-region-check.ts --help
 */
import {
  REGION_CHECK_HELP,
  parseRegionCheckArgs,
  runRegionCheck,
} from '../src/cloud/real-region-check.js';
import { AppError } from '../src/errors.js';

async function main(): Promise<number> {
  let options;
  try {
    options = parseRegionCheckArgs(process.argv.slice(2), process.env);
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    process.stderr.write(`${e.message}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(REGION_CHECK_HELP);
    return 0;
  }
  const print = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const ok = await runRegionCheck(options, print);
    print(ok ? 'All calls worked.' : 'Some calls failed (see ✗ above).');
    return ok ? 0 : 1;
  } catch (e) {
    print(`Stopped: ${e instanceof AppError ? `${e.code}: ${e.message}` : String(e)}`);
    return 1;
  }
}

process.exitCode = await main();
