// Reads a venue error response, whatever shape it comes in (polysim-api.md §9): the current two-field
// envelope with the code also in `X-Polysim-Code`, the older prose-only `{error:"<message>"}`, FastAPI
// `{detail:[{loc,msg,type}]}` / `{detail:"…"}`, and plain-text edge errors (`error code: 1020`).
// The code comes from the header first, then body `error` when it looks like a CODE, else `HTTP_<status>`.

import { scrubString } from '../logging/scrub.js';
import { ErrorEnvelopeSchema, FastApiErrorSchema, VENUE_CODE_RE } from './wire.js';

export type ErrorBodyShape = 'envelope' | 'prose' | 'fastapi' | 'text' | 'empty';

export interface VenueErrorBody {
  /** Machine code, e.g. `SERVER_BUSY`; `HTTP_<status>` when the venue gave none. */
  code: string;
  /** Human-readable message, scrubbed of secrets and bounded in length. */
  message: string;
  shape: ErrorBodyShape;
  /** Body `retry_after` (seconds) of 503 VENUE_UNAVAILABLE, when present. */
  retryAfterBodyMs?: number;
  /** Body `source` of 503 DEADLINE_OVERSHOT_BUT_PERSISTED, when present. */
  source?: string;
}

export const MAX_ERROR_MESSAGE = 300;

function clean(s: string): string {
  const one = scrubString(s).replace(/\s+/g, ' ').trim();
  return one.length > MAX_ERROR_MESSAGE ? `${one.slice(0, MAX_ERROR_MESSAGE)}…` : one;
}

export function isVenueCode(s: unknown): s is string {
  return typeof s === 'string' && VENUE_CODE_RE.test(s);
}

function secondsToMs(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+(?:\.\d+)?$/.test(v) ? Number(v) : Number.NaN;
  return Number.isFinite(n) && n >= 0 ? Math.round(n * 1000) : undefined;
}

/**
 * Parses an error body. `headerCode` is the `X-Polysim-Code` value (if any). Never throws.
 */
export function parseErrorBody(status: number, text: string, headerCode?: string): VenueErrorBody {
  const fallback = `HTTP_${status}`;
  const header = isVenueCode(headerCode) ? headerCode : undefined;
  const trimmed = text.trim();
  if (trimmed === '') return { code: header ?? fallback, message: `HTTP ${status}`, shape: 'empty' };

  let json: unknown;
  let isJson = false;
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      json = JSON.parse(trimmed);
      isJson = true;
    } catch {
      isJson = false;
    }
  }
  if (isJson) {
    const env = ErrorEnvelopeSchema.safeParse(json);
    if (env.success) {
      const b = env.data;
      const bodyCode = isVenueCode(b.error) ? b.error : undefined;
      const prose = bodyCode === undefined ? b.error : undefined;
      const message = b.message ?? prose ?? bodyCode ?? `HTTP ${status}`;
      const out: VenueErrorBody = {
        code: header ?? bodyCode ?? fallback,
        message: clean(message),
        shape: bodyCode !== undefined ? 'envelope' : 'prose',
      };
      const ra = secondsToMs(b.retry_after);
      if (ra !== undefined) out.retryAfterBodyMs = ra;
      if (typeof b.source === 'string') out.source = clean(b.source);
      return out;
    }
    const fa = FastApiErrorSchema.safeParse(json);
    if (fa.success) {
      const d = fa.data.detail;
      if (typeof d === 'string') {
        return { code: header ?? (isVenueCode(d) ? d : fallback), message: clean(d), shape: 'fastapi' };
      }
      const parts = d.map((e) => (e.loc && e.loc.length > 0 ? `${e.loc.join('.')}: ${e.msg}` : e.msg));
      return {
        code: header ?? fallback,
        message: clean(parts.join('; ') || `HTTP ${status}`),
        shape: 'fastapi',
      };
    }
  }
  return { code: header ?? fallback, message: clean(trimmed), shape: 'text' };
}
