import { CancellationScope, sleep } from '@temporalio/workflow';

/**
 * A deadline raced inside the workflow: when it fires it cancels `scope`, so the deployment's own
 * failure handling (compensation, records) still runs, which a workflow execution timeout would
 * not allow.
 */
export function startDeadline(
  ms: number,
  scope: CancellationScope,
): { hit(): boolean; stop(): void } {
  let hit = false;
  const timer = new CancellationScope();
  void timer
    .run(() => sleep(ms))
    .then(
      () => {
        hit = true;
        scope.cancel();
      },
      () => undefined, // stopped: the deployment ended first
    );
  return { hit: () => hit, stop: () => timer.cancel() };
}
