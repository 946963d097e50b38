import { randomUUID } from 'node:crypto';
import { ActivityFailure, ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startSandboxHost, type SandboxHost } from '../../../src/sandbox/hosts.js';
import { runChecked, runCommand } from '../../../src/ssh/exec.js';
import { partialPathFor } from '../../../src/ssh/push.js';
import type { DeliverInput } from '../../helpers/ssh/delivery-workflows.js';
import {
  endpointOf,
  inspect,
  makeKeyPair,
  putScriptPackage,
  startDeliveryHarness,
  type DeliveryHarness,
} from '../../helpers/ssh/delivery-harness.js';

const MiB = 1024 * 1024;

/** The ApplicationFailure under a failed workflow's activity failure. */
function applicationFailureOf(err: unknown): ApplicationFailure {
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const activity = (err as WorkflowFailedError).cause;
  expect(activity).toBeInstanceOf(ActivityFailure);
  const app = (activity as ActivityFailure).cause;
  expect(app).toBeInstanceOf(ApplicationFailure);
  return app as ApplicationFailure;
}

/**
 * Polls the size of the push's temporary file on the server (`part`, or a stream attempt's
 * `part.<id>`) until it reaches `atLeast` bytes; returns the size seen.
 */
async function waitForRemoteBytes(
  host: SandboxHost,
  privateKey: string,
  part: string,
  atLeast: number,
): Promise<number> {
  const watcher = await inspect(host, privateKey);
  try {
    for (let i = 0; i < 3000; i++) {
      const r = await runCommand(
        watcher,
        `for f in ${part} ${part}.*; do [ -f "$f" ] && wc -c < "$f"; done | sort -n | tail -1`,
        { captureStdout: true, timeoutMs: 10_000 },
      );
      const size = Number(r.stdout?.trim() || 0);
      if (size >= atLeast) return size;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return 0;
  } finally {
    watcher.close();
  }
}

async function failureOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the workflow to fail');
}

// The app checks the license file the way a seller's software would: present, 0600, genuine.
const APP = `#!/bin/sh
if [ "$1" = --check ]; then
  [ "$(stat -c %a "$2")" = 600 ] || { echo "license mode wrong"; exit 2; }
  grep -q LICENSE-OK "$2" || { echo "license invalid"; exit 3; }
  echo verified; exit 0
fi`;

describe('delivery over SSH to sandbox servers (real sshd, real Temporal)', () => {
  const keys = makeKeyPair();
  let h: DeliveryHarness;
  const hosts: SandboxHost[] = [];
  const startHost = async (opts: { bootDelayMs?: number; rootPassword?: string } = {}) => {
    const id = `ssh-${randomUUID().slice(0, 8)}`;
    const host = await startSandboxHost({
      id,
      hostname: id,
      authorizedKeys: [keys.publicKey],
      // Without a password hosts.ts locks root ('!' in shadow), and sshd without PAM then refuses
      // key logins too; an unused random password works around it.
      rootPassword: `unused-${randomUUID()}`,
      ...opts,
    });
    hosts.push(host);
    return host;
  };

  beforeAll(async () => {
    h = await startDeliveryHarness({
      address: inject('temporalAddress'),
      namespace: inject('temporalNamespace'),
      taskQueue: `delivery-${randomUUID()}`,
    });
    h.secrets.set('key:deploy', keys.privateKey);
    h.secrets.set('license:1', 'LICENSE-OK eyJhbGciOiJFZERTQSJ9.e30.c2ln\n');
  });
  afterAll(async () => {
    await Promise.all(hosts.map((x) => x.stop()));
    await h?.stop();
  });

  const run = <T>(workflow: string, arg: unknown) =>
    h.client.workflow.execute(workflow, {
      taskQueue: h.taskQueue,
      workflowId: `${workflow}-${randomUUID()}`,
      args: [arg],
    }) as Promise<T>;

  it('delivers to a server whose sshd starts late: push, install, 0600 license, verify, fingerprint', async () => {
    const host = await startHost({ bootDelayMs: 4_000 });
    const pkg = await putScriptPackage(h.store, APP, 8 * MiB);
    const input: DeliverInput = {
      endpoint: endpointOf(host, 'key:deploy'),
      storageKey: pkg.storageKey,
      sha256: pkg.sha256,
      sizeBytes: pkg.sizeBytes,
      remotePath: '/opt/oneclick/packages/app.run',
      installer:
        'mkdir -p "$INSTALL_DIR" && install -m 0755 "$PACKAGE_FILE" "$INSTALL_DIR/app" && echo "installed $GREETING"',
      verify: '"$INSTALL_DIR/app" --check "$LICENSE_FILE"',
      licenseRef: 'license:1',
      licenseFile: '/opt/app/license.lic',
      installDir: '/opt/app',
      variables: { GREETING: 'hello world' },
    };
    type Out = {
      hostKey: string;
      pushed: { skipped: boolean; bytesSent: number };
      installed: { exitCode: number; tail: string };
      verified: { tail: string };
      fingerprint: string;
    };
    const before = h.sessions.stats();
    const first = await run<Out>('deliverWorkflow', input);
    // Six SSH activities, one handshake: the connection waitForSsh made serves the rest.
    expect(h.sessions.stats().handshakes - before.handshakes).toBe(1);
    expect(h.sessions.stats().reuses - before.reuses).toBe(5);
    expect(first.pushed).toMatchObject({ skipped: false, bytesSent: pkg.sizeBytes });
    expect(first.installed.tail).toContain('installed hello world');
    expect(first.verified.tail).toContain('verified');
    expect(await h.pins.get(host.id)).toBe(first.hostKey);
    expect(first.fingerprint.split('|')[0]).toBe(host.mac.toUpperCase());

    const s = await inspect(host, keys.privateKey);
    try {
      const check = await runChecked(
        s,
        'sha256sum /opt/oneclick/packages/app.run | cut -c1-64; stat -c %a /opt/app/license.lic; ls -a /opt/oneclick/packages',
        { captureStdout: true },
      );
      expect(check.stdout).toBe(`${pkg.sha256}\n600\n.\n..\napp.run\n`);
    } finally {
      s.close();
    }

    // Delivering again finds the package in place and skips the upload.
    const again = await run<Out>('deliverWorkflow', input);
    expect(again.pushed).toMatchObject({ skipped: true, bytesSent: 0 });
    // Within the idle time the second delivery finds the connection still open.
    expect(h.sessions.stats().handshakes - before.handshakes).toBe(1);
    expect(again.hostKey).toBe(first.hostKey);
  });

  it('reads a different fingerprint on every server', async () => {
    const [a, b] = await Promise.all([startHost(), startHost()]);
    const [fa, fb] = await Promise.all(
      [a, b].map((x) =>
        run<{ fingerprint: string }>('fingerprintWorkflow', endpointOf(x, 'key:deploy')),
      ),
    );
    expect(fa!.fingerprint).not.toBe(fb!.fingerprint);
    expect(fa!.fingerprint.split('|')[0]).toBe(a.mac.toUpperCase());
    expect(fb!.fingerprint.split('|')[0]).toBe(b.mac.toUpperCase());
  });

  it('stops with HOST_KEY_MISMATCH, without retrying, when the server behind an id changed its key', async () => {
    const original = await startHost();
    const serverId = `srv-${randomUUID().slice(0, 8)}`;
    const first = await run<{ hostKey: string }>(
      'waitForSshWorkflow',
      endpointOf(original, 'key:deploy', serverId),
    );
    expect(await h.pins.get(serverId)).toBe(first.hostKey);
    // A rebuilt (or impersonating) server at the same id presents another key.
    const impostor = await startHost();
    const err = await failureOf(
      run('waitForSshWorkflow', endpointOf(impostor, 'key:deploy', serverId)),
    );
    const app = applicationFailureOf(err);
    expect(app.type).toBe('HOST_KEY_MISMATCH');
    expect(app.nonRetryable).toBe(true);
    expect(await h.pins.get(serverId)).toBe(first.hostKey);
  });

  it('fails an installer that exits non-zero with its output tail', async () => {
    const host = await startHost();
    const err = await failureOf(
      run('installWorkflow', {
        endpoint: endpointOf(host, 'key:deploy'),
        command: 'echo "unpacking"; echo "fatal: libfoo.so.3 missing" >&2; exit 3',
        installDir: '/opt/app',
      }),
    );
    const app = applicationFailureOf(err);
    expect(app.type).toBe('COMMAND_FAILED');
    expect(app.message).toContain('exit 3');
    expect(app.message).toContain('fatal: libfoo.so.3 missing');
  });

  it('logs in with the root password by reference and keeps it out of workflow history', async () => {
    const password = `pw-${randomUUID()}`;
    const host = await startHost({ rootPassword: password });
    h.secrets.set('password:buyer', password);
    const workflowId = `pw-${randomUUID()}`;
    await h.client.workflow.execute('waitForSshWorkflow', {
      taskQueue: h.taskQueue,
      workflowId,
      args: [{ serverId: host.id, host: host.ip, username: 'root', passwordRef: 'password:buyer' }],
    });
    const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
    expect(JSON.stringify(history)).not.toContain(password);
  });

  it.each(['stream', 'sftp'] as const)(
    'completes a %s push with the right sha256 when the link is cut in the middle',
    async (method) => {
      const host = await startHost();
      const pkg = await putScriptPackage(h.store, APP, 512 * MiB);
      const part = partialPathFor('/opt/pkgs/cut.run', pkg.sha256);
      const handle = await h.client.workflow.start('pushWorkflow', {
        taskQueue: h.taskQueue,
        workflowId: `cut-${method}-${randomUUID()}`,
        args: [
          {
            endpoint: endpointOf(host, 'key:deploy'),
            storageKey: pkg.storageKey,
            sha256: pkg.sha256,
            sizeBytes: pkg.sizeBytes,
            remotePath: '/opt/pkgs/cut.run',
            method,
          },
        ],
      });
      // Watch the temporary file grow on the server; cut the link once 48 MiB have arrived.
      const cutAt = await waitForRemoteBytes(host, keys.privateKey, part, 48 * MiB);
      expect(cutAt).toBeGreaterThan(0);
      expect(cutAt).toBeLessThan(pkg.sizeBytes);
      await host.setLinkUp(false);
      // Down long enough for the keepalive (1 s x 3) to declare the connection dead.
      await new Promise((r) => setTimeout(r, 8_000));
      await host.setLinkUp(true);
      const result = (await handle.result()) as { resumedFrom: number };
      // The retry carried on from the bytes that had reached the server before the cut.
      expect(result.resumedFrom).toBeGreaterThan(0);
      const s = await inspect(host, keys.privateKey);
      try {
        const check = await runChecked(
          s,
          'sha256sum /opt/pkgs/cut.run | cut -c1-64; ls -a /opt/pkgs',
          {
            captureStdout: true,
          },
        );
        expect(check.stdout).toBe(`${pkg.sha256}\n.\n..\ncut.run\n`);
      } finally {
        s.close();
      }
    },
  );

  it('stops a push when the workflow is cancelled, and pushes 1 GiB in full afterwards', async () => {
    const host = await startHost();
    const pkg = await putScriptPackage(h.store, APP, 1024 * MiB);
    const workflowId = `cancel-${randomUUID()}`;
    const handle = await h.client.workflow.start('pushWorkflow', {
      taskQueue: h.taskQueue,
      workflowId,
      args: [
        {
          endpoint: endpointOf(host, 'key:deploy'),
          storageKey: pkg.storageKey,
          sha256: pkg.sha256,
          sizeBytes: pkg.sizeBytes,
          remotePath: '/opt/pkgs/big.run',
        },
      ],
    });
    const part = partialPathFor('/opt/pkgs/big.run', pkg.sha256);
    const seenAtCancel = await waitForRemoteBytes(host, keys.privateKey, part, 64 * MiB);
    await handle.cancel();
    const err = await failureOf(handle.result());
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(seenAtCancel).toBeGreaterThan(0);
    expect(seenAtCancel).toBeLessThan(pkg.sizeBytes);

    const s = await inspect(host, keys.privateKey);
    try {
      const nothing = await runChecked(s, 'ls -a /opt/pkgs', { captureStdout: true });
      expect(nothing.stdout).not.toMatch(/^big\.run$/m);
      // Resuming the cancelled push finishes the file...
      const resumed = await run<{ resumedFrom: number; bytesSent: number }>('pushWorkflow', {
        endpoint: endpointOf(host, 'key:deploy'),
        storageKey: pkg.storageKey,
        sha256: pkg.sha256,
        sizeBytes: pkg.sizeBytes,
        remotePath: '/opt/pkgs/big.run',
      });
      expect(resumed.resumedFrom).toBeGreaterThan(0);
      expect(resumed.resumedFrom + resumed.bytesSent).toBe(pkg.sizeBytes);
      // ...and a fresh path takes the whole 1 GiB in one push.
      const full = await run<{ resumedFrom: number; bytesSent: number }>('pushWorkflow', {
        endpoint: endpointOf(host, 'key:deploy'),
        storageKey: pkg.storageKey,
        sha256: pkg.sha256,
        sizeBytes: pkg.sizeBytes,
        remotePath: '/opt/pkgs/copy/big.run',
      });
      expect(pkg.sizeBytes).toBeGreaterThan(1024 * MiB);
      expect(full).toMatchObject({ resumedFrom: 0, bytesSent: pkg.sizeBytes });
      const check = await runChecked(
        s,
        'sha256sum /opt/pkgs/big.run /opt/pkgs/copy/big.run | cut -c1-64',
        { captureStdout: true, timeoutMs: 120_000 },
      );
      expect(check.stdout).toBe(`${pkg.sha256}\n${pkg.sha256}\n`);
    } finally {
      s.close();
    }
    // Two GiB over SSH and two GiB through sha256sum: 40 s on a quiet machine, over 60 s on a
    // busy one (seen in a full run), so a guard against hangs rather than the default.
  }, 240_000);
});
