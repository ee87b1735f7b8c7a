// The hot path's tick decoder. The zod contract (TickContract) stays the authority: this only accepts the
// canonical encoding the ingestor writes (plain decimals, no sign, ≤ 6 places) and returns exactly what the
// contract would; anything else — every error and every unusual-but-valid form — goes to the contract.
// About 10x faster than the zod codec, which is what lets one worker (or a backtest) keep up with a busy
// partition.

import type { DecodeError } from '../errors/polybot-error.js';
import type { WireFields } from './contract.js';
import type { Gap, Tick } from './tick.js';
import { decodeTickStreamEntry } from './tick-stream.js';

const INT_RE = /^-?\d{1,16}$/;
const NUM_RE = /^-?\d{1,16}(?:\.\d{1,9})?$/;
const MARKET_RE = /^0x[0-9a-fA-F]{64}$/;
const KNOWN = new Set([
  'v',
  'type',
  'market_id',
  'yes',
  'no',
  'best_bid',
  'best_ask',
  'emit_ts_ms',
  'recv_ts_ms',
  'conn_epoch',
  'source',
  'tradable',
  'key',
]);

/** A canonical price in [0, 1] as micro-units, or -1 when it is not in canonical form. */
function price(s: string | undefined): number {
  // By character codes, as /^([01])(?:\.(\d{1,6}))?$/ reads it: '0' or '1', then '.' and 1–6 digits.
  if (s === undefined) return -1;
  const n = s.length;
  if (n === 0 || n === 2 || n > 8) return -1;
  const head = s.charCodeAt(0) - 48;
  if (head !== 0 && head !== 1) return -1;
  if (n === 1) return head * 1_000_000;
  if (s.charCodeAt(1) !== 46) return -1;
  let frac = 0;
  for (let i = 2; i < 8; i++) {
    let d = 0;
    if (i < n) {
      d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return -1;
    }
    frac = frac * 10 + d;
  }
  const v = head * 1_000_000 + frac;
  return v <= 1_000_000 ? v : -1;
}

/** An integer the contract's `int` takes: its regex, and a safe integer (z.int()); undefined otherwise. */
function int(s: string | undefined): number | undefined {
  if (s === undefined || !INT_RE.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The string fields a tick is decoded from (a WireFields record, or the locals of a flat field list). */
interface TickParts {
  v?: string | undefined;
  type?: string | undefined;
  market_id?: string | undefined;
  yes?: string | undefined;
  no?: string | undefined;
  best_bid?: string | undefined;
  best_ask?: string | undefined;
  emit_ts_ms?: string | undefined;
  recv_ts_ms?: string | undefined;
  conn_epoch?: string | undefined;
  source?: string | undefined;
  tradable?: string | undefined;
  key?: string | undefined;
}

/** The known fields of a canonical tick, decoded; undefined when it needs the full contract. */
function known(f: TickParts): Record<string, unknown> | undefined {
  if (f.type !== 'tick') return undefined;
  const v = int(f.v);
  const emit = int(f.emit_ts_ms);
  const epoch = int(f.conn_epoch);
  const recv = f.recv_ts_ms;
  const yes = price(f.yes);
  const no = price(f.no);
  const { market_id: market, source, key, tradable } = f;
  if (v === undefined || emit === undefined || epoch === undefined || yes < 0 || no < 0) return undefined;
  if (recv === undefined || !NUM_RE.test(recv)) return undefined;
  if (market === undefined || !MARKET_RE.test(market)) return undefined;
  if (source === undefined || source.length < 1 || source.length > 64) return undefined;
  if (key === undefined || key.length < 1 || key.length > 256) return undefined;
  if (tradable !== '0' && tradable !== '1') return undefined;
  const out: Record<string, unknown> = {
    v,
    type: 'tick',
    market_id: market,
    yes,
    no,
    emit_ts_ms: emit,
    recv_ts_ms: Number(recv),
    conn_epoch: epoch,
    source,
    tradable: tradable === '1',
    key,
  };
  if (f.best_bid !== undefined) {
    const b = price(f.best_bid);
    if (b < 0) return undefined;
    out.best_bid = b;
  }
  if (f.best_ask !== undefined) {
    const a = price(f.best_ask);
    if (a < 0) return undefined;
    out.best_ask = a;
  }
  return out;
}

/** Decodes a canonical Tick without zod; undefined when the entry needs the full contract. */
export function fastDecodeTick(f: WireFields): Tick | undefined {
  const out = known(f);
  if (out === undefined) return undefined;
  for (const k in f) if (!KNOWN.has(k)) out[k] = f[k];
  return out as Tick;
}

/**
 * fastDecodeTick over a stream entry's flat `[field, value, …]` list as the reply holds it, without building
 * the record first: the same Tick (same fields, same order), or undefined when the entry needs the record
 * and the contract (anything not canonical, a gap, a list that is not all strings).
 */
export function fastDecodeTickFlat(flat: readonly unknown[]): Tick | undefined {
  if (flat.length % 2 !== 0) return undefined;
  const p: TickParts = {
    v: undefined,
    type: undefined,
    market_id: undefined,
    yes: undefined,
    no: undefined,
    best_bid: undefined,
    best_ask: undefined,
    emit_ts_ms: undefined,
    recv_ts_ms: undefined,
    conn_epoch: undefined,
    source: undefined,
    tradable: undefined,
    key: undefined,
  };
  let extra: string[] | undefined;
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i];
    const value = flat[i + 1];
    if (typeof name !== 'string' || typeof value !== 'string') return undefined;
    switch (name) {
      case 'v':
        p.v = value;
        break;
      case 'type':
        p.type = value;
        break;
      case 'market_id':
        p.market_id = value;
        break;
      case 'yes':
        p.yes = value;
        break;
      case 'no':
        p.no = value;
        break;
      case 'best_bid':
        p.best_bid = value;
        break;
      case 'best_ask':
        p.best_ask = value;
        break;
      case 'emit_ts_ms':
        p.emit_ts_ms = value;
        break;
      case 'recv_ts_ms':
        p.recv_ts_ms = value;
        break;
      case 'conn_epoch':
        p.conn_epoch = value;
        break;
      case 'source':
        p.source = value;
        break;
      case 'tradable':
        p.tradable = value;
        break;
      case 'key':
        p.key = value;
        break;
      default:
        if (extra === undefined) extra = [name, value];
        else extra.push(name, value);
    }
  }
  const out = known(p);
  if (out === undefined) return undefined;
  if (extra) {
    // As the record would hold them: a repeated name keeps its first place and its last value.
    for (let i = 0; i < extra.length; i += 2) out[extra[i] as string] = extra[i + 1];
  }
  return out as Tick;
}

/** decodeTickStreamEntry with the fast path first. */
export function decodeTickStreamEntryFast(
  fields: WireFields,
): { ok: true; value: Tick | Gap } | { ok: false; error: DecodeError } {
  const fast = fastDecodeTick(fields);
  return fast ? { ok: true, value: fast } : decodeTickStreamEntry(fields);
}
