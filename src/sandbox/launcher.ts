import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { AppError } from '../errors.js';

/**
 * One long-lived `/bin/sh` that starts every process of the sandbox hosts on this process's
 * behalf. Each fork of this Node process blocks its event loop while the kernel copies a large
 * process's page tables, and fifty hosts booting at once need several processes each; a fork of
 * the small shell costs this process nothing. Node writes one line per job, `<id> <script>`;
 * the shell runs the script in the background with its output in `<script>.log` and answers
 * `<id> <exit status>` when it ends.
 */
const LOOP =
  'while read -r id script; do { sh "$script" </dev/null >"$script.log" 2>&1; echo "$id $?"; } & done';

/** A job's end: its exit status and the tail of what it printed. */
export interface JobResult {
  status: number;
  output: string;
}

interface Pending {
  script: string;
  resolve: (r: JobResult) => void;
  /** Awaited jobs keep the process alive; a long-running host's sshd does not. */
  awaited: boolean;
}

let shell: ChildProcessWithoutNullStreams | undefined;
const pending = new Map<number, Pending>();
let nextId = 1;
let awaitedCount = 0;

function output(script: string): Promise<string> {
  return readFile(`${script}.log`, 'utf8').then(
    (s) => s.slice(-4000),
    () => '',
  );
}

function settle(id: number, status: number): void {
  const job = pending.get(id);
  if (!job) return;
  pending.delete(id);
  if (job.awaited && --awaitedCount === 0) holdOpen(false);
  void output(job.script).then((text) => job.resolve({ status, output: text }));
}

/** Keeps the event loop alive while an awaited job runs, and lets it go otherwise. */
function holdOpen(hold: boolean): void {
  const out = shell?.stdout as Socket | undefined;
  if (hold) out?.ref();
  else out?.unref();
}

function launcher(): ChildProcessWithoutNullStreams {
  if (shell && shell.exitCode === null && !shell.killed) return shell;
  // Its own session and process group: a Ctrl-C meant for OneClick must not reach the hosts
  // (a persistent sandbox's servers keep running when OneClick stops).
  const child = spawn('/bin/sh', ['-c', LOOP], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  shell = child;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const [id, status] = line.split(' ');
    settle(Number(id), Number(status));
  });
  child.stderr.resume();
  // A write racing the shell's death fails with EPIPE; its jobs are settled on 'exit' below.
  child.stdin.on('error', () => undefined);
  child.once('exit', () => {
    if (shell === child) shell = undefined;
    // Jobs it had started cannot report any more; count them as ended (their processes are
    // found and killed through their namespaces on stop).
    for (const id of [...pending.keys()]) settle(id, 255);
  });
  child.unref();
  (child.stdin as unknown as Socket).unref();
  (child.stderr as unknown as Socket).unref();
  // Awaited jobs of a shell that died may not be settled yet: they still hold the new one open.
  holdOpen(awaitedCount > 0);
  return child;
}

function submit(script: string, awaited: boolean): Promise<JobResult> {
  if (/\s/.test(script)) {
    throw new AppError('SANDBOX_HOST_COMMAND_FAILED', 'job script paths may not contain spaces');
  }
  const sh = launcher();
  const id = nextId++;
  return new Promise<JobResult>((resolve) => {
    pending.set(id, { script, resolve, awaited });
    if (awaited && awaitedCount++ === 0) holdOpen(true);
    sh.stdin.write(`${id} ${script}\n`);
  });
}

/** Runs a shell script file to its end; rejects, with its output, when it exits non-zero. */
export async function runJob(script: string, what: string): Promise<void> {
  const r = await submit(script, true);
  if (r.status !== 0) {
    throw new AppError(
      'SANDBOX_HOST_COMMAND_FAILED',
      `${what} failed (exit ${r.status}): ${r.output.trim()}`,
    );
  }
}

/**
 * Starts a long-running shell script file (a host's sshd); the promise settles when it exits,
 * and does not by itself keep this process alive.
 */
export function startJob(script: string): Promise<JobResult> {
  return submit(script, false);
}
