import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type {
  DeploymentProgress,
  DeploymentState,
  DeploymentStep,
  StepMark,
  StepProgress,
} from '../../src/domain/deployment.js';
import { DeploymentStatusKey, DeploymentStepKey } from '../../src/temporal/search-attributes.js';

/**
 * What the progress query and the search attributes show of a running deployment. The database's
 * copy of each step, with its real attempt count, is written by the activities themselves from the
 * StepMark this hands out (activities/step-recording.ts); nothing here schedules an activity.
 */
export class DeploymentProgressBoard {
  private readonly steps: StepProgress[] = [];
  private state: DeploymentState = 'requested';
  /** The last step entered: what DeploymentStep shows, also after a failure. */
  private lastStep: DeploymentStep = 'requested';
  private failure: { code: string; message: string } | undefined;
  /** Until when it waits for the buyer's hardware ID (workflow time, ms), while it does. */
  private hardwareIdUntil: number | undefined;

  constructor(
    private readonly deploymentId: string,
    private readonly orderRef: string,
  ) {}

  /**
   * Enters a step; returns the mark its activities carry. `publish: false` leaves the search
   * attributes to the deployment's end (the report step, which runs only to record that end).
   */
  enter(step: DeploymentStep, { publish = true } = {}): StepMark {
    this.state = step;
    this.lastStep = step;
    if (publish) this.publish('running');
    this.steps.push({
      step,
      status: 'running',
      attempts: 1,
      startedAt: new Date().toISOString(), // workflow time: deterministic
      endedAt: null,
      logTail: null,
    });
    return { deploymentId: this.deploymentId, step };
  }

  /** Closes the step entered last. */
  leave(status: 'succeeded' | 'failed', logTail?: string): void {
    const entry = this.steps.at(-1);
    if (!entry || entry.status !== 'running') return;
    entry.status = status;
    entry.endedAt = new Date().toISOString();
    entry.logTail = logTail?.slice(-4000) ?? null;
  }

  /** Waits for the buyer's hardware ID until then; `undefined` when the wait is over. */
  awaitHardwareId(until: number | undefined): void {
    this.hardwareIdUntil = until;
  }

  get awaitingHardwareId(): boolean {
    return this.hardwareIdUntil !== undefined;
  }

  /** The deployment's end: succeeded, or failed or cancelled with the reason. */
  end(state: 'succeeded' | 'failed' | 'cancelled', failure?: { code: string; message: string }) {
    this.state = state;
    this.failure = failure;
    this.publish(state);
  }

  /**
   * DeploymentStep and DeploymentStatus, for operators filtering in the Temporal UI. Each upsert is
   * a history event, so values the run already carries (the start sets requested/running) are not
   * written again.
   */
  publish(status: string): void {
    const current = workflowInfo().typedSearchAttributes;
    if (
      current.get(DeploymentStepKey) === this.lastStep &&
      current.get(DeploymentStatusKey) === status
    ) {
      return;
    }
    upsertSearchAttributes([
      { key: DeploymentStepKey, value: this.lastStep },
      { key: DeploymentStatusKey, value: status },
    ]);
  }

  snapshot(): DeploymentProgress {
    return {
      deploymentId: this.deploymentId,
      orderRef: this.orderRef,
      state: this.state,
      steps: this.steps.map((s) => ({ ...s })),
      ...(this.hardwareIdUntil !== undefined && {
        awaiting: 'hardwareId' as const,
        awaitingUntil: new Date(this.hardwareIdUntil).toISOString(),
      }),
      ...(this.failure && { failure: this.failure }),
    };
  }
}
