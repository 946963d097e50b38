import { z } from '@hono/zod-openapi';
import type { Keyset } from '../db/repositories/keyset.js';

/**
 * The opaque cursor of a newest-first list: base64url of the last row's exact `created_at` and
 * id (`db/repositories/keyset.ts`). Callers pass back what `next` said; anything else answers 400.
 */

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const keysetShape = z.tuple([z.string().regex(TIMESTAMP), z.string().min(1).max(64)]);

/** The cursor a page hands out for its `next`, or null on the last page. */
export function encodeCursor(next: Keyset | undefined): string | null {
  return next ? Buffer.from(JSON.stringify([next.at, next.id])).toString('base64url') : null;
}

/** The keyset a cursor holds, or undefined when it is not one of ours. */
export function decodeCursor(cursor: string): Keyset | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const r = keysetShape.safeParse(value);
  if (!r.success || Number.isNaN(Date.parse(r.data[0]))) return undefined;
  return { at: r.data[0], id: r.data[1] };
}

/** The `limit` and `cursor` query parameters of a list; a malformed cursor fails validation. */
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .max(256)
    .optional()
    .transform((s, ctx) => {
      if (s === undefined) return undefined;
      const keyset = decodeCursor(s);
      if (!keyset) ctx.addIssue({ code: 'custom', message: 'not a cursor this API handed out' });
      return keyset;
    })
    .openapi({ description: 'The `next` of the previous page, as it was given' }),
};
