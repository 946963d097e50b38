import { ScheduleAlreadyRunning } from '@temporalio/client';
import type { BoundClient } from './bound-client.js';
import { workflowType } from './workflow-types.js';

/** The schedule id of the generator dial-test. */
export const GENERATOR_PROBE_SCHEDULE_ID = 'generator-probe';

/** OneClick's Temporal schedules. */
export interface ScheduleGateway {
  /**
   * Creates the twice-daily generatorProbe schedule (08:00 and 15:00 UTC) unless it exists; safe
   * to call on every start of every worker.
   */
  ensureGeneratorProbeSchedule(options?: {
    scheduleId?: string;
    hours?: number[];
  }): Promise<'created' | 'exists'>;
}

/** The schedule calls, bound to a client and task queue. */
export function scheduleGateway({ client, taskQueue }: BoundClient): ScheduleGateway {
  return {
    async ensureGeneratorProbeSchedule(options = {}) {
      try {
        await client.schedule.create({
          scheduleId: options.scheduleId ?? GENERATOR_PROBE_SCHEDULE_ID,
          spec: { calendars: [{ hour: options.hours ?? [8, 15], minute: 0 }] },
          action: {
            type: 'startWorkflow',
            workflowType: workflowType('generatorProbe'),
            taskQueue,
            args: [],
          },
          // A probe still running when the next one is due makes the next one pointless.
          policies: { overlap: 'SKIP', catchupWindow: '1 hour' },
        });
        return 'created';
      } catch (err) {
        if (err instanceof ScheduleAlreadyRunning) return 'exists';
        throw err;
      }
    },
  };
}
