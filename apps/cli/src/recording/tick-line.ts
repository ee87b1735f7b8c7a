// The recording reader's hot path: decodes one line holding a Tick in the writer's canonical form straight
// from the gunzipped bytes, without JSON.parse or zod. The slow path (JSON.parse, the reader's checks and the
// Tick contract) stays the authority: this takes only lines it decodes exactly as the slow path would and
// returns undefined for everything else — every error and every unusual-but-valid form (whitespace, escapes,
// non-ASCII, unknown or repeated fields, signs, long numbers, gaps, the end line) — and the caller then runs
// the slow path, which accepts or names the problem. tick-line.test.ts holds the two paths side by side.
//
// Each field parser reads from the first byte of its value and returns the position of the closing quote
// (-1: not canonical), leaving the value in #n or #s; nothing is allocated but the Tick and its key string.

import type { Tick } from '@polybot/shared';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const DOT = 0x2e;
const D0 = 0x30;
const D1 = 0x31;
const D9 = 0x39;

// One bit per Tick field: a field seen twice (JSON.parse keeps the last) goes to the slow path.
const F_V = 1;
const F_TYPE = 1 << 1;
const F_MARKET = 1 << 2;
const F_YES = 1 << 3;
const F_NO = 1 << 4;
const F_BID = 1 << 5;
const F_ASK = 1 << 6;
const F_EMIT = 1 << 7;
const F_RECV = 1 << 8;
const F_EPOCH = 1 << 9;
const F_SOURCE = 1 << 10;
const F_TRADABLE = 1 << 11;
const F_KEY = 1 << 12;
const REQUIRED = (1 << 13) - 1 - F_BID - F_ASK;

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
// A field name as it follows the opening quote: name, closing quote, colon, the value's opening quote.
const N_V = ascii('v":"');
const N_TYPE = ascii('type":"');
const N_TRADABLE = ascii('tradable":"');
const N_MARKET = ascii('market_id":"');
const N_YES = ascii('yes":"');
const N_NO = ascii('no":"');
const N_BID = ascii('best_bid":"');
const N_ASK = ascii('best_ask":"');
const N_EMIT = ascii('emit_ts_ms":"');
const N_RECV = ascii('recv_ts_ms":"');
const N_EPOCH = ascii('conn_epoch":"');
const N_SOURCE = ascii('source":"');
const N_KEY = ascii('key":"');
const TICK = ascii('tick"');

/** 10^k for the fraction digits of a timestamp (exact doubles). */
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
/** Micro-units of one unit in the n-th (1-based) fraction digit of a price. */
const PRICE_SCALE = [0, 100_000, 10_000, 1_000, 100, 10, 1];

/** `bytes` at `pos` of `buf`. Callers keep `pos + bytes.length` inside the line (every name ends in `"`). */
function at(buf: Uint8Array, pos: number, bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (buf[pos + i] !== bytes[i]) return false;
  return true;
}

const isHex = (c: number) => (c >= D0 && c <= D9) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

interface Interned {
  bytes: Uint8Array;
  text: string;
}

/**
 * Decodes canonical tick lines. It keeps one copy of each market id and source string it has seen (a
 * recording repeats a few dozen of them a million times), so decoded ticks share them.
 */
export class TickLineDecoder {
  /** Market ids by their first 6 hex digits (a cache: an id that collides is decoded, not kept). */
  readonly #markets = new Map<number, Interned>();
  #source: Interned = { bytes: new Uint8Array(0), text: '' };
  /** The value the last field parser read. */
  #n = 0;
  #s = '';

  /** The Tick on bytes [start, end) of `buf` (no newline), or undefined: run the slow path. */
  decode(buf: Buffer, start: number, end: number): Tick | undefined {
    if (end - start < 2 || buf[start] !== LBRACE || buf[end - 1] !== RBRACE) return undefined;
    let seen = 0;
    let v = 0;
    let market = '';
    let yes = 0;
    let no = 0;
    let bid = -1;
    let ask = -1;
    let emit = 0;
    let recv = 0;
    let epoch = 0;
    let source = '';
    let tradable = false;
    let key = '';
    let i = start + 1;
    for (;;) {
      if (buf[i] !== QUOTE) return undefined;
      i++;
      let f = 0;
      let q = -1;
      switch (buf[i]) {
        case 0x76: // v
          if (!at(buf, i, N_V)) return undefined;
          f = F_V;
          q = this.#int(buf, i + N_V.length, end);
          v = this.#n;
          break;
        case 0x74: // type, tradable
          if (at(buf, i, N_TYPE)) {
            f = F_TYPE;
            q = at(buf, i + N_TYPE.length, TICK) ? i + N_TYPE.length + 4 : -1;
          } else if (at(buf, i, N_TRADABLE)) {
            f = F_TRADABLE;
            const p = i + N_TRADABLE.length;
            const c = buf[p];
            q = (c === D0 || c === D1) && buf[p + 1] === QUOTE ? p + 1 : -1;
            tradable = c === D1;
          } else return undefined;
          break;
        case 0x6d: // market_id
          if (!at(buf, i, N_MARKET)) return undefined;
          f = F_MARKET;
          q = this.#market(buf, i + N_MARKET.length, end);
          market = this.#s;
          break;
        case 0x79: // yes
          if (!at(buf, i, N_YES)) return undefined;
          f = F_YES;
          q = this.#price(buf, i + N_YES.length);
          yes = this.#n;
          break;
        case 0x6e: // no
          if (!at(buf, i, N_NO)) return undefined;
          f = F_NO;
          q = this.#price(buf, i + N_NO.length);
          no = this.#n;
          break;
        case 0x62: // best_bid, best_ask
          if (at(buf, i, N_BID)) {
            f = F_BID;
            q = this.#price(buf, i + N_BID.length);
            bid = this.#n;
          } else if (at(buf, i, N_ASK)) {
            f = F_ASK;
            q = this.#price(buf, i + N_ASK.length);
            ask = this.#n;
          } else return undefined;
          break;
        case 0x65: // emit_ts_ms
          if (!at(buf, i, N_EMIT)) return undefined;
          f = F_EMIT;
          q = this.#int(buf, i + N_EMIT.length, end);
          emit = this.#n;
          break;
        case 0x72: // recv_ts_ms
          if (!at(buf, i, N_RECV)) return undefined;
          f = F_RECV;
          q = this.#timestamp(buf, i + N_RECV.length, end);
          recv = this.#n;
          break;
        case 0x63: // conn_epoch
          if (!at(buf, i, N_EPOCH)) return undefined;
          f = F_EPOCH;
          q = this.#int(buf, i + N_EPOCH.length, end);
          epoch = this.#n;
          break;
        case 0x73: // source
          if (!at(buf, i, N_SOURCE)) return undefined;
          f = F_SOURCE;
          q = this.#sourceAt(buf, i + N_SOURCE.length, end);
          source = this.#s;
          break;
        case 0x6b: // key
          if (!at(buf, i, N_KEY)) return undefined;
          f = F_KEY;
          q = this.#string(buf, i + N_KEY.length, end, 256);
          if (q >= 0) key = buf.toString('latin1', i + N_KEY.length, q);
          break;
        default:
          return undefined;
      }
      if (q < 0 || (seen & f) !== 0) return undefined;
      seen |= f;
      i = q + 1;
      if (buf[i] === COMMA) {
        i++;
        continue;
      }
      if (i === end - 1) break; // the closing brace, checked above
      return undefined;
    }
    if ((seen & REQUIRED) !== REQUIRED) return undefined;
    const t: Tick = {
      v,
      type: 'tick',
      market_id: market,
      yes,
      no,
      emit_ts_ms: emit,
      recv_ts_ms: recv,
      conn_epoch: epoch,
      source,
      tradable,
      key,
    };
    if (bid >= 0) t.best_bid = bid;
    if (ask >= 0) t.best_ask = ask;
    return t;
  }

  /** 1–15 plain digits: always a safe integer, as the contract's `int` demands. */
  #int(buf: Uint8Array, p: number, end: number): number {
    let v = 0;
    let j = p;
    while (j < end) {
      const c = buf[j] as number;
      if (c < D0 || c > D9) break;
      v = v * 10 + (c - D0);
      j++;
    }
    this.#n = v;
    return j > p && j - p <= 15 && buf[j] === QUOTE ? j : -1;
  }

  /**
   * A timestamp the contract's `num` takes (/^-?\d{1,16}(\.\d{1,9})?$/ then Number), here without a sign and
   * with its digits together a safe integer N: then N / 10^k is the double Number() gives (one correctly
   * rounded division of two exact doubles).
   */
  #timestamp(buf: Uint8Array, p: number, end: number): number {
    let v = 0;
    let j = p;
    while (j < end) {
      const c = buf[j] as number;
      if (c < D0 || c > D9) break;
      v = v * 10 + (c - D0);
      j++;
    }
    const whole = j - p;
    if (whole < 1 || whole > 16) return -1;
    let frac = 0;
    if (buf[j] === DOT) {
      const f0 = ++j;
      while (j < end) {
        const c = buf[j] as number;
        if (c < D0 || c > D9) break;
        v = v * 10 + (c - D0);
        j++;
      }
      frac = j - f0;
      if (frac < 1 || frac > 9) return -1;
    }
    if (buf[j] !== QUOTE || v > Number.MAX_SAFE_INTEGER) return -1;
    this.#n = frac > 0 ? v / (POW10[frac] as number) : v;
    return j;
  }

  /** A price the contract's `price` takes, in canonical form ("0", "1", "0.x" with ≤ 6 places, ≤ 1). */
  #price(buf: Uint8Array, p: number): number {
    const first = buf[p];
    if (first !== D0 && first !== D1) return -1;
    let v = first === D1 ? 1_000_000 : 0;
    let j = p + 1;
    if (buf[j] === DOT) {
      j++;
      let f = 0;
      let n = 0;
      while (n < 7) {
        const c = buf[j] as number;
        if (c < D0 || c > D9) break;
        f = f * 10 + (c - D0);
        j++;
        n++;
      }
      if (n < 1 || n > 6) return -1;
      v += f * (PRICE_SCALE[n] as number);
    }
    this.#n = v;
    return buf[j] === QUOTE && v <= 1_000_000 ? j : -1;
  }

  /** A string of printable ASCII without escapes, 1–max characters, or -1. */
  #string(buf: Uint8Array, p: number, end: number, max: number): number {
    let j = p;
    for (;;) {
      if (j >= end) return -1;
      const c = buf[j] as number;
      if (c === QUOTE) break;
      if (c === BACKSLASH || c < 0x20 || c > 0x7e) return -1;
      j++;
    }
    return j > p && j - p <= max ? j : -1;
  }

  /** The source (1–64 characters), the previous line's string when it is the same. */
  #sourceAt(buf: Buffer, p: number, end: number): number {
    const known = this.#source;
    const n = known.bytes.length;
    if (n > 0 && p + n < end && buf[p + n] === QUOTE && at(buf, p, known.bytes)) {
      this.#s = known.text;
      return p + n;
    }
    const q = this.#string(buf, p, end, 64);
    if (q < 0) return -1;
    const bytes = buf.subarray(p, q);
    this.#source = { bytes: Uint8Array.from(bytes), text: buf.toString('latin1', p, q) };
    this.#s = this.#source.text;
    return q;
  }

  /** The market id ("0x" + 64 hex digits), one shared string per id. */
  #market(buf: Buffer, p: number, end: number): number {
    const q = p + 66;
    if (q >= end || buf[q] !== QUOTE) return -1;
    const slot = (buf[p + 2] as number) | ((buf[p + 3] as number) << 8) | ((buf[p + 4] as number) << 16);
    const known = this.#markets.get(slot);
    if (known !== undefined && at(buf, p, known.bytes)) {
      this.#s = known.text;
      return q;
    }
    if (buf[p] !== D0 || buf[p + 1] !== 0x78) return -1;
    for (let j = p + 2; j < q; j++) if (!isHex(buf[j] as number)) return -1;
    const text = buf.toString('latin1', p, q);
    if (known === undefined && this.#markets.size < 65_536) {
      this.#markets.set(slot, { bytes: Uint8Array.from(buf.subarray(p, q)), text });
    }
    this.#s = text;
    return q;
  }
}
