// Venue rejections as data: the simulator maps them to HTTP envelopes, backtests count them.

/** A venue error code from polysim-api.md §5 (e.g. INSUFFICIENT_BALANCE) with its HTTP status. */
export class ExchangeError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status = 400) {
    super(message);
    this.name = 'ExchangeError';
    this.code = code;
    this.status = status;
  }
}
