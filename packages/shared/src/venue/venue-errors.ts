// Failures of a venue call, in three kinds the executor's classifier branches on (by class or `kind`):
// - VenueError: the venue answered with a non-2xx status (code, Retry-After, request id, order id).
// - VenueTransportError: no complete answer; `mayHaveBeenSent` says whether the venue may have acted on it.
// - VenueResponseError: a 2xx whose body failed validation (the venue did act; treat writes as ambiguous).
// Messages never carry the API key or a WS token: everything that goes into one is scrubbed.

import { PolybotError } from '../errors/polybot-error.js';
import { scrubString } from '../logging/scrub.js';

export interface VenueErrorInit {
  method: string;
  path: string;
  status: number;
  venueCode: string;
  message: string;
  retryAfterMs?: number | undefined;
  requestId?: string | undefined;
  orderId?: number | undefined;
  source?: string | undefined;
}

/** The venue answered with a non-2xx status. */
export class VenueError extends PolybotError {
  readonly kind = 'http' as const;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** From `X-Polysim-Code`, then body `error` when it looks like a CODE, else `HTTP_<status>`. */
  readonly venueCode: string;
  /** The venue's message (scrubbed, bounded). */
  readonly venueMessage: string;
  /** From `Retry-After` (seconds or HTTP date), else body `retry_after`. Undefined: do not retry blindly. */
  readonly retryAfterMs: number | undefined;
  /** `X-Request-Id`. */
  readonly requestId: string | undefined;
  /** `X-Polysim-Order-Id` (503 DEADLINE_OVERSHOT_BUT_PERSISTED): the order exists, do not re-place. */
  readonly orderId: number | undefined;
  /** Body `source` of DEADLINE_OVERSHOT_BUT_PERSISTED. */
  readonly source: string | undefined;

  constructor(init: VenueErrorInit) {
    const path = scrubString(init.path);
    const message = scrubString(init.message);
    super('VENUE_ERROR', `venue ${init.method} ${path} -> ${init.status} ${init.venueCode}: ${message}`, {
      details: {
        status: init.status,
        venueCode: init.venueCode,
        ...(init.requestId !== undefined ? { requestId: init.requestId } : {}),
      },
    });
    this.name = 'VenueError';
    this.method = init.method;
    this.path = path;
    this.status = init.status;
    this.venueCode = init.venueCode;
    this.venueMessage = message;
    this.retryAfterMs = init.retryAfterMs;
    this.requestId = init.requestId;
    this.orderId = init.orderId;
    this.source = init.source;
  }
}

export type TransportReason = 'timeout' | 'reset' | 'refused' | 'dns' | 'closed' | 'aborted' | 'other';

export interface VenueTransportErrorInit {
  method: string;
  path: string;
  reason: TransportReason;
  mayHaveBeenSent: boolean;
  /** The low-level error code (e.g. `ECONNREFUSED`, `UND_ERR_HEADERS_TIMEOUT`). */
  errorCode?: string | undefined;
  cause?: unknown;
}

/** No complete HTTP answer arrived. */
export class VenueTransportError extends PolybotError {
  readonly kind = 'transport' as const;
  readonly method: string;
  readonly path: string;
  readonly reason: TransportReason;
  /**
   * True when the request may have reached the venue (timeout or reset after it was written): a write is
   * then ambiguous and must be reconciled before it is re-sent. False only when it surely was not sent
   * (connection refused, DNS failure, connect timeout, client closed).
   */
  readonly mayHaveBeenSent: boolean;
  readonly errorCode: string | undefined;

  constructor(init: VenueTransportErrorInit) {
    const path = scrubString(init.path);
    const code = init.errorCode !== undefined ? ` (${scrubString(init.errorCode)})` : '';
    const sent = init.mayHaveBeenSent ? 'may have been sent' : 'not sent';
    super('VENUE_ERROR', `venue ${init.method} ${path}: transport ${init.reason}${code}, ${sent}`, {
      cause: init.cause,
      details: { reason: init.reason, mayHaveBeenSent: init.mayHaveBeenSent },
    });
    this.name = 'VenueTransportError';
    this.method = init.method;
    this.path = path;
    this.reason = init.reason;
    this.mayHaveBeenSent = init.mayHaveBeenSent;
    this.errorCode = init.errorCode;
  }
}

export interface VenueResponseErrorInit {
  method: string;
  path: string;
  status: number;
  /** Which wire schema failed, e.g. `OrderResponse`. */
  schema: string;
  issues: readonly string[];
  requestId?: string | undefined;
}

/** A 2xx answer whose body did not match the wire schema (or was not JSON). The venue did act. */
export class VenueResponseError extends PolybotError {
  readonly kind = 'invalid_response' as const;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly schema: string;
  readonly issues: readonly string[];
  readonly requestId: string | undefined;

  constructor(init: VenueResponseErrorInit) {
    const path = scrubString(init.path);
    const issues = init.issues.map(scrubString);
    super(
      'DECODE_FAILED',
      `venue ${init.method} ${path} -> ${init.status}: invalid ${init.schema}: ${issues.slice(0, 3).join('; ')}`,
      { details: { status: init.status, schema: init.schema } },
    );
    this.name = 'VenueResponseError';
    this.method = init.method;
    this.path = path;
    this.status = init.status;
    this.schema = init.schema;
    this.issues = issues;
    this.requestId = init.requestId;
  }
}

export type VenueFailure = VenueError | VenueTransportError | VenueResponseError;

export function isVenueFailure(err: unknown): err is VenueFailure {
  return err instanceof VenueError || err instanceof VenueTransportError || err instanceof VenueResponseError;
}

/**
 * A venue failure worth waiting out: the request never got an answer (transport), or the venue said so
 * itself (408, 429, 5xx). A refusal of the request (401, 403, 404, 400, 422) is not.
 */
export function isTransientVenueError(err: unknown): boolean {
  if (err instanceof VenueTransportError) return true;
  if (err instanceof VenueError) return err.status === 408 || err.status === 429 || err.status >= 500;
  return false;
}
