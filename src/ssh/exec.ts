import type { Readable } from 'node:stream';
import { AppError } from '../errors.js';
import type { SshSession } from './connect.js';
import { OutputTail } from './output-tail.js';
import { ENV_NAME_RE, exportPrefix } from './shell-quote.js';

/** How to run one remote command. */
export interface ExecOptions {
  /** Exported before the command runs (sshd's AcceptEnv usually refuses `env` requests). */
  env?: Readonly<Record<string, string>>;
  /** Fed to the command's standard input, then closed; secrets go here, never in the command. */
  stdin?: Buffer | string | Readable;
  /** Kill the command after this long; default 10 minutes. */
  timeoutMs?: number;
  /** Bytes of combined stdout+stderr kept for the record; default 16 KiB. */
  tailBytes?: number;
  signal?: AbortSignal;
  /** Sees every chunk (the activity heartbeats here). */
  onOutput?: (chunk: Buffer) => void;
}

/** What a remote command did. */
export interface ExecResult {
  /** Null when the command died of a signal or was killed by the timeout. */
  exitCode: number | null;
  exitSignal?: string;
  timedOut: boolean;
  /** Last `tailBytes` of stdout and stderr, interleaved as they arrived. */
  tail: string;
  outputBytes: number;
  /** Full stdout, only when `captureStdout` was asked for (small outputs like `sha256sum`). */
  stdout?: string;
}

function envProblem(env: Readonly<Record<string, string>>): AppError | undefined {
  for (const name of Object.keys(env)) {
    if (!ENV_NAME_RE.test(name)) {
      return new AppError(
        'INVALID_ENV_NAME',
        `environment variable name ${JSON.stringify(name)} is not valid`,
      );
    }
  }
  return undefined;
}

/** Runs a command over exec and resolves with its exit status and output tail; never rejects on a non-zero exit. */
export function runCommand(
  session: SshSession,
  command: string,
  options: ExecOptions & { captureStdout?: boolean } = {},
): Promise<ExecResult> {
  const env = options.env ?? {};
  const badEnv = envProblem(env);
  if (badEnv) return Promise.reject(badEnv);
  if (options.signal?.aborted) {
    return Promise.reject(new AppError('CANCELLED', 'cancelled', { retryable: false }));
  }
  const full = exportPrefix(env) + command;
  const tail = new OutputTail(options.tailBytes ?? 16 * 1024);
  const stdoutChunks: Buffer[] = [];
  return new Promise<ExecResult>((resolve, reject) => {
    session.client.exec(full, (err, stream) => {
      if (err) {
        reject(
          new AppError(
            'SSH_EXEC_FAILED',
            `cannot start a command on ${session.serverId}: ${err.message}`,
            {
              retryable: true,
            },
          ),
        );
        return;
      }
      let exitCode: number | null = null;
      let exitSignal: string | undefined;
      let timedOut = false;
      let cancelled = false;
      const kill = () => {
        // OpenSSH honours the signal request; closing the channel makes sure we stop waiting.
        try {
          stream.signal('KILL');
        } catch {
          /* channel already gone */
        }
        stream.close();
      };
      const timer = setTimeout(() => {
        timedOut = true;
        kill();
      }, options.timeoutMs ?? 600_000);
      const onAbort = () => {
        cancelled = true;
        kill();
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const onData = (chunk: Buffer) => {
        tail.push(chunk);
        options.onOutput?.(chunk);
      };
      stream.on('data', (chunk: Buffer) => {
        if (options.captureStdout) stdoutChunks.push(chunk);
        onData(chunk);
      });
      stream.stderr.on('data', onData);
      stream.on('exit', (code: number | null, signalName?: string) => {
        exitCode = typeof code === 'number' ? code : null;
        if (signalName) exitSignal = signalName;
      });
      stream.on('error', () => undefined);
      stream.once('close', () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (cancelled) {
          reject(new AppError('CANCELLED', 'cancelled', { retryable: false }));
          return;
        }
        resolve({
          exitCode: timedOut ? null : exitCode,
          exitSignal,
          timedOut,
          tail: tail.text(),
          outputBytes: tail.total,
          stdout: options.captureStdout ? Buffer.concat(stdoutChunks).toString('utf8') : undefined,
        });
      });
      const input = options.stdin;
      if (input === undefined) {
        stream.end();
      } else if (typeof input === 'string' || Buffer.isBuffer(input)) {
        stream.end(input);
      } else {
        input.on('error', () => stream.close());
        input.pipe(stream);
      }
    });
  });
}

/**
 * Runs a command and fails unless it exits 0: AppError `COMMAND_FAILED` carrying the exit code
 * and output tail, or `COMMAND_TIMEOUT`.
 */
export async function runChecked(
  session: SshSession,
  command: string,
  options: ExecOptions & { what?: string; captureStdout?: boolean } = {},
): Promise<ExecResult> {
  const what = options.what ?? 'command';
  const result = await runCommand(session, command, options);
  if (result.timedOut) {
    throw new AppError(
      'COMMAND_TIMEOUT',
      `${what} on ${session.serverId} timed out\n${result.tail}`,
      {
        retryable: false,
        context: { serverId: session.serverId, tail: result.tail },
      },
    );
  }
  if (result.exitCode !== 0) {
    const status =
      result.exitCode === null ? `signal ${result.exitSignal ?? '?'}` : `exit ${result.exitCode}`;
    throw new AppError(
      'COMMAND_FAILED',
      `${what} on ${session.serverId} failed (${status})\n${result.tail}`,
      {
        retryable: false,
        context: { serverId: session.serverId, exitCode: result.exitCode, tail: result.tail },
      },
    );
  }
  return result;
}
