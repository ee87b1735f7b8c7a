// Turns one decoded venue price frame into a Tick (micro-unit prices, venue and receive times, epoch,
// tradable flag, tick key), or says why it cannot: the caller dead-letters the frame and carries on.
//
// Choices where the venue docs leave room (polysim-api.md §3):
// - yes = `buy`, no = `sell`. When either is missing, the outcomes[] prices are used instead: the
//   outcome labelled Yes/No (case-insensitive), else for a two-outcome market (Up/Down, custom labels)
//   the first and second outcome, the order of `clob_token_ids` (index 0 = Yes). Otherwise dead letter.
// - Prices are decimal strings (finite JSON numbers are tolerated) in [0, 1]; more than 6 decimal places
//   are rounded half-up to micro-units. Anything else, or a price outside [0, 1], rejects the frame.
// - An invalid optional best_bid/best_ask rejects the frame too (it is the same kind of corruption).
// - market ids are lower-cased so that partitioning, dedup and tick keys agree whatever case arrives.
import { MICRO, tickKey, toMicro } from '@polybot/shared';
import type { TickValue } from '../sink/entry-values.js';

/** The fields of a venue price frame the ingestor reads (the decoded frame of the shared wire schema). */
export interface PriceFrameInput {
  market_id?: unknown;
  condition_id?: unknown;
  buy?: unknown;
  sell?: unknown;
  best_bid?: unknown;
  best_ask?: unknown;
  emit_ts_ms?: unknown;
  source?: unknown;
  closed?: unknown;
  outcomes?: unknown;
}

export type NormaliseResult = { ok: true; tick: TickValue } | { ok: false; reason: string };

const MARKET_RE = /^0x[0-9a-fA-F]{64}$/;
const MAX_SOURCE = 64;

/** Micro-units of a price, or the reason it is refused (a string; no result object on the hot path). */
function priceOf(value: unknown, field: string): number | string {
  let s: string;
  if (typeof value === 'string') s = value;
  else if (typeof value === 'number' && Number.isFinite(value)) s = value.toFixed(9);
  else return `${field}: expected a decimal string`;
  let micro: number;
  try {
    micro = toMicro(s, 'half-up');
  } catch {
    return `${field}: not a plain decimal`;
  }
  if (micro < 0 || micro > MICRO) return `${field}: price outside [0, 1]`;
  return micro;
}

function fromOutcomes(outcomes: unknown): { yes: unknown; no: unknown } | undefined {
  if (!Array.isArray(outcomes)) return undefined;
  const items = outcomes.filter((o): o is { label?: unknown; price?: unknown } => o !== null && typeof o === 'object');
  const byLabel = (label: string) =>
    items.find((o) => typeof o.label === 'string' && o.label.toLowerCase() === label)?.price;
  const yes = byLabel('yes');
  const no = byLabel('no');
  if (yes !== undefined && no !== undefined) return { yes, no };
  if (items.length === 2) return { yes: items[0]?.price, no: items[1]?.price };
  return undefined;
}

export function normalisePriceFrame(frame: PriceFrameInput, recvTsMs: number, connEpoch: number): NormaliseResult {
  const rawId = frame.market_id ?? frame.condition_id;
  if (typeof rawId !== 'string' || !MARKET_RE.test(rawId))
    return { ok: false, reason: 'market_id: missing or invalid' };
  const marketId = rawId.toLowerCase();

  const emit = frame.emit_ts_ms;
  if (typeof emit !== 'number' || !Number.isSafeInteger(emit) || emit <= 0) {
    return { ok: false, reason: 'emit_ts_ms: missing or not a positive integer' };
  }

  let yesRaw = frame.buy;
  let noRaw = frame.sell;
  if (yesRaw === undefined || yesRaw === null || noRaw === undefined || noRaw === null) {
    const alt = fromOutcomes(frame.outcomes);
    if (!alt) return { ok: false, reason: 'buy/sell missing and no usable outcomes[] prices' };
    yesRaw = alt.yes;
    noRaw = alt.no;
  }
  const yes = priceOf(yesRaw, 'buy');
  if (typeof yes === 'string') return { ok: false, reason: yes };
  const no = priceOf(noRaw, 'sell');
  if (typeof no === 'string') return { ok: false, reason: no };

  let bestBid: number | undefined;
  let bestAsk: number | undefined;
  if (frame.best_bid !== undefined && frame.best_bid !== null) {
    const r = priceOf(frame.best_bid, 'best_bid');
    if (typeof r === 'string') return { ok: false, reason: r };
    bestBid = r;
  }
  if (frame.best_ask !== undefined && frame.best_ask !== null) {
    const r = priceOf(frame.best_ask, 'best_ask');
    if (typeof r === 'string') return { ok: false, reason: r };
    bestAsk = r;
  }

  let source = 'unknown';
  if (frame.source !== undefined && frame.source !== null) {
    if (typeof frame.source !== 'string' || frame.source.length === 0 || frame.source.length > MAX_SOURCE) {
      return { ok: false, reason: 'source: expected a short string' };
    }
    source = frame.source;
  }
  const tradable = !(frame.closed === true || source.startsWith('updown_resolved_'));

  const tick: TickValue = {
    type: 'tick',
    market_id: marketId,
    yes,
    no,
    emit_ts_ms: emit,
    recv_ts_ms: recvTsMs,
    conn_epoch: connEpoch,
    source,
    tradable,
    key: tickKey({ market_id: marketId, emit_ts_ms: emit, yes, no, best_bid: bestBid, best_ask: bestAsk }),
  };
  if (bestBid !== undefined) tick.best_bid = bestBid;
  if (bestAsk !== undefined) tick.best_ask = bestAsk;
  return { ok: true, tick };
}
