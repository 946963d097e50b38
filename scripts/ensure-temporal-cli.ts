// Finds the Temporal CLI, building it with Go into ~/.cache/oneclick on first use, and prints its path.
import { findOrBuildTemporalCli } from '../src/temporal/cli-binary.js';

const started = Date.now();
try {
  const cli = await findOrBuildTemporalCli({
    explicitPath: process.env.TEMPORAL_CLI,
    pathEnv: process.env.PATH,
    log: (line) => console.log(`setup: ${line}`),
  });
  console.log(`setup: Temporal CLI ${cli} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
} catch (err) {
  console.error(`setup: ${(err as Error).message}`);
  process.exit(1);
}
