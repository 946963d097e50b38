import type { Client } from '@temporalio/client';

/** A workflow client and the task queue OneClick's workers poll. */
export interface BoundClient {
  readonly client: Client;
  readonly taskQueue: string;
}
