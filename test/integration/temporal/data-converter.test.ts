import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { createDataConverter } from '../../../src/temporal/data-converter.js';
import { deriveKeyring, type Keyring } from '../../../src/crypto/keyring.js';

const WORKFLOWS = fileURLToPath(
  new URL('../../fixtures/workflows/secret-carrier.ts', import.meta.url),
);
const run = promisify(execFile);
type CarrySecret = (secret: string, fail: boolean) => Promise<string>;

const keyring = (entries: [string, Buffer][]): Keyring => ({
  activeId: entries[0]![0],
  keys: new Map(entries),
});

describe('payload encryption', () => {
  const address = inject('temporalAddress');
  const namespace = inject('temporalNamespace');
  const taskQueue = `enc-${randomUUID()}`;
  const k1 = randomBytes(32);
  const master = keyring([['k1', k1]]);
  const dataConverter = createDataConverter(deriveKeyring(master, 'temporal-payloads'));
  let client: Client;
  let rawConnection: Connection;
  let nativeConnection: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;

  beforeAll(async () => {
    rawConnection = await Connection.connect({ address });
    client = new Client({ connection: rawConnection, namespace, dataConverter });
    nativeConnection = await NativeConnection.connect({ address });
    worker = await Worker.create({
      connection: nativeConnection,
      namespace,
      taskQueue,
      workflowsPath: WORKFLOWS,
      dataConverter,
      activities: { echoSecret: (s: string) => Promise.resolve(`${s}!`) },
    });
    running = worker.run();
  });
  afterAll(async () => {
    worker.shutdown();
    await running;
    await nativeConnection.close();
    await rawConnection.close();
  });

  /** The history exactly as the server stores it, serialized, with no codec in the way. */
  async function rawHistory(workflowId: string): Promise<string> {
    const res = await rawConnection.workflowService.getWorkflowExecutionHistory({
      namespace,
      execution: { workflowId },
    });
    const bytes = temporal.api.history.v1.History.encode(res.history!).finish();
    return Buffer.from(bytes).toString('latin1');
  }

  function expectNoSecret(history: string, secret: string) {
    for (const form of [
      secret,
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret).toString('hex'),
    ]) {
      expect(history).not.toContain(form);
    }
  }

  it('keeps a secret out of the stored history of a workflow that succeeds', async () => {
    const secret = `ecs-root-pw-${randomBytes(8).toString('hex')}`;
    const workflowId = `enc-ok-${randomUUID()}`;
    const result: string = await client.workflow.execute<CarrySecret>('carrySecret', {
      taskQueue,
      workflowId,
      args: [secret, false],
    });
    expect(result).toBe(`${secret}!`);
    const history = await rawHistory(workflowId);
    expect(history).toContain('binary/encrypted');
    expectNoSecret(history, secret);
  });

  it('keeps a secret out of a failure message and still shows it to a client with the key', async () => {
    const secret = `ssh-key-${randomBytes(8).toString('hex')}`;
    const workflowId = `enc-fail-${randomUUID()}`;
    const err: unknown = await client.workflow
      .execute<CarrySecret>('carrySecret', { taskQueue, workflowId, args: [secret, true] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause?.message).toBe(`installer printed ${secret}!`);
    const history = await rawHistory(workflowId);
    expectNoSecret(history, secret);
    expect(history).toContain('Encoded failure');

    // The Temporal CLI, a client we did not write, sees only ciphertext too.
    const { stdout } = await run(inject('temporalCliPath'), [
      'workflow',
      'show',
      '--address',
      address,
      '--namespace',
      namespace,
      '--workflow-id',
      workflowId,
      '--output',
      'json',
    ]);
    // The CLI prints metadata values base64-encoded.
    expect(stdout).toContain(Buffer.from('binary/encrypted').toString('base64'));
    expect(stdout).toContain('Encoded failure');
    expectNoSecret(stdout, secret);
  });

  it('decrypts payloads written under an older key after rotation', async () => {
    const secret = `pw-${randomBytes(8).toString('hex')}`;
    const workflowId = `enc-rot-${randomUUID()}`;
    await client.workflow.execute('carrySecret', { taskQueue, workflowId, args: [secret, false] });
    const rotated = keyring([
      ['k2', randomBytes(32)],
      ['k1', k1],
    ]);
    const rotatedClient = new Client({
      connection: rawConnection,
      namespace,
      dataConverter: createDataConverter(deriveKeyring(rotated, 'temporal-payloads')),
    });
    expect(await rotatedClient.workflow.getHandle(workflowId).result()).toBe(`${secret}!`);
    const stranger = new Client({
      connection: rawConnection,
      namespace,
      dataConverter: createDataConverter(
        deriveKeyring(keyring([['k1', randomBytes(32)]]), 'temporal-payloads'),
      ),
    });
    await expect(stranger.workflow.getHandle(workflowId).result()).rejects.toThrow();
  });
});
