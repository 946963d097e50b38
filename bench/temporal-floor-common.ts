/**
 * The workflow of bench/temporal-floor.ts: a deployment's shape with nothing in it. Its steps run
 * one after another as activities that only wait, each as long as it is told.
 */
import { proxyActivities } from '@temporalio/workflow';

export interface FloorActivities {
  /** Waits `ms` and answers how long it really waited. */
  wait(ms: number): Promise<number>;
}

const { wait } = proxyActivities<FloorActivities>({ startToCloseTimeout: '10 minutes' });

/** Runs the steps in order; answers the time spent inside the activities. */
export async function floorDeployment(stepsMs: number[]): Promise<number> {
  let inside = 0;
  for (const ms of stepsMs) inside += await wait(ms);
  return inside;
}
