import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { AppError } from '../errors.js';
import type { SshSession } from './connect.js';
import { OutputTail } from './output-tail.js';
import { ENV_NAME_RE, exportPrefix, shellQuote } from './shell-quote.js';

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
  /** The channel closed without an exit status: the connection dropped. */
  connectionLost: boolean;
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

/**
 * Wraps the command so it can be stopped. sshd ignores the SSH `signal` request for root logins
 * (no privilege separation there), so stopping goes through a second exec that kills the
 * process recorded in a pid file. That process is `timeout` when the server has it: `timeout`
 * leads its own process group and passes TERM to the whole group, so a child like `sleep` holding
 * stdout cannot keep the channel open; it also enforces the time limit on the server by itself.
 */
function wrapCommand(script: string, timeoutMs: number, pidFile: string): string {
  const secs = Math.ceil(timeoutMs / 1000);
  const pf = shellQuote(pidFile);
  // The inner shell removes the pid file however it ends (a TERM becomes a normal exit), and
  // merges stderr into stdout so the tail keeps the order the lines were written in.
  const inner = shellQuote(`trap 'rm -f ${pf}' EXIT; trap 'exit 143' TERM; exec 2>&1; ${script}`);
  return [
    `echo $$ > ${pf}`,
    `if command -v timeout >/dev/null 2>&1; then exec timeout -k 5 ${secs} sh -c ${inner}; fi`,
    `exec sh -c ${inner}`,
  ].join('\n');
}

/** The command that stops a wrapped command from a second channel. */
function stopCommand(pidFile: string): string {
  const pf = shellQuote(pidFile);
  // The pid file goes first, so nothing is left even when this channel is cut short; the KILL
  // follow-up runs detached for what ignores TERM.
  return [
    `p=$(cat ${pf} 2>/dev/null) || exit 0`,
    `rm -f ${pf}`,
    'kill -TERM "$p" 2>/dev/null',
    '(sleep 5; kill -KILL "$p" 2>/dev/null) >/dev/null 2>&1 &',
  ].join('\n');
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
  const timeoutMs = options.timeoutMs ?? 600_000;
  const pidFile = `/tmp/.oneclick-${randomBytes(8).toString('hex')}.pid`;
  const full = wrapCommand(exportPrefix(env) + command, timeoutMs, pidFile);
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
      let exited = false;
      let timedOut = false;
      let settled = false;
      const input = options.stdin;
      const cleanup = () => {
        settled = true;
        clearTimeout(timer);
        clearTimeout(grace);
        options.signal?.removeEventListener('abort', onAbort);
        // A piped source would otherwise stay open (and hold its file) after the channel died.
        if (input && typeof input !== 'string' && !Buffer.isBuffer(input)) {
          input.unpipe(stream);
          input.destroy();
        }
      };
      const finish = () => {
        if (settled) return;
        cleanup();
        resolve({
          exitCode: timedOut ? null : exitCode,
          exitSignal,
          timedOut,
          connectionLost: !exited && !timedOut,
          tail: tail.text(),
          outputBytes: tail.total,
          stdout: options.captureStdout ? Buffer.concat(stdoutChunks).toString('utf8') : undefined,
        });
      };
      /** Resolves once the stop command has run (or could not: the connection is gone). */
      const kill = () =>
        new Promise<void>((done) => {
          const giveUp = setTimeout(done, 5_000);
          const stopped = () => {
            clearTimeout(giveUp);
            done();
          };
          try {
            session.client.exec(stopCommand(pidFile), (killErr, killer) => {
              if (killErr) return stopped(); // the connection is gone; sshd ends the session
              killer.on('error', () => undefined);
              killer.once('close', stopped);
              killer.resume();
              killer.stderr.resume();
            });
          } catch {
            stopped(); // ssh2 throws "Not connected" on a closed connection
          }
          stream.close();
        });
      let grace: NodeJS.Timeout | undefined;
      const timer = setTimeout(() => {
        timedOut = true;
        void kill();
        // On a dead link the channel never confirms the close; do not wait for it forever.
        grace = setTimeout(finish, 5_000);
      }, timeoutMs);
      const onAbort = () => {
        if (settled) return;
        cleanup();
        // Reported once the stop command got through: the caller may close the connection (or
        // hand it to another activity) right after, which would cut a stop still on its way.
        void kill().then(() =>
          reject(new AppError('CANCELLED', 'cancelled', { retryable: false })),
        );
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
        exited = true;
        exitCode = typeof code === 'number' ? code : null;
        if (signalName) exitSignal = signalName;
      });
      stream.on('error', () => undefined);
      stream.once('close', finish);
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
  if (result.connectionLost) {
    throw new AppError(
      'SSH_CONNECTION_LOST',
      `connection to ${session.serverId} dropped during ${what}`,
      {
        retryable: true,
        context: { serverId: session.serverId },
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
