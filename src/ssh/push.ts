import { randomBytes } from 'node:crypto';
import path from 'node:path/posix';
import { Transform, type Readable } from 'node:stream';
import type { SFTPWrapper } from 'ssh2';
import { AppError } from '../errors.js';
import type { SshSession } from './connect.js';
import { runChecked, runCommand } from './exec.js';
import { shellQuote } from './shell-quote.js';
import { sftpUploadRange } from './sftp-upload.js';

/** The bytes to push and what they must hash to. */
export interface PushSource {
  sha256: string;
  sizeBytes: number;
  /** Opens the bytes from an offset (a resumed push starts past what the server already has). */
  open(start: number): Promise<Readable>;
  /** A local file with the same bytes, needed by the `sftp` method. */
  localPath?: string;
}

/**
 * `stream` pipes the bytes into `tee` over one exec channel and hashes them on the server as they
 * arrive, so verification costs no second read, and resumes a broken push from the bytes already
 * there. `sftp` keeps many positional SFTP writes in flight (like `fastPut`, but able to start at
 * an offset, so it resumes too), then hashes the file on the server.
 */
export type PushMethod = 'stream' | 'sftp';

/** Options of one push. */
export interface PushOptions {
  /** Absolute path of the file on the server. */
  remotePath: string;
  /** Default `sftp` when the source is a local file, else `stream`. */
  method?: PushMethod;
  /** File mode after the rename; default 0644 (packages are not secret). */
  mode?: number;
  /** Called with the total bytes on the server so far (the activity heartbeats here). */
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
  /** SFTP tuning: requests in flight and bytes per request. */
  sftpConcurrency?: number;
  sftpChunkSize?: number;
  /** Longest a push may take before it is killed; default 2 hours. */
  timeoutMs?: number;
}

/** What a push did. */
export interface PushResult {
  /** True when the file was already on the server with the right sha256. */
  skipped: boolean;
  /** Bytes sent over the wire in this call. */
  bytesSent: number;
  /** Bytes a previous, broken push had left that this one kept. */
  resumedFrom: number;
  remotePath: string;
  sha256: string;
}

const SHA256_RE = /^[0-9a-f]{64}$/;

/**
 * A shell function hashing stdin to 64 hex digits. OpenSSL's SHA-256 uses the CPU's SHA
 * extensions and is several times faster than coreutils `sha256sum`, which made the hash the
 * bottleneck of a push (bench/push-throughput.ts). `sha256sum` remains the fallback (busybox has
 * it too).
 */
export const HASH_FN =
  'h() { if command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 -r; else sha256sum; fi | cut -c1-64; }';

/** The temporary name is derived from the content, so a retry finds what a broken push left. */
export function partialPathFor(remotePath: string, sha256: string): string {
  return path.join(
    path.dirname(remotePath),
    `.${path.basename(remotePath)}.${sha256.slice(0, 16)}.part`,
  );
}

function validate(source: PushSource, options: PushOptions): void {
  if (!path.isAbsolute(options.remotePath) || options.remotePath.endsWith('/')) {
    throw new AppError('INVALID_REMOTE_PATH', 'remote path must be an absolute file path');
  }
  if (!SHA256_RE.test(source.sha256)) {
    throw new AppError('INVALID_SHA256', 'package sha256 must be 64 lower-case hex digits');
  }
}

/** Asks the server whether the file is already there and how much of a partial push remains. */
async function probe(
  session: SshSession,
  remotePath: string,
  partial: string,
  size: number,
  signal?: AbortSignal,
): Promise<{
  finalSha?: string;
  partialBytes: number;
  streamPart?: { path: string; bytes: number };
}> {
  const dst = shellQuote(remotePath);
  const tmp = shellQuote(partial);
  // Hash the existing file only when its size already matches: a cheap way to skip the read.
  const script = [
    HASH_FN,
    `if [ -f ${dst} ] && [ "$(wc -c < ${dst})" -eq ${size} ]; then h < ${dst}; else echo -; fi`,
    `if [ -f ${tmp} ]; then wc -c < ${tmp}; else echo 0; fi`,
    // The largest part a stream push left (each attempt writes its own, see pushByStream).
    `b=0; p=; for f in ${shellQuote(`${partial}.`)}*; do [ -f "$f" ] || continue; n=$(wc -c < "$f"); if [ "$n" -gt "$b" ]; then b=$n; p=$f; fi; done; echo "$b $p"`,
  ].join('\n');
  const result = await runChecked(session, script, {
    what: 'probe',
    captureStdout: true,
    timeoutMs: 10 * 60_000,
    signal,
  });
  const [finalLine, partialLine, streamLine] = (result.stdout ?? '').trim().split('\n');
  const finalSha = finalLine?.trim();
  const space = (streamLine ?? '').indexOf(' ');
  const streamBytes = Number.parseInt(streamLine ?? '0', 10) || 0;
  const streamPath = space > 0 ? streamLine!.slice(space + 1) : '';
  return {
    finalSha: finalSha && SHA256_RE.test(finalSha) ? finalSha : undefined,
    partialBytes: Number.parseInt(partialLine?.trim() ?? '0', 10) || 0,
    streamPart:
      streamBytes > 0 && streamPath ? { path: streamPath, bytes: streamBytes } : undefined,
  };
}

/** Counts bytes as they pass on their way to the channel. */
function counter(onBytes: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
}

function mismatch(session: SshSession, detail: string): AppError {
  return new AppError(
    'PUSH_CHECKSUM_MISMATCH',
    `pushed file on ${session.serverId} failed its sha256 check: ${detail}`,
    {
      retryable: true,
      context: { serverId: session.serverId },
    },
  );
}

async function pushByStream(
  session: SshSession,
  source: PushSource,
  options: PushOptions,
  partial: string,
  previous: { path: string; bytes: number } | undefined,
): Promise<{ sent: number; offset: number }> {
  const offset = previous && previous.bytes <= source.sizeBytes ? previous.bytes : 0;
  const dst = shellQuote(options.remotePath);
  // Every attempt appends to a file of its own, seeded with a copy of the previous attempt's
  // bytes. A writer from a dead earlier session (sshd may not notice the cut for a long time)
  // can then only append to an unlinked file, never to the one renamed into place.
  const mine = `${partial}.${randomBytes(6).toString('hex')}`;
  const tmp = shellQuote(mine);
  const mode = (options.mode ?? 0o644).toString(8);
  // The old bytes are read back first, then tee appends the new ones: one pass hashes the whole
  // file. The rename happens only when the digest and the size both match; a short file stays as
  // the resume point, a wrong full-size one is removed.
  const script = [
    HASH_FN,
    'umask 077',
    `mkdir -p ${shellQuote(path.dirname(options.remotePath))}`,
    offset === 0
      ? `: > ${tmp}`
      : `head -c ${offset} ${shellQuote(previous!.path)} > ${tmp} && [ "$(wc -c < ${tmp})" -eq ${offset} ] || { rm -f ${tmp}; exit 4; }`,
    `for f in ${shellQuote(`${partial}.`)}*; do [ "$f" = ${tmp} ] || rm -f "$f"; done`,
    `got=$({ cat ${tmp}; tee -a ${tmp}; } | h)`,
    `have=$(wc -c < ${tmp})`,
    `if [ "$got" != ${source.sha256} ] || [ "$have" -ne ${source.sizeBytes} ]; then`,
    `  if [ "$have" -ge ${source.sizeBytes} ]; then rm -f ${tmp}; fi`,
    '  echo "got $got size $have" >&2; exit 3',
    'fi',
    `chmod ${mode} ${tmp} && mv -f ${tmp} ${dst}`,
  ].join('\n');
  const input = await source.open(offset);
  let sent = 0;
  const counted = input.pipe(
    counter((n) => {
      sent += n;
      options.onProgress?.(offset + sent);
    }),
  );
  input.on('error', (e) => counted.destroy(e));
  const result = await runCommand(session, script, {
    stdin: counted,
    signal: options.signal,
    timeoutMs: options.timeoutMs ?? 2 * 3600_000,
  });
  input.destroy();
  if (result.connectionLost) {
    throw new AppError(
      'SSH_CONNECTION_LOST',
      `connection to ${session.serverId} dropped during the push`,
      {
        retryable: true,
        context: { serverId: session.serverId, bytes: offset + sent },
      },
    );
  }
  if (result.exitCode === 3) throw mismatch(session, result.tail.trim());
  if (result.exitCode === 4) {
    throw new AppError('PUSH_RESUME_FAILED', 'could not copy the bytes of the previous attempt', {
      retryable: true,
    });
  }
  if (result.exitCode !== 0) {
    throw new AppError(
      'PUSH_FAILED',
      `push to ${session.serverId} failed (exit ${String(result.exitCode)})\n${result.tail}`,
      {
        retryable: true,
        context: { serverId: session.serverId },
      },
    );
  }
  return { sent, offset };
}

function openSftp(session: SshSession): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) =>
    session.client.sftp((err, sftp) => (err ? reject(err) : resolve(sftp))),
  );
}

async function pushBySftp(
  session: SshSession,
  source: PushSource,
  options: PushOptions,
  partial: string,
  partialBytes: number,
): Promise<{ sent: number; offset: number }> {
  if (!source.localPath) {
    throw new AppError(
      'PUSH_SOURCE_NOT_LOCAL',
      'the sftp method needs the package on a local file',
    );
  }
  // 32 x 64 KiB = 2 MiB in flight, OpenSSH's session window. Larger requests were no faster within
  // the noise of bench/push-throughput.ts but about doubled a push's RSS growth
  // (bench/push-memory.ts), and a worker runs several pushes at once.
  const concurrency = options.sftpConcurrency ?? 32;
  const chunkSize = options.sftpChunkSize ?? 64 * 1024;
  // Requests go out in order, so only the last `concurrency` chunks before the partial file's end
  // can be missing: resume below them.
  const offset =
    partialBytes <= source.sizeBytes ? Math.max(0, partialBytes - concurrency * chunkSize) : 0;
  await runChecked(session, `mkdir -p ${shellQuote(path.dirname(options.remotePath))}`, {
    what: 'mkdir',
    signal: options.signal,
  });
  const sftp = await openSftp(session);
  let sent: number;
  try {
    sent = await sftpUploadRange(sftp, source.localPath, partial, {
      start: offset,
      size: source.sizeBytes,
      concurrency,
      chunkSize,
      onProgress: options.onProgress,
      signal: options.signal,
      connection: session.client,
    });
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError(
      'PUSH_FAILED',
      `sftp upload to ${session.serverId} failed: ${err instanceof Error ? err.message : String(err)}`,
      { retryable: true, context: { serverId: session.serverId } },
    );
  } finally {
    sftp.end();
  }
  const tmp = shellQuote(partial);
  const mode = (options.mode ?? 0o644).toString(8);
  // A wrong full-size file cannot be resumed from: remove it so the retry starts clean.
  const result = await runCommand(
    session,
    `${HASH_FN}\ngot=$(h < ${tmp}); [ "$got" = ${source.sha256} ] || { rm -f ${tmp}; echo "got $got" >&2; exit 3; }; chmod ${mode} ${tmp} && mv -f ${tmp} ${shellQuote(options.remotePath)}`,
    { signal: options.signal, timeoutMs: 10 * 60_000 },
  );
  if (result.connectionLost) {
    throw new AppError(
      'SSH_CONNECTION_LOST',
      `connection to ${session.serverId} dropped during the check`,
      {
        retryable: true,
      },
    );
  }
  if (result.exitCode === 3) throw mismatch(session, result.tail.trim());
  if (result.exitCode !== 0) {
    throw new AppError('PUSH_FAILED', `rename on ${session.serverId} failed\n${result.tail}`, {
      retryable: true,
    });
  }
  return { sent, offset };
}

/**
 * Pushes a package to `remotePath`: skipped when the server already has the file with the right
 * sha256; otherwise written to a temporary name, checked against sha256 on the server and renamed
 * into place. A `stream` push resumes from what a broken earlier push left behind.
 */
export async function pushFile(
  session: SshSession,
  source: PushSource,
  options: PushOptions,
): Promise<PushResult> {
  validate(source, options);
  const partial = partialPathFor(options.remotePath, source.sha256);
  // SFTP is the default: sshd writes the file itself, where the stream method pipes through tee
  // and a hasher, which cost the server ~60% more CPU per byte in bench/push-throughput.ts.
  const method = options.method ?? (source.localPath ? 'sftp' : 'stream');
  const state = await probe(session, options.remotePath, partial, source.sizeBytes, options.signal);
  const base = { remotePath: options.remotePath, sha256: source.sha256 };
  if (state.finalSha === source.sha256) {
    options.onProgress?.(source.sizeBytes);
    return { ...base, skipped: true, bytesSent: 0, resumedFrom: 0 };
  }
  if (method === 'sftp') {
    const { sent, offset } = await pushBySftp(
      session,
      source,
      options,
      partial,
      state.partialBytes,
    );
    return { ...base, skipped: false, bytesSent: sent, resumedFrom: offset };
  }
  const { sent, offset } = await pushByStream(session, source, options, partial, state.streamPart);
  return { ...base, skipped: false, bytesSent: sent, resumedFrom: offset };
}
