/**
 * Every failure a person can meet has a code, an HTTP status and a message written for them.
 * Route handlers turn any thrown error into `{ error: { code, message } }` through `errorResponse`;
 * anything unexpected becomes a 503 `INTERNAL` with a generic message (and is logged), never a bare 500.
 */
export const ERRORS = {
  BAD_REQUEST: 400,
  NO_FILE: 400,
  EMPTY_FILE: 400,
  UNSUPPORTED_FORMAT: 415,
  CORRUPT_IMAGE: 422,
  CORRUPT_ARCHIVE: 422,
  NO_PHOTOS: 400,
  IMAGE_TOO_LARGE: 413,
  FILE_TOO_LARGE: 413,
  BODY_TOO_LARGE: 413,
  BATCH_TOO_LARGE: 413,
  HEADERS_TOO_LARGE: 431,
  REQUEST_TIMEOUT: 408,
  NOT_FOUND: 404,
  INVALID_TOKEN: 401,
  NOT_YOURS: 403,
  ADMIN_ONLY: 403,
  CROSS_ORIGIN: 403,
  RATE_LIMITED: 429,
  LIMIT_REACHED: 403,
  METHOD_NOT_ALLOWED: 405,
  UNKNOWN_TAGS: 422,
  UNKNOWN_WORDS: 422,
  INVALID_TAG: 400,
  EMPTY_DRAWING: 400,
  TOO_LITTLE_INK: 422,
  TOO_MUCH_INK: 422,
  DATASET_MISSING: 404,
  MODEL_NOT_FOUND: 404,
  MODEL_UNAVAILABLE: 503,
  SERVER_BUSY: 503,
  MODEL_TIMEOUT: 504,
  MODEL_FAILED: 503,
  MODEL_WORKER_CRASHED: 503,
  MODEL_SERVER_UNREACHABLE: 503,
  INTERRUPTED: 503,
  CANCELLED: 499,
  INTERNAL: 503,
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class AppError extends Error {
  readonly code: ErrorCode;
  /** Seconds after which retrying makes sense (sent as Retry-After). */
  readonly retryAfter?: number;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, options: { retryAfter?: number; details?: unknown; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.retryAfter = options.retryAfter;
    this.details = options.details;
  }

  get status(): number {
    return ERRORS[this.code];
  }

  toJSON() {
    return { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) };
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError || (error instanceof Error && error.name === 'AppError' && 'code' in error);
}

/** Any error as an AppError: known ones pass through, unknown ones become INTERNAL. */
export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  return new AppError('INTERNAL', 'Something went wrong on our side. Nothing you sent was lost; please try again.', {
    cause: error,
  });
}

/**
 * `text` with every absolute file path in it replaced by `…` (a URL's path is kept): for what a
 * person on the network reads of an error the server met.
 */
export function withoutPaths(text: string): string {
  return text
    .replace(/file:\/\/[^\s'"`,;()]+/g, '…')
    .replace(/(?<![\w:/.])(?:\/[^\s/'"`:,;()]+)+\/?/g, '…')
    .replace(/\b[A-Za-z]:\\[^\s'"`,;()]*/g, '…');
}
