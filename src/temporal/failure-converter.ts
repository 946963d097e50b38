import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Loaded by path (workers bundle it into the workflow sandbox): failure messages and stack
 * traces go into an encoded attribute, which the payload codec then encrypts.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
