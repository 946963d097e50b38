import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForPortOpen } from '../../../src/ssh/port-probe.js';
import { freePort } from '../../helpers/ssh/local-sshd.js';

function listen(port: number): Promise<Server> {
  const server = createServer((socket) => socket.end());
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('waitForPortOpen (real loopback sockets)', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  it('answers true at once for a port that accepts', async () => {
    const port = await freePort();
    servers.push(await listen(port));
    const accepted = new Promise<void>((resolve) =>
      servers[0]!.once('connection', () => resolve()),
    );
    await expect(waitForPortOpen('127.0.0.1', port, { until: Date.now() + 30_000 })).resolves.toBe(
      true,
    );
    // The server saw the connect (a hang guard ends the test if it never does).
    await accepted;
  });

  it('keeps trying a refusing port and answers true once it listens, heartbeating meanwhile', async () => {
    const port = await freePort();
    let waits = 0;
    const opened = new Promise<void>((resolve) =>
      setTimeout(() => void listen(port).then((s) => (servers.push(s), resolve())), 700),
    );
    const open = await waitForPortOpen('127.0.0.1', port, {
      until: Date.now() + 60_000,
      intervalMs: 50,
      heartbeatMs: 100,
      onWait: () => waits++,
    });
    await opened;
    expect(open).toBe(true);
    // Refused for 0.7 s with a try every 50 ms: several heartbeats in between.
    expect(waits).toBeGreaterThan(1);
  });

  it('answers false when nothing listens before `until`', async () => {
    const port = await freePort();
    await expect(
      waitForPortOpen('127.0.0.1', port, { until: Date.now() + 400, intervalMs: 50 }),
    ).resolves.toBe(false);
  });

  it('stops with the signal’s reason when aborted', async () => {
    const port = await freePort();
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error('cancelled by the test')), 200);
    await expect(
      waitForPortOpen('127.0.0.1', port, {
        until: Date.now() + 60_000,
        intervalMs: 50,
        signal: abort.signal,
      }),
    ).rejects.toThrow('cancelled by the test');
  });
});
