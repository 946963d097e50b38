import { CancellationScope, log } from '@temporalio/workflow';

/**
 * The saga's undo list: each action is registered *before* the risky step whose effects it
 * undoes, and all of them run newest first in a scope that cancellation cannot cut short. A
 * failing undo does not stop the others; what could not be undone is reported.
 */
export class Compensations {
  private readonly actions: { what: string; undo: () => Promise<void> }[] = [];

  add(what: string, undo: () => Promise<void>): void {
    this.actions.push({ what, undo });
  }

  /** Forgets every action: what was done stays done (the software runs licensed now). */
  clear(): void {
    this.actions.length = 0;
  }

  get size(): number {
    return this.actions.length;
  }

  /** Runs every action newest first; returns what each failed action left behind. */
  async run(): Promise<string[]> {
    const left: string[] = [];
    await CancellationScope.nonCancellable(async () => {
      for (const { what, undo } of [...this.actions].reverse()) {
        try {
          await undo();
        } catch (e) {
          log.error('compensation step failed', { what, error: String(e) });
          left.push(what);
        }
      }
    });
    return left;
  }
}
