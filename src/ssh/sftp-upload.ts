import { open as openLocal } from 'node:fs/promises';
import type { EventEmitter } from 'node:events';
import type { SFTPWrapper } from 'ssh2';
import { AppError } from '../errors.js';

/** Tuning and hooks of one parallel SFTP upload. */
export interface SftpUploadOptions {
  /** First byte to send; everything before it is already on the server. */
  start: number;
  size: number;
  /** Requests in flight. */
  concurrency: number;
  /** Bytes per request; ssh2 splits writes above OpenSSH's `limits@openssh.com` maximum. */
  chunkSize: number;
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
  /** The SSH connection: when it dies, ssh2 neither closes the SFTP channel nor fails its writes. */
  connection?: EventEmitter;
}

function sftpCall<T>(fn: (cb: (err: Error | null | undefined, v?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v as T))));
}

/**
 * Writes `localPath[start..size)` to `remotePath` with up to `concurrency` positional writes in
 * flight: `fastPut`'s speed, plus a start offset so a broken push resumes. Writes are positional,
 * so a late write from a dead earlier session lands the same bytes at the same place.
 * Returns the bytes sent.
 */
export async function sftpUploadRange(
  sftp: SFTPWrapper,
  localPath: string,
  remotePath: string,
  options: SftpUploadOptions,
): Promise<number> {
  const local = await openLocal(localPath, 'r');
  let remote: Buffer | undefined;
  try {
    // r+ keeps what is there (resume); w creates or truncates (fresh start).
    remote = await sftpCall<Buffer>((cb) =>
      sftp.open(remotePath, options.start > 0 ? 'r+' : 'w', { mode: 0o600 }, cb),
    );
    const handle = remote;
    let next = options.start;
    const cleanups: (() => void)[] = [];
    const pool: Buffer[] = [];
    let done = 0;
    await new Promise<void>((resolve, reject) => {
      let inFlight = 0;
      let failed = false;
      const fail = (err: unknown) => {
        if (failed) return;
        failed = true;
        options.signal?.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      };
      const onAbort = () => fail(new AppError('CANCELLED', 'cancelled', { retryable: false }));
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      // A dead connection closes the channel but leaves the pending writes' callbacks unanswered.
      const onClose = () =>
        fail(
          new AppError('SSH_CONNECTION_LOST', 'the SFTP channel closed during the push', {
            retryable: true,
          }),
        );
      sftp.once('close', onClose);
      sftp.once('end', onClose);
      options.connection?.once('close', onClose);
      cleanups.push(() => options.connection?.removeListener('close', onClose));
      const pump = () => {
        while (!failed && inFlight < options.concurrency && next < options.size) {
          const position = next;
          const length = Math.min(options.chunkSize, options.size - position);
          next += length;
          inFlight++;
          const buf = pool.pop() ?? Buffer.allocUnsafeSlow(options.chunkSize);
          local
            .read(buf, 0, length, position)
            .then(({ bytesRead }) => {
              if (bytesRead !== length) throw new Error('local package shrank during the push');
              return sftpCall<void>((cb) => sftp.write(handle, buf, 0, length, position, cb));
            })
            .then(() => {
              // Back to the pool only now: a write above the server's maximum length is split
              // and its tail read from `buf` after the first part is acknowledged. Reusing
              // buffers instead of allocating one per chunk saves the garbage collector's time.
              pool.push(buf);
              inFlight--;
              done += length;
              options.onProgress?.(options.start + done);
              if (next >= options.size && inFlight === 0) {
                options.signal?.removeEventListener('abort', onAbort);
                resolve();
              } else pump();
            })
            .catch(fail);
        }
      };
      if (options.start >= options.size) resolve();
      else pump();
    });
    for (const c of cleanups) c();
    remote = undefined;
    await sftpCall<void>((cb) => sftp.close(handle, cb));
    return done;
  } finally {
    await local.close();
    // After a failure the channel may be dead and never answer: close without waiting.
    if (remote) sftp.close(remote, () => undefined);
  }
}
