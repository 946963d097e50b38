import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EIP_DIR } from '../../../src/sandbox/eip-pool.js';
import { DEFAULT_FLAVOR, DEFAULT_IMAGE_ID } from '../../../src/sandbox/emulator.js';
import {
  removePersistentSandbox,
  startSandboxCloud,
  type SandboxCloud,
} from '../../../src/sandbox/sandbox-cloud.js';
import { signedCall, type CallKeys } from '../../helpers/signed-call.js';
import { sshExec } from '../../helpers/ssh-exec.js';

const PASSWORD = 'Eip!Sandb0x-pw';
const DOC_RANGES = /^198\.19\.25[2-5]\.\d{1,3}$/;

function portAnswers(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: ip, port, timeout: 1000 });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.once('timeout', () => (s.destroy(), resolve(false)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The parts of EIP v1's publicip these tests read. */
interface Eip {
  id: string;
  status: string;
  public_ip_address: string;
  create_time: string;
  port_id?: string;
}
interface One {
  publicip: Eip;
}
interface Job {
  status: string;
  fail_reason?: string;
}
type Addresses = Record<string, Record<string, string>[]>;

describe('EIP v1 in the sandbox cloud', () => {
  let cloud: SandboxCloud;
  let keys: CallKeys;
  let pid: string;
  let net: { vpcId: string; subnetId: string };
  const vpcCall = <T = One>(method: string, p: string, body?: unknown) =>
    signedCall<T>(cloud.vpcEndpoint, keys, method, p, body);
  const ecsCall = <T = unknown>(method: string, p: string, body?: unknown) =>
    signedCall<T>(cloud.ecsEndpoint, keys, method, p, body);

  const assign = (o: { size?: number; chargeMode?: string; alias?: string } = {}) =>
    vpcCall('POST', `/v1/${pid}/publicips`, {
      publicip: { type: '5_bgp', ip_version: 4, alias: o.alias ?? 'oneclick-eip' },
      bandwidth: {
        name: 'oneclick-bw',
        size: o.size ?? 5,
        share_type: 'PER',
        charge_mode: o.chargeMode ?? 'traffic',
      },
    });

  /** Creates a server with a root password and waits for its job; answers its id and port. */
  async function server(name: string): Promise<{ id: string; portId: string; ip: string }> {
    const made = await ecsCall<{ job_id: string; serverIds: string[] }>(
      'POST',
      `/v1.1/${pid}/cloudservers`,
      {
        server: {
          name,
          imageRef: DEFAULT_IMAGE_ID,
          flavorRef: DEFAULT_FLAVOR,
          vpcid: net.vpcId,
          nics: [{ subnet_id: net.subnetId }],
          root_volume: { volumetype: 'SSD' },
          adminPass: PASSWORD,
        },
      },
    );
    expect(made.status).toBe(200);
    for (let i = 0; i < 600; i++) {
      const job = await ecsCall<Job>('GET', `/v1/${pid}/jobs/${made.body.job_id}`);
      if (job.body.status === 'SUCCESS') break;
      if (job.body.status === 'FAIL') throw new Error(`server job failed: ${job.body.fail_reason}`);
      await sleep(50);
    }
    const id = made.body.serverIds[0] ?? '';
    const shown = await ecsCall<{ server: { addresses: Addresses } }>(
      'GET',
      `/v1/${pid}/cloudservers/${id}`,
    );
    const fixed = Object.values(shown.body.server.addresses)
      .flat()
      .find((a) => a['OS-EXT-IPS:type'] === 'fixed');
    return { id, portId: fixed?.['OS-EXT-IPS:port_id'] ?? '', ip: fixed?.addr ?? '' };
  }

  beforeAll(async () => {
    cloud = await startSandboxCloud();
    keys = { ak: cloud.ak, sk: cloud.sk };
    pid = cloud.projectId;
    const v = await vpcCall<{ vpc: { id: string } }>('POST', `/v1/${pid}/vpcs`, {
      vpc: { name: 'eip', cidr: '192.168.0.0/16' },
    });
    const s = await vpcCall<{ subnet: { id: string } }>('POST', `/v1/${pid}/subnets`, {
      subnet: {
        name: 'eip',
        cidr: '192.168.7.0/24',
        gateway_ip: '192.168.7.1',
        vpc_id: v.body.vpc.id,
      },
    });
    net = { vpcId: v.body.vpc.id, subnetId: s.body.subnet.id };
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('assigns an EIP from the sandbox EIP range, claimed machine-wide, then lists and shows it', async () => {
    const made = await assign({ size: 7, alias: 'first' });
    expect(made.status).toBe(200);
    const eip = made.body.publicip;
    expect(eip).toMatchObject({
      status: 'PENDING_CREATE',
      type: '5_bgp',
      ip_version: 4,
      tenant_id: pid,
      bandwidth_size: 7,
      bandwidth_share_type: 'PER',
      alias: 'first',
    });
    expect(eip.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(eip.public_ip_address).toMatch(DOC_RANGES);
    expect(eip.create_time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(existsSync(path.join(EIP_DIR, eip.public_ip_address))).toBe(true);

    const shown = await vpcCall('GET', `/v1/${pid}/publicips/${eip.id}`);
    expect(shown.body.publicip).toMatchObject({ id: eip.id, status: 'DOWN' });
    expect(shown.body.publicip.port_id).toBeUndefined();
    expect(cloud.inventory().eips.find((e) => e.id === eip.id)?.chargeMode).toBe('traffic');

    const second = await assign();
    const all = await vpcCall<{ publicips: Eip[] }>('GET', `/v1/${pid}/publicips?limit=2000`);
    expect(all.body.publicips.map((e) => e.id)).toEqual([eip.id, second.body.publicip.id]);
    const page = await vpcCall<{ publicips: Eip[] }>(
      'GET',
      `/v1/${pid}/publicips?limit=1&marker=${eip.id}`,
    );
    expect(page.body.publicips.map((e) => e.id)).toEqual([second.body.publicip.id]);
    expect(second.body.publicip.public_ip_address).not.toBe(eip.public_ip_address);

    for (const id of [eip.id, second.body.publicip.id]) {
      expect((await vpcCall('DELETE', `/v1/${pid}/publicips/${id}`)).status).toBe(204);
    }
    expect(existsSync(path.join(EIP_DIR, eip.public_ip_address))).toBe(false);
    expect(cloud.inventory().eips).toEqual([]);
  });

  it('binds an EIP to a server so SSH from this machine reaches the server through it', async () => {
    const srv = await server(`eip-ssh-${randomUUID().slice(0, 6)}`);
    const eip = (await assign()).body.publicip;
    const bound = await vpcCall('PUT', `/v1/${pid}/publicips/${eip.id}`, {
      publicip: { port_id: srv.portId },
    });
    expect(bound.status).toBe(200);
    expect(bound.body.publicip).toMatchObject({
      status: 'ACTIVE',
      port_id: srv.portId,
      private_ip_address: srv.ip,
    });
    const hostname = await sshExec(
      { host: eip.public_ip_address, port: 22, username: 'root', password: PASSWORD },
      'hostname',
    );
    expect(hostname.trim()).toBe(cloud.emulator.hostOf(srv.id)?.hostname);

    const unbound = await vpcCall('PUT', `/v1/${pid}/publicips/${eip.id}`, { publicip: {} });
    expect(unbound.body.publicip.status).toBe('DOWN');
    expect(unbound.body.publicip.port_id).toBeUndefined();
    expect(await portAnswers(eip.public_ip_address, 22)).toBe(false);
    expect((await vpcCall('DELETE', `/v1/${pid}/publicips/${eip.id}`)).status).toBe(204);
    await ecsCall('POST', `/v1/${pid}/cloudservers/delete`, { servers: [{ id: srv.id }] });
  });

  it("shows a bound EIP as a floating address of the server's ShowServer", async () => {
    const srv = await server(`eip-show-${randomUUID().slice(0, 6)}`);
    const eip = (await assign()).body.publicip;
    await vpcCall('PUT', `/v1/${pid}/publicips/${eip.id}`, { publicip: { port_id: srv.portId } });
    const shown = await ecsCall<{ server: { addresses: Addresses } }>(
      'GET',
      `/v1/${pid}/cloudservers/${srv.id}`,
    );
    expect(shown.body.server.addresses[net.vpcId]).toContainEqual(
      expect.objectContaining({
        addr: eip.public_ip_address,
        'OS-EXT-IPS:type': 'floating',
        'OS-EXT-IPS:port_id': srv.portId,
      }),
    );
    await vpcCall('PUT', `/v1/${pid}/publicips/${eip.id}`, { publicip: { port_id: null } });
    await vpcCall('DELETE', `/v1/${pid}/publicips/${eip.id}`);
    await ecsCall('POST', `/v1/${pid}/cloudservers/delete`, { servers: [{ id: srv.id }] });
  });

  it('answers EIP error codes for bad bodies, unknown ids, taken ports and bound releases', async () => {
    const bad = await vpcCall('POST', `/v1/${pid}/publicips`, {
      publicip: { type: '5_bgp' },
      bandwidth: { name: 'bw', size: 0, share_type: 'PER' },
    });
    expect(bad).toMatchObject({ status: 400, body: { code: 'VPC.0301' } });
    const badType = await vpcCall('POST', `/v1/${pid}/publicips`, {
      publicip: { type: '9_nothing' },
      bandwidth: { name: 'bw', size: 1, share_type: 'PER' },
    });
    expect(badType).toMatchObject({ status: 400, body: { code: 'VPC.0501' } });
    const unknown = await vpcCall('GET', `/v1/${pid}/publicips/${randomUUID()}`);
    expect(unknown).toMatchObject({ status: 404, body: { code: 'VPC.0504' } });
    expect((await vpcCall('GET', `/v1/${pid}/publicips?limit=0`)).status).toBe(400);

    const srv = await server(`eip-err-${randomUUID().slice(0, 6)}`);
    const one = (await assign()).body.publicip;
    const two = (await assign()).body.publicip;
    const noPort = await vpcCall('PUT', `/v1/${pid}/publicips/${one.id}`, {
      publicip: { port_id: randomUUID() },
    });
    expect(noPort).toMatchObject({ status: 400, body: { code: 'VPC.0501' } });
    await vpcCall('PUT', `/v1/${pid}/publicips/${one.id}`, { publicip: { port_id: srv.portId } });
    const portTaken = await vpcCall('PUT', `/v1/${pid}/publicips/${two.id}`, {
      publicip: { port_id: srv.portId },
    });
    expect(portTaken).toMatchObject({ status: 409, body: { code: 'VPC.0511' } });
    // EIP refuses to release a bound address: unbind first.
    const boundRelease = await vpcCall('DELETE', `/v1/${pid}/publicips/${one.id}`);
    expect(boundRelease).toMatchObject({ status: 409, body: { code: 'VPC.0517' } });

    // Another account sees none of it.
    const other = cloud.emulator.createAccount();
    const otherPid = other.projects[0]!.id;
    const theirs = await signedCall<{ publicips: Eip[] }>(
      cloud.vpcEndpoint,
      other,
      'GET',
      `/v1/${otherPid}/publicips`,
    );
    expect(theirs.body.publicips).toEqual([]);
    const peek = await signedCall(
      cloud.vpcEndpoint,
      other,
      'GET',
      `/v1/${otherPid}/publicips/${one.id}`,
    );
    expect(peek.status).toBe(404);

    await vpcCall('PUT', `/v1/${pid}/publicips/${one.id}`, { publicip: { port_id: null } });
    for (const e of [one, two]) await vpcCall('DELETE', `/v1/${pid}/publicips/${e.id}`);
    await ecsCall('POST', `/v1/${pid}/cloudservers/delete`, { servers: [{ id: srv.id }] });
  });

  /** Waits until the server is gone from ECS (its delete job ran). */
  async function gone(serverId: string): Promise<void> {
    for (let i = 0; i < 600; i++) {
      if ((await ecsCall('GET', `/v1/${pid}/cloudservers/${serverId}`)).status === 404) return;
      await sleep(50);
    }
    throw new Error(`server ${serverId} was not deleted`);
  }

  it('unbinds the EIPs of a deleted server, and releases them with delete_publicip', async () => {
    const kept = await server(`eip-del-${randomUUID().slice(0, 6)}`);
    const keptEip = (await assign()).body.publicip;
    await vpcCall('PUT', `/v1/${pid}/publicips/${keptEip.id}`, {
      publicip: { port_id: kept.portId },
    });
    await ecsCall('POST', `/v1/${pid}/cloudservers/delete`, { servers: [{ id: kept.id }] });
    await gone(kept.id);
    const after = await vpcCall('GET', `/v1/${pid}/publicips/${keptEip.id}`);
    expect(after.body.publicip).toMatchObject({ status: 'DOWN' });
    expect(after.body.publicip.port_id).toBeUndefined();
    expect(await portAnswers(keptEip.public_ip_address, 22)).toBe(false);
    await vpcCall('DELETE', `/v1/${pid}/publicips/${keptEip.id}`);

    const released = await server(`eip-rel-${randomUUID().slice(0, 6)}`);
    const relEip = (await assign()).body.publicip;
    await vpcCall('PUT', `/v1/${pid}/publicips/${relEip.id}`, {
      publicip: { port_id: released.portId },
    });
    await ecsCall('POST', `/v1/${pid}/cloudservers/delete`, {
      servers: [{ id: released.id }],
      delete_publicip: true,
      delete_volume: true,
    });
    await gone(released.id);
    expect((await vpcCall('GET', `/v1/${pid}/publicips/${relEip.id}`)).status).toBe(404);
    expect(existsSync(path.join(EIP_DIR, relEip.public_ip_address))).toBe(false);
    expect(cloud.inventory().eips).toEqual([]);
  });
});

describe('EIP quota and the machine-wide address pool', () => {
  it('answers VPC.0521 past the quota and never hands one address to two sandboxes at once', async () => {
    const [a, b] = await Promise.all([
      startSandboxCloud({ eipQuota: 1 }),
      startSandboxCloud({ eipQuota: 1 }),
    ]);
    const addresses: string[] = [];
    try {
      const body = {
        publicip: { type: '5_bgp' },
        bandwidth: { name: 'bw', size: 1, share_type: 'PER', charge_mode: 'bandwidth' },
      };
      const call = (c: SandboxCloud) =>
        signedCall<One>(c.vpcEndpoint, c, 'POST', `/v1/${c.projectId}/publicips`, body);
      const [fromA, fromB] = await Promise.all([call(a), call(b)]);
      expect(fromA.status).toBe(200);
      expect(fromB.status).toBe(200);
      addresses.push(fromA.body.publicip.public_ip_address, fromB.body.publicip.public_ip_address);
      expect(addresses[0]).not.toBe(addresses[1]);
      const over = await call(a);
      expect(over).toMatchObject({
        status: 409,
        body: { code: 'VPC.0521', message: "Quota exceeded for resources: ['floatingip']." },
      });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    // A stopped sandbox gives its addresses back to the pool.
    for (const ip of addresses) expect(existsSync(path.join(EIP_DIR, ip))).toBe(false);
  });
});

describe('EIPs of a persistent sandbox cloud', () => {
  it('keeps an EIP and its address claim across a restart, until the sandbox is removed', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'oneclick-eip-'));
    try {
      let cloud = await startSandboxCloud({ stateDir: dir });
      const made = await signedCall<One>(
        cloud.vpcEndpoint,
        cloud,
        'POST',
        `/v1/${cloud.projectId}/publicips`,
        { publicip: { type: '5_bgp' }, bandwidth: { name: 'bw', size: 2, share_type: 'PER' } },
      );
      const ip = made.body.publicip.public_ip_address;
      await cloud.stop();
      // Claimed for the state file while no process runs the sandbox.
      expect(readFileSync(path.join(EIP_DIR, ip), 'utf8')).toBe(
        `keep ${path.join(dir, 'state.json')}`,
      );
      cloud = await startSandboxCloud({ stateDir: dir });
      try {
        const shown = await signedCall<One>(
          cloud.vpcEndpoint,
          cloud,
          'GET',
          `/v1/${cloud.projectId}/publicips/${made.body.publicip.id}`,
        );
        expect(shown.body.publicip).toMatchObject({ public_ip_address: ip, status: 'DOWN' });
      } finally {
        await cloud.stop();
      }
      await removePersistentSandbox(dir);
      expect(existsSync(path.join(EIP_DIR, ip))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
