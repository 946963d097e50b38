import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { freePort } from '../../src/temporal/dev-server.js';
import { createTestPostgresDatabase } from '../helpers/databases.js';
import { runOneClick, until } from '../helpers/oneclick-process.js';

describe('oneclick api and oneclick worker as separate processes', () => {
  const children: ChildProcess[] = [];
  let dropDatabase: (() => Promise<void>) | undefined;
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) resolve();
            else c.once('exit', () => resolve());
          }),
      ),
    );
    await dropDatabase?.();
  });

  it('serve one PostgreSQL database and one Temporal server', async () => {
    const database = await createTestPostgresDatabase('oneclick_e2e');
    dropDatabase = database.drop;
    const taskQueue = `scale-${randomUUID()}`;
    const port = await freePort();
    const env = {
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      ONECLICK_MASTER_KEY: `k1:${randomBytes(32).toString('base64')}`,
      MARKETPLACE_ACCESS_KEY: 'F'.repeat(64),
      ONECLICK_HTTP_PORT: String(port),
      ONECLICK_DATA_DIR: path.join(os.tmpdir(), `oneclick-e2e-${taskQueue}`),
      LOG_LEVEL: 'warn',
    };
    const api = runOneClick(['api'], env);
    const worker = runOneClick(['worker'], env);
    children.push(api.child, worker.child);

    await until('the API', () => api.output().includes('Stop with Ctrl-C.'));
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(await health.json()).toMatchObject({
      status: 'ok',
      database: { ok: true },
      temporal: { ok: true },
    });
    expect(api.output()).not.toContain('Temporal UI');

    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      await until('a worker polling the task queue', async () => {
        const res = await connection.workflowService.describeTaskQueue({
          namespace: inject('temporalNamespace'),
          taskQueue: { name: taskQueue },
          taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        });
        return (res.pollers?.length ?? 0) > 0;
      });
    } finally {
      await connection.close();
    }

    api.child.kill('SIGTERM');
    worker.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
    expect(await worker.exited).toBe(0);
  }, 180_000);

  it('refuses to start the API alone without TEMPORAL_ADDRESS', async () => {
    const p = runOneClick(['api'], {
      TEMPORAL_ADDRESS: '',
      DATABASE_URL: inject('postgresUrl'),
      LOG_LEVEL: 'fatal',
      ONECLICK_DATA_DIR: path.join(os.tmpdir(), 'oneclick-e2e-refuse'),
    });
    children.push(p.child);
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain('TEMPORAL_ADDRESS is not set');
  }, 60_000);
});
