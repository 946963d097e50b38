// Finds SeaweedFS (the tests' S3 server), building it with Go into ~/.cache/oneclick on first use.
import { findOrBuildWeed } from '../test/helpers/seaweedfs.js';

const started = Date.now();
try {
  const weed = await findOrBuildWeed((line) => console.log(`setup: ${line}`));
  console.log(`setup: SeaweedFS ${weed} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
} catch (err) {
  console.error(`setup: ${(err as Error).message}`);
  process.exit(1);
}
