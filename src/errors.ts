/**
 * The one error type that crosses module boundaries. Domain and adapter code throws AppError with
 * a SCREAMING_SNAKE code and no HTTP status: the API alone maps codes to statuses (its table in
 * `src/api/errors.ts`); activities turn non-retryable ones into
 * `ApplicationFailure.nonRetryable(message, code)`.
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

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
