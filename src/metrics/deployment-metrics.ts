import { Counter, Histogram, type Registry } from 'prom-client';
import type { DeploymentEnd, DeploymentStep, StepStatus } from '../domain/deployment.js';

/**
 * What the worker's activities report about deployments. Activities see this interface only, so
 * they stay free of prom-client, and tests and benchmarks that pass none record nothing.
 */
export interface DeploymentMetrics {
  /** A deployment reached its end state; called once per deployment, by the transition itself. */
  deploymentFinished(outcome: DeploymentEnd): void;
  /** A step ended: how long it ran, from its recorded start to its recorded end. */
  stepEnded(step: DeploymentStep, result: Exclude<StepStatus, 'running'>, seconds: number): void;
  /** Package bytes this worker sent to a server (nothing for a skipped or pulled package). */
  packageBytesSent(bytes: number): void;
}

const OUTCOMES: DeploymentEnd[] = ['succeeded', 'failed', 'cancelled'];

/**
 * Step buckets, seconds: from a quick key generation (well under a second) to a long installer or
 * push (the default deadline leaves tens of minutes); slower ends land in +Inf.
 */
export const STEP_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 900, 1800];

/** Registers the deployment counters and the step histogram on `registry`. */
export function createDeploymentMetrics(registry: Registry): DeploymentMetrics {
  const finished = new Counter({
    name: 'oneclick_deployments_finished_total',
    help: 'Deployments that reached an end state, by outcome',
    labelNames: ['outcome'],
    registers: [registry],
  });
  // Every outcome is exported from the start (at 0), so rate() and alerts see a series at once.
  for (const outcome of OUTCOMES) finished.inc({ outcome }, 0);
  const steps = new Histogram({
    name: 'oneclick_deployment_step_duration_seconds',
    help: 'How long each deployment step ran, from its start (first attempt) to its end, by result',
    labelNames: ['step', 'result'],
    buckets: STEP_BUCKETS,
    registers: [registry],
  });
  const bytes = new Counter({
    name: 'oneclick_package_bytes_sent_total',
    help: 'Package bytes this node sent to servers (none for a pulled or already present package)',
    registers: [registry],
  });
  return {
    deploymentFinished: (outcome) => finished.inc({ outcome }),
    stepEnded: (step, result, seconds) => steps.observe({ step, result }, Math.max(0, seconds)),
    packageBytesSent: (n) => {
      if (n > 0) bytes.inc(n);
    },
  };
}
