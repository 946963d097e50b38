import { randomBytes } from 'node:crypto';
import path from 'node:path/posix';
import { AppError } from '../errors.js';
import type { SshSession } from './connect.js';
import { runCommand } from './exec.js';
import { shellQuote } from './shell-quote.js';

/**
 * Writes `content` to `remotePath` atomically with mode 0600 (by default): the bytes go through
 * standard input (never the command line, where `ps` would show them) into a temporary file that
 * is size-checked and renamed over the target, so a reader sees the old file or the whole new one.
 */
export async function writeRemoteFile(
  session: SshSession,
  remotePath: string,
  content: Buffer | string,
  options: { mode?: number; signal?: AbortSignal } = {},
): Promise<void> {
  if (!path.isAbsolute(remotePath) || remotePath.endsWith('/')) {
    throw new AppError('INVALID_REMOTE_PATH', 'remote path must be an absolute file path');
  }
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const dst = shellQuote(remotePath);
  const tmp = shellQuote(
    path.join(
      path.dirname(remotePath),
      `.${path.basename(remotePath)}.${randomBytes(6).toString('hex')}.tmp`,
    ),
  );
  const mode = (options.mode ?? 0o600).toString(8);
  const script = [
    'umask 077',
    `mkdir -p ${shellQuote(path.dirname(remotePath))}`,
    `cat > ${tmp} && [ "$(wc -c < ${tmp})" -eq ${bytes.length} ] && chmod ${mode} ${tmp} && mv -f ${tmp} ${dst} || { rm -f ${tmp}; exit 1; }`,
  ].join('\n');
  const result = await runCommand(session, script, {
    stdin: bytes,
    signal: options.signal,
    timeoutMs: 60_000,
  });
  if (result.exitCode !== 0) {
    throw new AppError('REMOTE_WRITE_FAILED', `cannot write ${remotePath} on ${session.serverId}`, {
      retryable: result.connectionLost,
      context: { serverId: session.serverId, remotePath, tail: result.tail },
    });
  }
}
