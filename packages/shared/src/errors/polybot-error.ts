// Typed errors with stable codes: callers branch on `code` or the class, never on message text.

export const ERROR_CODES = [
  'CONFIG_INVALID',
  'DECODE_FAILED',
  'DECIMAL_INVALID',
  'REDIS_UNAVAILABLE',
  'REDIS_NOT_INSTALLED',
  'LIFECYCLE_INVALID',
  'VENUE_ERROR',
  'DASHBOARD_BIND_REFUSED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface PolybotErrorOptions {
  cause?: unknown;
  details?: Record<string, unknown>;
}

/** Base class for every error polybot throws on purpose. */
export class PolybotError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: PolybotErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PolybotError';
    this.code = code;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }
}

/** A configuration value is missing or malformed. The message names the variable, never its value. */
export class ConfigError extends PolybotError {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super('CONFIG_INVALID', message, { details: { variable } });
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

/** A stream entry, frame or body failed validation; callers dead-letter it and carry on. */
export class DecodeError extends PolybotError {
  readonly kind: string;
  readonly issues: readonly string[];
  constructor(kind: string, issues: readonly string[], options: PolybotErrorOptions = {}) {
    super('DECODE_FAILED', `invalid ${kind}: ${issues.slice(0, 3).join('; ')}`, options);
    this.name = 'DecodeError';
    this.kind = kind;
    this.issues = issues;
  }
}

/** A decimal string could not be turned into integer micro-units (or back). */
export class DecimalError extends PolybotError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('DECIMAL_INVALID', message, { details });
    this.name = 'DecimalError';
  }
}

export function isPolybotError(err: unknown): err is PolybotError {
  return err instanceof PolybotError;
}
