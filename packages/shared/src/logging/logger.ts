// pino logger: JSON lines (pretty only when asked), child loggers per component, secrets redacted by path
// and scrubbed from every string (a WS URL with ?token=… included).

import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import { scrubString, scrubValue } from './scrub.js';

export type { Logger } from 'pino';

/** Paths whose values are always replaced, whatever they contain. */
export const REDACT_PATHS = [
  'apiKey',
  'api_key',
  'token',
  'wsToken',
  'password',
  'headers["x-api-key"]',
  'headers["X-API-Key"]',
  'headers.authorization',
  'headers.Authorization',
  'headers["poly-api-key"]',
  'headers["POLY_API_KEY"]',
  '*.apiKey',
  '*.api_key',
  '*.token',
  '*.wsToken',
  '*.headers["x-api-key"]',
  '*.headers["X-API-Key"]',
  '*.headers.authorization',
  '*.headers.Authorization',
  'config.POLYSIM_API_KEY',
  'POLYSIM_API_KEY',
  'SIM_API_KEYS',
  'DASHBOARD_TOKEN',
];

export interface CreateLoggerOptions {
  /** Process or app name, set as `app` on every line. */
  name: string;
  /** Default 'info'. */
  level?: string;
  /** Where lines go. Default: stdout. */
  destination?: DestinationStream;
}

export function createLogger(opts: CreateLoggerOptions): Logger {
  const options: LoggerOptions = {
    level: opts.level ?? 'info',
    base: { app: opts.name, pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      // Scrub every field value after path redaction: secrets inside free text and URLs never get out.
      log: (obj) => scrubValue(obj) as Record<string, unknown>,
    },
    serializers: {
      err: (err: unknown) => scrubValue(err),
      error: (err: unknown) => scrubValue(err),
    },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((a) => (typeof a === 'string' ? scrubString(a) : a)) as typeof args;
        method.apply(this, scrubbed);
      },
    },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/** A logger that drops everything (for tests and library defaults). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
