import { describe, expect, it } from 'vitest';
import { DEPLOYMENT_STEPS } from '../../../../src/domain/deployment.js';
import { translator } from '../../../../src/web/i18n/index.js';
import { livePanelHtml } from '../../../../src/web/buyer/live-panel.js';
import type { DeploymentView, StepView } from '../../../../src/web/buyer/types.js';

const t = translator('en');
const step = (name: string, status: string, attempts = 1): StepView => ({
  step: name,
  status,
  attempts,
  startedAt: '2026-01-02T03:04:05.000Z',
  endedAt: status === 'running' ? null : '2026-01-02T03:04:06.000Z',
  logTail: null,
});
const running: DeploymentView = {
  id: 'dep_1',
  orderRef: 'ord_1',
  state: 'push',
  failure: null,
  createdAt: '2026-01-02T03:04:05.000Z',
  updatedAt: '2026-01-02T03:04:05.000Z',
  finishedAt: null,
  steps: [step('requested', 'succeeded'), step('network', 'succeeded'), step('server', 'running')],
};

/** `step=status` of every step element, in order. */
const steps = (html: string) =>
  [...html.matchAll(/data-step="([^"]+)" data-status="([^"]+)"/g)].map((m) => `${m[1]}=${m[2]}`);

describe('the live deployment panel', () => {
  it('carries the contract: every step with data-step and data-status, the state on the root', async () => {
    const html = await livePanelHtml(t, running);
    expect(html).toMatch(/^<div class="deploy-panel" data-deployment-state="push"/);
    expect(steps(html)).toEqual(
      DEPLOYMENT_STEPS.map((s) =>
        s === 'requested' || s === 'network'
          ? `${s}=succeeded`
          : s === 'server'
            ? `${s}=running`
            : `${s}=pending`,
      ),
    );
    // Without the heartbeat fields, neither a bar nor an output tail.
    expect(html).not.toContain('<progress');
    expect(html).not.toContain('<pre');
  });

  it("prefers the workflow's own steps, with Temporal's attempts of the running one", async () => {
    const html = await livePanelHtml(t, {
      ...running,
      live: {
        state: 'ssh',
        steps: [
          step('requested', 'succeeded'),
          step('network', 'succeeded'),
          step('server', 'succeeded'),
          step('ssh', 'running', 2),
        ],
        pending: [
          {
            activity: 'waitForSsh',
            attempt: 3,
            maximumAttempts: 5,
            state: 'scheduled',
            lastFailure: 'connection refused',
          },
        ],
      },
    });
    expect(html).toContain('data-deployment-state="ssh"');
    expect(steps(html).slice(0, 4)).toEqual([
      'requested=succeeded',
      'network=succeeded',
      'server=succeeded',
      'ssh=running',
    ]);
    expect(html).toContain('attempt 3 of 5');
    expect(html).toContain('last try failed: connection refused');
  });

  it('shows the push as a bar with its bytes and rate, and the output tail as it comes', async () => {
    const push = await livePanelHtml(t, {
      ...running,
      live: {
        state: 'push',
        step: 'push',
        bytesSent: 3 * 1024 * 1024,
        totalBytes: 12 * 1024 * 1024,
        bytesPerSecond: 1024 * 1024,
        at: '2026-01-02T03:04:07.000Z',
      },
    });
    expect(push).toContain('<progress id="push-bar" max="12582912" value="3145728">');
    expect(push).toContain('3.0 MiB of 12.0 MiB, 1.0 MiB/s');
    const install = await livePanelHtml(t, {
      ...running,
      state: 'install',
      live: {
        state: 'install',
        step: 'install',
        outputTail: 'step 1\n<script>x</script>',
        at: 'x',
      },
    });
    expect(install).toContain('<pre aria-live="off"');
    expect(install).toContain('step 1\n&lt;script&gt;x&lt;/script&gt;');
    expect(install).not.toContain('<progress');
  });

  it('says how it ended and why it failed', async () => {
    const html = await livePanelHtml(t, {
      ...running,
      state: 'failed',
      failure: { code: 'INSTALL_FAILED', message: 'the installer exited with 3' },
      steps: [step('requested', 'succeeded'), { ...step('install', 'failed'), logTail: 'boom' }],
    });
    expect(html).toContain('data-deployment-state="failed"');
    expect(html).toContain('data-finished="true"');
    expect(html).toContain('The deployment failed: the installer exited with 3 (INSTALL_FAILED)');
    expect(html).toContain('boom');
  });
});
