import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { startSampleGenerator, type SampleGenerator } from './sample-generator.js';

/**
 * `oneclick sandbox sample-generator [--port N] [--host H] [--access-key KEY]`: runs the sample
 * seller's remote generator for the demo and prints what to register with OneClick. The access key
 * is generated (64 upper-case hex characters, like KooGallery's) unless given.
 */
export const SAMPLE_GENERATOR_USAGE =
  'usage: oneclick sandbox sample-generator [--port <n>] [--host <addr>] [--access-key <key>]';

/** Starts the generator; resolves with it running (the caller stops it on exit). */
export async function runSampleGeneratorCli(
  argv: string[],
  io: { stdout: (line: string) => void; stderr: (line: string) => void },
): Promise<SampleGenerator | undefined> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'access-key': { type: 'string' },
      },
    }));
  } catch (err) {
    io.stderr(`${err instanceof Error ? err.message : String(err)}\n${SAMPLE_GENERATOR_USAGE}`);
    return undefined;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.stderr(`--port must be 0 to 65535\n${SAMPLE_GENERATOR_USAGE}`);
    return undefined;
  }
  const accessKey = values['access-key'] ?? randomBytes(32).toString('hex').toUpperCase();
  if (accessKey.length < 16) {
    io.stderr('--access-key must be at least 16 characters');
    return undefined;
  }
  const generator = await startSampleGenerator({
    accessKey,
    port,
    host: values.host ?? '127.0.0.1',
  });
  io.stdout(
    [
      `sample remote generator listening at ${generator.url}`,
      'register it as a seller with:',
      `  POST /v1/generators {"kind":"remote","name":"sample","url":"${generator.url}","accessKey":"<the key>"}`,
      values['access-key'] ? '  (with the access key you gave)' : `  access key: ${accessKey}`,
    ].join('\n'),
  );
  return generator;
}
