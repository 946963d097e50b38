import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, reservePort } from '../../../src/temporal/dev-server.js';

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve(srv));
  });
}

function close(srv: net.Server): Promise<void> {
  return new Promise((resolve) => srv.close(() => resolve()));
}

describe('ports handed to the dev server', () => {
  it('a reserved port can still be bound explicitly at once (it waits in TIME_WAIT, not in use)', async () => {
    const port = await freePort();
    const srv = await listen(port);
    expect((srv.address() as net.AddressInfo).port).toBe(port);
    await close(srv);
  });

  it('reserving a port something listens on fails with EADDRINUSE instead of starting a server that will panic', async () => {
    const busy = await listen(0);
    const port = (busy.address() as net.AddressInfo).port;
    try {
      await expect(reservePort('127.0.0.1', port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await close(busy);
    }
  });

  it('a reserved port is not handed out again by the next binds to port 0', async () => {
    const reserved = new Set<number>();
    for (let i = 0; i < 20; i++) reserved.add(await freePort());
    for (let i = 0; i < 200; i++) {
      const srv = await listen(0);
      const port = (srv.address() as net.AddressInfo).port;
      await close(srv);
      expect(reserved.has(port)).toBe(false);
    }
  });
});
