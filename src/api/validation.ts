import type { MiddlewareHandler } from 'hono';
import { z } from '@hono/zod-openapi';
import { AppError } from '../errors.js';

/**
 * What the routes' validators answer, in the one error envelope: `BAD_JSON`,
 * `UNSUPPORTED_MEDIA_TYPE` or `VALIDATION_FAILED` (400) naming every problem.
 */

/** The error a failed zod parse becomes: VALIDATION_FAILED, every problem named. */
export function validationError(error: z.ZodError): AppError {
  const problems = error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
  return new AppError('VALIDATION_FAILED', problems.join('; '), { context: { problems } });
}

/**
 * OpenAPIHono's `defaultHook`, run after every validator: a failed one throws, so `app.onError`
 * answers. (A NUL character anywhere was refused before, at the edge: `middleware/edge.ts`.)
 */
export function validationHook(result: {
  success: boolean;
  data?: unknown;
  error?: unknown;
}): void {
  if (result.success) return;
  if (result.error instanceof z.ZodError) throw validationError(result.error);
  throw new AppError('VALIDATION_FAILED', 'the request is not valid');
}

/** The media types OpenAPIHono's body gate lets through as JSON (its own rule, repeated). */
const JSON_TYPE = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

/**
 * Runs before a route's JSON body validator: refuses other media types (415) and malformed JSON
 * (BAD_JSON) in our envelope, where the library would throw bare `HTTPException`s.
 */
export function jsonGate(): MiddlewareHandler {
  return async (c, next) => {
    if (!JSON_TYPE.test(c.req.header('content-type') ?? '')) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
    }
    parseJson(await c.req.text());
    await next();
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError('BAD_JSON', 'request body is not valid JSON');
  }
}

/**
 * Parses and validates a JSON text the handler had to read raw first (a signed body is checked
 * before it is trusted); BAD_JSON or VALIDATION_FAILED otherwise.
 */
export function parseJsonText<S extends z.ZodType>(text: string, schema: S): z.infer<S> {
  const r = schema.safeParse(parseJson(text));
  if (!r.success) throw validationError(r.error);
  return r.data;
}

/**
 * A zod schema as a plain JSON Schema, for a body the route documents but validates itself (after
 * a signature check): OpenAPIHono validates zod schemas before the handler, not plain ones.
 */
export function documentedOnly(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  });
  return rest;
}
