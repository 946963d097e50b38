import type { Deployment } from '../../db/repositories/deployments.js';
import { DEPLOYMENT_STEPS, type StepProgress } from '../../domain/deployment.js';
import { deploymentSummary } from './deployment-summary.js';
import type { DeploymentHistory, HistoryActivity } from '../../temporal/gateway/index.js';

/**
 * One deployment as an operator reads it: the steps the activities recorded in the database, each
 * with the activities Temporal's history shows for it (attempts, times, decoded failures), and the
 * run itself (start, end, how it ended, who cancelled or terminated it and why).
 */

const ms = (from: string | null, to: string | null): number | null =>
  from && to ? Math.max(0, Date.parse(to) - Date.parse(from)) : null;

/** An activity with its duration, from its scheduling (retries and back-off included) to its end. */
const activityView = (a: HistoryActivity) => ({
  activity: a.activity,
  activityId: a.activityId,
  local: a.local,
  outcome: a.outcome,
  attempts: a.attempts,
  scheduledAt: a.scheduledAt,
  startedAt: a.startedAt,
  endedAt: a.endedAt,
  durationMs: ms(a.scheduledAt, a.endedAt),
  failure: a.failure,
  lastFailure: a.lastFailure,
});

type ActivityView = ReturnType<typeof activityView>;

/**
 * The step an activity belongs to. A scheduled activity's input names it (`mark.step`; none:
 * compensation). A local activity leaves no input in history: it belongs to the step the run had
 * published when it was scheduled (its marker sits after that DeploymentStep upsert), unless that
 * step's record had already ended by then, as before the report step, which the run never
 * publishes: then to the recorded step that started next.
 */
function stepOf(a: HistoryActivity, recorded: StepProgress[]): string | null {
  if (!a.local) return a.step;
  const published = recorded.find((s) => s.step === a.publishedStep);
  const scheduled = a.scheduledAt ? Date.parse(a.scheduledAt) : Number.NaN;
  if (!published?.endedAt || !(Date.parse(published.endedAt) < scheduled)) return a.publishedStep;
  const ended = Date.parse(published.endedAt);
  return recorded.find((s) => Date.parse(s.startedAt) >= ended)?.step ?? a.publishedStep;
}

/** The timeline of a deployment from its row, its recorded steps and its run's history. */
export function buildTimeline(
  d: Deployment,
  steps: StepProgress[],
  history: DeploymentHistory | undefined,
) {
  const activities = history?.activities ?? [];
  const byStep = new Map<string, ActivityView[]>();
  const other: ActivityView[] = [];
  const ordered = [...steps].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
  for (const a of activities) {
    const step = stepOf(a, ordered);
    if (step === null) other.push(activityView(a));
    else byStep.set(step, [...(byStep.get(step) ?? []), activityView(a)]);
  }
  const recorded = new Set(steps.map((s) => s.step));
  const timelineSteps = steps.map((s) => {
    const acts = byStep.get(s.step) ?? [];
    return {
      step: s.step,
      status: s.status,
      // The database counts the attempts its activities saw begin; history has the last one's.
      attempts: Math.max(s.attempts, ...acts.map((a) => a.attempts)),
      startedAt: s.startedAt,
      endedAt: s.endedAt,
      durationMs: ms(s.startedAt, s.endedAt),
      logTail: s.logTail,
      activities: acts,
    };
  });
  // A step whose activities ran but whose record is missing (a run older than step records).
  for (const step of DEPLOYMENT_STEPS) {
    const acts = byStep.get(step);
    if (recorded.has(step) || !acts) continue;
    const first = acts[0]!;
    const last = acts.at(-1)!;
    timelineSteps.push({
      step,
      status: last.outcome === 'completed' ? 'succeeded' : last.endedAt ? 'failed' : 'running',
      attempts: Math.max(...acts.map((a) => a.attempts)),
      startedAt: first.scheduledAt ?? d.createdAt,
      endedAt: last.endedAt,
      durationMs: ms(first.scheduledAt, last.endedAt),
      logTail: null,
      activities: acts,
    });
  }
  timelineSteps.sort((a, b) => DEPLOYMENT_STEPS.indexOf(a.step) - DEPLOYMENT_STEPS.indexOf(b.step));
  const { id, ...summary } = deploymentSummary(d);
  return {
    deploymentId: id,
    ...summary,
    durationMs: ms(d.createdAt, d.finishedAt),
    run: history
      ? {
          outcome: history.outcome,
          startedAt: history.startedAt,
          closedAt: history.closedAt,
          durationMs: ms(history.startedAt, history.closedAt),
          failure: history.failure,
          cancelRequested: history.cancelRequested,
          terminated: history.terminated,
        }
      : null,
    steps: timelineSteps,
    /** Activities of no step: compensation (removing what a failed run created) and the like. */
    otherActivities: other,
  };
}
