import type { Database } from '../src/db/sql.js';
import type { Logger } from '../src/logger.js';

/** What the worker builds once and hands to every activity factory. */
export interface ActivityDeps {
  db: Database;
  logger: Logger;
}

/**
 * All activities the worker registers. Workflows proxy `ReturnType<typeof createActivities>`
 * (types only), so adding a factory here is all it takes to expose its activities.
 */
export function createActivities(_deps: ActivityDeps) {
  return {};
}

export type Activities = ReturnType<typeof createActivities>;
