import { randomBytes } from 'node:crypto';
import path from 'node:path/posix';
import { AppError } from '../errors.js';
import type { SshSession } from './connect.js';
import { runCommand } from './exec.js';
import { HASH_FN, partialPathFor, type PushResult } from './push.js';
import { shellQuote } from './shell-quote.js';

/**
 * Pull delivery: the server downloads its package itself from a short-lived presigned URL, with
 * curl (or wget), and checks its sha256 there; OneClick sends no package bytes. The URL travels
 * on standard input, to the script and from it to the client, never in a command line (visible
 * in `ps` on the server) or in any record, and is cut out of whatever output is kept.
 */

/** Where the bytes are and what they must hash to. */
export interface PullSource {
  url: string;
  sha256: string;
  sizeBytes: number;
}

export interface PullOptions {
  remotePath: string;
  /** File mode after the rename; default 0644 (packages are not secret). */
  mode?: number;
  /** Called with the bytes on the server so far, about once a second. */
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
  /** Longest a download may take; default 2 hours. */
  timeoutMs?: number;
}

/** A pull either delivered the file, or says why the server could not (then push instead). */
export type PullOutcome =
  { pulled: true; result: PushResult } | { pulled: false; reason: string; tail: string };

/** Exit codes of the script below, each a reason the server could not pull. */
const NO_CLIENT = 10;
const DOWNLOAD_FAILED = 11;
const MISMATCH = 3;

/** The script run on the server; reads the URL from its first line of input. */
function pullScript(source: PullSource, options: PullOptions): string {
  const dst = shellQuote(options.remotePath);
  // Beside the push's partial file but outside its name pattern (`….part.*`, which a push
  // probes and cleans), under a name of its own per attempt. An earlier attempt whose worker
  // died may still be downloading (a cut SSH connection does not always end it): it is stopped
  // through its pid file (only if that pid is still a download of this file: a stale pid may
  // since belong to anything), and its file removed, so it can only ever write to an unlinked
  // file, never to the one renamed into place. A pull does not resume: the bytes come from the
  // store again, not from OneClick.
  const base = partialPathFor(options.remotePath, source.sha256).replace(/\.part$/, '.pull');
  const pidFile = shellQuote(`${base}.pid`);
  const mine = shellQuote(`${base}.${randomBytes(6).toString('hex')}`);
  const mode = (options.mode ?? 0o644).toString(8);
  return [
    HASH_FN,
    'IFS= read -r url',
    `mkdir -p ${shellQuote(path.dirname(options.remotePath))}`,
    `if [ -f ${dst} ] && [ "$(wc -c < ${dst})" -eq ${source.sizeBytes} ] && [ "$(h < ${dst})" = ${source.sha256} ]; then echo SKIPPED; exit 0; fi`,
    `p=$(cat ${pidFile} 2>/dev/null); if [ -n "$p" ] && tr '\\0' ' ' < /proc/$p/cmdline 2>/dev/null | grep -qF -- ${shellQuote(base)}; then kill "$p" 2>/dev/null; fi`,
    `for f in ${shellQuote(`${base}.`)}*; do [ "$f" = ${pidFile} ] || rm -f "$f"; done`,
    // The URL reaches the client on its standard input, from printf (a shell builtin): never in
    // a command line, which any user of the server could read in `ps`. A download that stalls
    // (under 1 KiB/s for 30 s) fails instead of holding the step until its timeout.
    'if command -v curl >/dev/null 2>&1; then',
    `  printf 'url = "%s"\\n' "$url" | curl -fsS --connect-timeout 5 --retry 2 --retry-max-time 20 --speed-limit 1024 --speed-time 30 -K - -o ${mine} & dl=$!`,
    'elif command -v wget >/dev/null 2>&1; then',
    `  printf '%s\\n' "$url" | wget -q -T 10 -t 2 -i - -O ${mine} & dl=$!`,
    `else echo "no curl or wget"; exit ${NO_CLIENT}; fi`,
    `echo $dl > ${pidFile}`,
    // Progress lines while the download runs, from a reporter beside it (not a polling loop
    // around it, which would add up to its interval to every download's end). It ends with this
    // shell, whatever ends it. Its `sleep` writes nowhere: killing the reporter leaves the sleep
    // running a moment, and holding the channel's stdout it would keep the command from ending
    // (1 s added to every pull, measured).
    `( while kill -0 $$ 2>/dev/null; do echo "P $(wc -c 2>/dev/null < ${mine} || echo 0)"; sleep 1 >/dev/null 2>&1; done ) & rep=$!`,
    'wait $dl; rc=$?',
    `kill $rep 2>/dev/null; rm -f ${pidFile}`,
    `[ $rc -eq 0 ] || { rm -f ${mine}; echo "download exited $rc"; exit ${DOWNLOAD_FAILED}; }`,
    `got=$(h < ${mine}); have=$(wc -c < ${mine})`,
    `if [ "$got" != ${source.sha256} ] || [ "$have" -ne ${source.sizeBytes} ]; then rm -f ${mine}; echo "got $got size $have"; exit ${MISMATCH}; fi`,
    `chmod ${mode} ${mine} && mv -f ${mine} ${dst} && echo DONE`,
  ].join('\n');
}

/** The output without the URL: a client may quote it, and it stays usable until it expires. */
function withoutUrl(text: string, url: string): string {
  const query = url.indexOf('?');
  let out = text.split(url).join('[presigned URL]');
  if (query > 0) out = out.split(url.slice(query)).join('?[signature]');
  return out;
}

/**
 * Asks the server to download the package (anew: a download is not resumed). Resolves `pulled: false` when it cannot (no client,
 * the store unreachable from there, a refused URL, wrong bytes), so the caller can push instead;
 * rejects only for what a push would fail on too (the SSH connection lost, cancellation).
 */
export async function pullFile(
  session: SshSession,
  source: PullSource,
  options: PullOptions,
): Promise<PullOutcome> {
  if (!path.isAbsolute(options.remotePath) || options.remotePath.endsWith('/')) {
    throw new AppError('INVALID_REMOTE_PATH', 'remote path must be an absolute file path');
  }
  let pending = '';
  const result = await runCommand(session, pullScript(source, options), {
    stdin: `${source.url}\n`,
    signal: options.signal,
    timeoutMs: options.timeoutMs ?? 2 * 3600_000,
    onOutput: (chunk) => {
      pending += chunk.toString('latin1');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const bytes = /^P (\d+)$/.exec(line.trim());
        if (bytes) options.onProgress?.(Number(bytes[1]));
      }
    },
  });
  if (result.connectionLost) {
    throw new AppError(
      'SSH_CONNECTION_LOST',
      `connection to ${session.serverId} dropped during the pull`,
      {
        retryable: true,
        context: { serverId: session.serverId },
      },
    );
  }
  const tail = withoutUrl(result.tail, source.url)
    .split('\n')
    .filter((line) => !/^P \d+$/.test(line.trim()))
    .join('\n')
    .trim();
  const base = {
    remotePath: options.remotePath,
    sha256: source.sha256,
    bytesSent: 0,
    resumedFrom: 0,
  };
  if (result.exitCode === 0) {
    const skipped = /(^|\n)SKIPPED\s*$/.test(result.tail);
    options.onProgress?.(source.sizeBytes);
    return { pulled: true, result: { ...base, skipped } };
  }
  const reason =
    result.exitCode === NO_CLIENT
      ? 'the server has neither curl nor wget'
      : result.exitCode === DOWNLOAD_FAILED
        ? 'the server could not download from the object store'
        : result.exitCode === MISMATCH
          ? 'the downloaded bytes failed their sha256 check'
          : result.timedOut
            ? 'the download timed out'
            : `the pull exited ${String(result.exitCode)}`;
  return { pulled: false, reason, tail };
}
