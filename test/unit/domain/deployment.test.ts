import { describe, expect, it } from 'vitest';
import {
  liveActivityOf,
  liveProgress,
  withLiveActivity,
  withPendingActivities,
  type DeploymentProgress,
} from '../../../src/domain/deployment.js';

const AT = '2025-01-02T03:04:05.678Z';
const RECORDED = '2025-01-02T03:04:06.000Z';

describe('liveActivityOf', () => {
  it("reads a push heartbeat's bytes, size and rate", () => {
    expect(
      liveActivityOf(
        'pushPackage',
        { step: 'push', bytesSent: 10, totalBytes: 40, bytesPerSecond: 12.6, at: AT },
        RECORDED,
      ),
    ).toEqual({ step: 'push', bytesSent: 10, totalBytes: 40, bytesPerSecond: 13, at: AT });
  });

  it("reads an installer's output tail, the step from the activity and the time from Temporal when the details lack them", () => {
    expect(
      liveActivityOf('runInstaller', { outputBytes: 5, outputTail: 'hello' }, RECORDED),
    ).toEqual({ step: 'install', outputTail: 'hello', at: RECORDED });
    expect(liveActivityOf('runVerify', { outputTail: '', at: AT })).toEqual({
      step: 'verify',
      outputTail: '',
      at: AT,
    });
  });

  it('shows nothing for details that are not progress (an SSH wait, junk, no time)', () => {
    expect(liveActivityOf('waitForSsh', { attempt: 2, last: 'ECONNREFUSED' }, RECORDED)).toBe(
      undefined,
    );
    expect(liveActivityOf('pushPackage', null, RECORDED)).toBeUndefined();
    expect(liveActivityOf('pushPackage', 'bytes', RECORDED)).toBeUndefined();
    expect(liveActivityOf('pushPackage', { bytesSent: 1 })).toBeUndefined();
    expect(liveActivityOf('createServer', { bytesSent: 1, at: AT })).toBeUndefined();
    expect(
      liveActivityOf('pushPackage', { bytesSent: -1, totalBytes: 'x', at: 'yesterday' }, RECORDED),
    ).toBeUndefined();
  });
});

describe('withLiveActivity', () => {
  const progress: DeploymentProgress = {
    deploymentId: 'dep_1',
    orderRef: 'ord_1',
    state: 'push',
    steps: [
      {
        step: 'push',
        status: 'running',
        attempts: 1,
        startedAt: AT,
        endedAt: null,
        logTail: null,
      },
    ],
  };

  it('adds the heartbeat beside the pending activities, and leaves the progress alone without one', () => {
    const pending = withPendingActivities(progress, [
      { activity: 'pushPackage', attempt: 2, maximumAttempts: 3, state: 'started' },
    ]);
    const live = withLiveActivity(pending, { step: 'push', bytesSent: 3, totalBytes: 9, at: AT });
    expect(live).toMatchObject({
      state: 'push',
      step: 'push',
      bytesSent: 3,
      totalBytes: 9,
      at: AT,
    });
    expect(live.steps[0]?.attempts).toBe(2);
    expect(live.pending).toHaveLength(1);
    expect(withLiveActivity(progress, undefined)).toBe(progress);
  });
});

describe('liveProgress', () => {
  const recorded: DeploymentProgress = {
    deploymentId: 'dep_1',
    orderRef: 'ord_1',
    state: 'network',
    steps: [],
  };

  it("shows the workflow's own progress when its query answered, else the recorded one", () => {
    const own: DeploymentProgress = { ...recorded, state: 'server', awaiting: undefined };
    const pending = [
      { activity: 'waitServerCreated', attempt: 1, maximumAttempts: 20, state: 'started' as const },
    ];
    expect(liveProgress(recorded, { progress: own, pending })).toMatchObject({
      state: 'server',
      pending,
    });
    expect(liveProgress(recorded, { pending: [] })).toBe(recorded);
    const pushing: DeploymentProgress = { ...recorded, state: 'push' };
    expect(
      liveProgress(pushing, { pending: [], live: { step: 'push', bytesSent: 1, at: AT } }),
    ).toMatchObject({ state: 'push', step: 'push', bytesSent: 1 });
  });

  it('shows no heartbeat of a step the deployment has already left', () => {
    const licensing: DeploymentProgress = { ...recorded, state: 'license' };
    const shown = liveProgress(licensing, {
      pending: [],
      live: { step: 'push', bytesSent: 1, at: AT },
    });
    expect(shown).toEqual(licensing);
  });

  it("shows nothing live when the workflow's progress is another deployment's", () => {
    expect(
      liveProgress(recorded, { progress: { ...recorded, deploymentId: 'dep_2' }, pending: [] }),
    ).toBeUndefined();
  });
});
