/**
 * The one error type that crosses module boundaries. Domain and adapter code throws AppError with
 * a SCREAMING_SNAKE code; the API maps the code to an HTTP status (see `httpStatusFor`), activities
 * turn non-retryable ones into `ApplicationFailure.nonRetryable(message, code)`.
 */
export class AppError extends Error {
  override readonly name: string = 'AppError';
  constructor(
    readonly code: string,
    message: string,
    readonly options: {
      retryable?: boolean;
      /** Extra structured detail; never put secrets here, it reaches logs and API answers. */
      context?: Record<string, unknown>;
      cause?: unknown;
      /** HTTP status override when the code is not in the table. */
      status?: number;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
  get retryable(): boolean {
    return this.options.retryable ?? false;
  }
  get context(): Record<string, unknown> | undefined {
    return this.options.context;
  }
}

/** Code → HTTP status. Codes not listed answer 400 unless the error carries its own status. */
const statusByCode: Record<string, number> = {
  BAD_JSON: 400,
  VALIDATION_FAILED: 400,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNAUTHENTICATED: 401,
  INVALID_API_KEY: 401,
  BAD_SIGNATURE: 401,
  TIMESTAMP_OUT_OF_WINDOW: 401,
  NONCE_REPLAYED: 409,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  ORDER_CONFLICT: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  ORDER_NOT_DEPLOYABLE: 409,
  INVALID_STATE_TRANSITION: 409,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

export function httpStatusFor(err: AppError): number {
  return err.options.status ?? statusByCode[err.code] ?? 400;
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
