import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';

/**
 * Histories recorded from real runs (test/fixtures/histories, written by the global setup with
 * ONECLICK_RECORD_HISTORIES) replay against today's workflow code: a change that would break a
 * running deployment, provisioning or license lifecycle fails here. New code must keep these
 * paths (patched() where it differs).
 */
const FIXTURES = fileURLToPath(new URL('../../fixtures/histories/', import.meta.url));
const WORKFLOWS = fileURLToPath(new URL('../../../workflows/index.ts', import.meta.url));
const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };

describe('recorded workflow histories', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));

  it('covers deployments, provisioning and license lifecycles: success, failure, cancellation', () => {
    for (const prefix of ['deploy-', 'provision-', 'deprovision-', 'license-lifecycle-']) {
      expect(
        files.some((f) => f.startsWith(prefix)),
        prefix,
      ).toBe(true);
    }
    expect(files.filter((f) => /cancel/.test(f)).length).toBeGreaterThanOrEqual(2);
    expect(files.filter((f) => /failed|exceeded/.test(f)).length).toBeGreaterThanOrEqual(3);
  });

  it('all replay on the current workflow code without a nondeterminism error', async () => {
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: WORKFLOWS,
      logger: quietLogger,
    });
    const histories = files.map((f) => ({
      workflowId: path.basename(f, '.json'),
      history: historyFromJSON(JSON.parse(readFileSync(path.join(FIXTURES, f), 'utf8'))),
    }));
    const failed: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle }, histories)) {
      replayed += 1;
      if (result.error) failed.push(`${result.workflowId}: ${String(result.error)}`);
    }
    expect(failed).toEqual([]);
    expect(replayed).toBe(files.length);
  }, 240_000);
});
