import { z } from 'zod';

/** One documented operation; routes register themselves here as they are mounted. */
export interface OperationDoc {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  tags: string[];
  security?: 'bearer' | 'marketplace' | 'none';
  body?: z.ZodType;
  query?: z.ZodObject;
  response?: z.ZodType;
  /** Error codes this operation may answer, for readers of the document. */
  errors?: string[];
}

/** Collects operations and renders an OpenAPI 3.1 document from their zod schemas. */
export class OpenApiRegistry {
  private readonly ops: OperationDoc[] = [];

  add(...ops: OperationDoc[]): void {
    this.ops.push(...ops);
  }

  document(info: { title: string; version: string; serverUrl?: string }): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const op of this.ops) {
      const oasPath = op.path.replace(/:([A-Za-z]+)/g, '{$1}');
      const params = [...op.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({
        name: m[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      }));
      const queryParams = op.query
        ? Object.entries(op.query.shape).map(([name, schema]) => ({
            name,
            in: 'query',
            required: !(schema as z.ZodType).safeParse(undefined).success,
            schema: jsonSchema(schema as z.ZodType),
          }))
        : [];
      (paths[oasPath] ??= {})[op.method] = {
        summary: op.summary,
        tags: op.tags,
        security:
          op.security === 'none'
            ? []
            : op.security === 'marketplace'
              ? [{ marketplaceSignature: [] }]
              : [{ bearer: [] }],
        parameters: [...params, ...queryParams],
        ...(op.body && {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchema(op.body) } },
          },
        }),
        responses: {
          '200': {
            description: 'OK',
            ...(op.response && {
              content: { 'application/json': { schema: jsonSchema(op.response) } },
            }),
          },
          default: {
            description: `Error${op.errors?.length ? `: ${op.errors.join(', ')}` : ''}`,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        },
      };
    }
    return {
      openapi: '3.1.0',
      info: { title: info.title, version: info.version },
      ...(info.serverUrl && { servers: [{ url: info.serverUrl }] }),
      paths,
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'API key shown once at creation' },
          marketplaceSignature: {
            type: 'apiKey',
            in: 'query',
            name: 'signature',
            description:
              'KooGallery HMAC-SHA256 over the body, with timestamp and nonce query parameters',
          },
        },
        schemas: {
          Error: {
            type: 'object',
            required: ['error'],
            properties: {
              error: {
                type: 'object',
                required: ['code', 'message', 'requestId'],
                properties: {
                  code: { type: 'string' },
                  message: { type: 'string' },
                  requestId: { type: 'string' },
                },
              },
            },
          },
        },
      },
    };
  }
}

function jsonSchema(schema: z.ZodType): unknown {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  });
  return rest;
}
