import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, writeFileSync } from 'node:fs';
import type { PushSource } from '../../../src/ssh/push.js';

/** Writes `size` random bytes to `file` and returns a push source over it. */
export function randomFileSource(file: string, size: number): PushSource & { data: Buffer } {
  const data = randomBytes(size);
  writeFileSync(file, data);
  return {
    data,
    sha256: createHash('sha256').update(data).digest('hex'),
    sizeBytes: size,
    localPath: file,
    open: (start) => Promise.resolve(createReadStream(file, { start, highWaterMark: 1024 * 1024 })),
  };
}
