import type * as workflows from '../../../workflows/index.js';

/** What the worker registers, by workflow type name. */
export type Workflows = typeof workflows;

/**
 * A workflow's type name, checked against the worker's registry (`workflows/index.ts`): the name
 * the worker registers is its export name, which an aliased export (`v2 as deployLicense`) keeps
 * while the function's own `.name` would not.
 */
export const workflowType = <K extends keyof Workflows>(name: K): K => name;
