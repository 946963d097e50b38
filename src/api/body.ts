import type { Context } from 'hono';
import type { z } from 'zod';
import { AppError } from '../errors.js';

/** Parses a JSON text and validates it; BAD_JSON or VALIDATION_FAILED (400) otherwise. */
export function parseJsonText<S extends z.ZodType>(text: string, schema: S): z.infer<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError('BAD_JSON', 'request body is not valid JSON');
  }
  return validate(value, schema);
}

/** Validates a value with the schema, naming every problem in the message. */
export function validate<S extends z.ZodType>(value: unknown, schema: S): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
  throw new AppError('VALIDATION_FAILED', problems.join('; '), { context: { problems } });
}

/** Reads the JSON body of a request (content type checked) and validates it. */
export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
  }
  return parseJsonText(await c.req.text(), schema);
}
