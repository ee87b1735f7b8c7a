// Price feed fan-out: subscriptions per connection, one frame string per tick shared by all subscribers.
// Frames of one feed pass are framed by hand into one buffer per connection and written once: a server
// frame is unmasked and our frames are ASCII by construction, so this equals what ws would send, minus
// two socket writes and a Buffer per frame. Everything else (acks, pongs, snapshots) goes through ws.

import type { Socket } from 'node:net';
import type { Clock } from '@polybot/shared';
import type { WebSocket } from 'ws';
import type { Faults } from '../faults.js';
import type { FeedSink } from '../market/feed.js';
import { MAX_FRAME_BYTES, type MarketState } from '../market/market-state.js';
import type { SimStats } from '../stats.js';

export interface PriceConn {
  ws: WebSocket;
  socket: Socket | undefined;
  subs: Set<string>;
  userId: number;
  /** WS-framed bytes of the current feed pass, not yet written (handed to the socket at the end). */
  out: Buffer | undefined;
  outLen: number;
  /** Pass buffers the socket has finished writing, ready for reuse (no allocation per pass). */
  free: Buffer[];
  /** Size of the last pass, to size the next buffer without regrowing. */
  lastSize: number;
}

/** A client slower than this many buffered bytes misses frames instead of growing the heap. */
const MAX_BUFFERED = 8 * 1024 * 1024;
/** First size of a connection's per-pass buffer; it doubles when a pass needs more. */
const BATCH_START = 64 * 1024;

const MALFORMED = [
  (m: MarketState) => `{"type":"price","market_id":"${m.id}","buy":`,
  (m: MarketState) => `{"type":"price","market_id":"${m.id}","condition_id":"${m.id}","buy":0.5,"sell":"x"}`,
  (m: MarketState) => `{"type":"price","market_id":"${m.id}","buy":"NaN","sell":"-1","emit_ts_ms":"soon"}`,
  () => '{"type":"mystery","data":[1,2,3]}',
  () => '\u0000\u0001garbage',
];

export interface PriceHubDeps {
  markets: Map<string, MarketState>;
  faults: Faults;
  stats: SimStats;
  clock: Clock;
  maxSubscriptions: number;
  snapshotOnSubscribe: boolean;
}

export class PriceHub implements FeedSink {
  readonly conns = new Set<PriceConn>();
  readonly #d: PriceHubDeps;
  #dirty: PriceConn[] = [];
  readonly #scratch = Buffer.allocUnsafe(MAX_FRAME_BYTES);
  #malformedSeq = 0;

  constructor(deps: PriceHubDeps) {
    this.#d = deps;
  }

  add(ws: WebSocket, userId: number): PriceConn {
    const conn: PriceConn = {
      ws,
      socket: (ws as unknown as { _socket?: Socket })._socket,
      subs: new Set(),
      userId,
      out: undefined,
      outLen: 0,
      free: [],
      lastSize: 0,
    };
    this.conns.add(conn);
    ws.on('message', (data, isBinary) => this.#onMessage(conn, isBinary ? null : data.toString()));
    ws.on('close', () => this.remove(conn));
    return conn;
  }

  remove(conn: PriceConn): void {
    if (!this.conns.delete(conn)) return;
    for (const id of conn.subs) this.#d.markets.get(id)?.subscribers.delete(conn);
    conn.subs.clear();
  }

  beginBatch(): void {
    this.#dirty.length = 0;
  }

  onTick(m: MarketState): void {
    const subs = m.subscribers as Set<PriceConn>;
    if (subs.size === 0) return;
    const faults = this.#d.faults;
    if (faults.settings.stallFeeds) {
      this.#d.stats.faults.stalled_frames += subs.size;
      return;
    }
    // The frame is built only if some subscriber can take it (slow clients skip frames).
    let len = -1;
    for (const c of subs) {
      if (c.ws.readyState !== 1) continue;
      if (!c.socket) {
        this.#send(c, m, m.frame());
        continue;
      }
      if (c.socket.writableLength > MAX_BUFFERED) continue;
      if (faults.settings.malformedShare > 0 && faults.malformed()) {
        const bad = (MALFORMED[this.#malformedSeq++ % MALFORMED.length] as (m: MarketState) => string)(m);
        this.#d.stats.faults.malformed_frames++;
        const b = Buffer.from(bad, 'latin1');
        this.#append(c, b, b.length);
        continue;
      }
      if (len < 0) len = m.writeFrame(this.#scratch, 0);
      this.#append(c, this.#scratch, len);
      this.#d.stats.ws.frames_sent++;
    }
  }

  /** Appends one unmasked text frame carrying src[0, len) to the connection's pass buffer. */
  #append(c: PriceConn, src: Buffer, len: number): void {
    let out = c.out;
    if (!out) {
      const want = Math.max(BATCH_START, c.lastSize + (c.lastSize >>> 2), len + 4);
      const reuse = c.free.pop();
      out = reuse !== undefined && reuse.length >= want ? reuse : Buffer.allocUnsafe(want);
      c.out = out;
      c.outLen = 0;
      this.#dirty.push(c);
    } else if (c.outLen + len + 4 > out.length) {
      const grown = Buffer.allocUnsafe(Math.max(out.length * 2, c.outLen + len + 4));
      out.copy(grown, 0, 0, c.outLen);
      out = grown;
      c.out = out;
    }
    let o = c.outLen;
    out[o++] = 0x81; // FIN + text
    if (len < 126) {
      out[o++] = len;
    } else {
      // Frames stay far below 64 KiB, so the 16-bit length form is enough.
      out[o++] = 126;
      out[o++] = len >>> 8;
      out[o++] = len & 0xff;
    }
    o += src.copy(out, o, 0, len);
    c.outLen = o;
  }

  endBatch(): void {
    for (const c of this.#dirty) {
      const out = c.out;
      const socket = c.socket;
      if (out && socket && c.ws.readyState === 1 && !socket.destroyed) {
        c.lastSize = c.outLen;
        socket.write(out.subarray(0, c.outLen), () => {
          if (c.free.length < 4) c.free.push(out);
        });
      }
      c.out = undefined;
      c.outLen = 0;
    }
    this.#dirty.length = 0;
  }

  /** Sends one frame through ws (snapshots, and sockets without a raw handle). */
  #send(c: PriceConn, m: MarketState, frame: string): void {
    if (c.ws.readyState !== 1 || c.ws.bufferedAmount > MAX_BUFFERED) return;
    if (this.#d.faults.settings.malformedShare > 0 && this.#d.faults.malformed()) {
      const f = MALFORMED[this.#malformedSeq++ % MALFORMED.length] as (m: MarketState) => string;
      c.ws.send(f(m));
      this.#d.stats.faults.malformed_frames++;
      return;
    }
    c.ws.send(frame);
    this.#d.stats.ws.frames_sent++;
  }

  #reply(c: PriceConn, obj: unknown): void {
    if (c.ws.readyState === 1) c.ws.send(JSON.stringify(obj));
  }

  #error(c: PriceConn, message: string): void {
    this.#reply(c, { type: 'error', message });
  }

  #onMessage(c: PriceConn, text: string | null): void {
    let msg: unknown;
    try {
      msg = text === null ? undefined : JSON.parse(text);
    } catch {
      msg = undefined;
    }
    if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
      this.#error(c, 'Invalid JSON');
      return;
    }
    const o = msg as Record<string, unknown>;
    const rawOp = o.action ?? o.type;
    const op = typeof rawOp === 'string' ? rawOp.toLowerCase() : undefined;
    if (op === 'ping') {
      this.#reply(c, { type: 'pong', ts: Math.floor(this.#d.clock.now()) });
      return;
    }
    if (op !== 'subscribe' && op !== 'unsubscribe') {
      this.#error(c, `Unknown action: '${String(rawOp).slice(0, 64)}'. Expected one of: subscribe, unsubscribe, ping`);
      return;
    }
    if ('assets_ids' in o) {
      this.#error(
        c,
        "'assets_ids' carries token IDs and is not a valid subscribe field — this feed is keyed by condition id. Pass 'markets' (PolySim) or 'conditions' (PM) with condition ids",
      );
      return;
    }
    const list = o.markets ?? o.conditions;
    if (list === undefined) {
      this.#reply(c, { type: 'subscribed', markets: [...c.subs] });
      return;
    }
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string' && x.length <= 256)) {
      this.#error(c, "'markets' must be a list (accepted aliases: markets, conditions)");
      return;
    }
    const ids = list as string[];
    if (op === 'unsubscribe') {
      for (const id of ids) {
        c.subs.delete(id);
        this.#d.markets.get(id)?.subscribers.delete(c);
      }
      this.#reply(c, { type: 'subscribed', markets: [...c.subs] });
      return;
    }
    const fresh = [...new Set(ids)].filter((id) => !c.subs.has(id));
    if (c.subs.size + fresh.length > this.#d.maxSubscriptions) {
      this.#error(
        c,
        `Subscription limit exceeded: at most ${this.#d.maxSubscriptions} markets per connection (nothing was added)`,
      );
      return;
    }
    for (const id of fresh) {
      c.subs.add(id);
      this.#d.markets.get(id)?.subscribers.add(c);
    }
    this.#reply(c, { type: 'subscribed', markets: [...c.subs] });
    if (this.#d.snapshotOnSubscribe && !this.#d.faults.settings.stallFeeds) {
      for (const id of fresh) {
        const m = this.#d.markets.get(id);
        if (m?.active) this.#send(c, m, m.frame());
      }
    }
  }
}
