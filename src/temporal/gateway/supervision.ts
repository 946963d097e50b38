import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  WorkflowExecutionAlreadyStartedError,
} from '@temporalio/client';
import {
  SUPERVISION_REPORTS_SCHEDULE_ID,
  acceptanceTimerWorkflowId,
  type AcceptanceTimerInput,
} from '../../../workflows/supervision.js';
import type { BoundClient } from './bound-client.js';
import { workflowType, type Workflows } from './workflow-types.js';

/** Service supervision's workflows as the API and the worker start them. */
export interface SupervisionGateway {
  /** Starts a confirmation's acceptance timer unless it runs already. */
  startAcceptanceTimer(input: AcceptanceTimerInput): Promise<'started' | 'running'>;
  /**
   * Creates the schedule that sends supervision reports every `intervalMs` (KooGallery's retry
   * spacing: 2 minutes) unless it exists; safe on every start of every worker.
   */
  ensureSupervisionReportSchedule(intervalMs: number): Promise<'created' | 'exists'>;
  /** Asks for a report run now (a transition happened); the schedule catches up if this fails. */
  kickSupervisionReports(): Promise<void>;
}

export function supervisionGateway({ client, taskQueue }: BoundClient): SupervisionGateway {
  // One schedule per task queue: workers of another queue (another OneClick on the same
  // namespace, a test) keep their own.
  const scheduleId = `${SUPERVISION_REPORTS_SCHEDULE_ID}-${taskQueue}`;
  return {
    async startAcceptanceTimer(input) {
      try {
        await client.workflow.start<Workflows['acceptanceTimer']>(workflowType('acceptanceTimer'), {
          taskQueue,
          workflowId: acceptanceTimerWorkflowId(input.orderRef, input.confirmEventId),
          args: [input],
        });
        return 'started';
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return 'running';
        throw err;
      }
    },
    async ensureSupervisionReportSchedule(intervalMs) {
      try {
        await client.schedule.create({
          scheduleId,
          spec: { intervals: [{ every: intervalMs }] },
          action: {
            type: 'startWorkflow',
            workflowType: workflowType('supervisionReports'),
            taskQueue,
            args: [],
          },
          // One run at a time; a kick during a run is kept for right after it.
          policies: { overlap: 'BUFFER_ONE', catchupWindow: '1 minute' },
        });
        return 'created';
      } catch (err) {
        if (err instanceof ScheduleAlreadyRunning) return 'exists';
        throw err;
      }
    },
    async kickSupervisionReports() {
      try {
        await client.schedule.getHandle(scheduleId).trigger('BUFFER_ONE');
      } catch (err) {
        // No worker has created the schedule yet: its first run will send everything.
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      }
    },
  };
}
