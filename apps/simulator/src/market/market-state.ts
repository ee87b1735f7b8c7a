// One market's live state: the seeded price process, its book at the current step, volume, and the
// price frame, built once per tick from precomputed pieces and shared by every subscriber.

import {
  type Book,
  buildBook,
  complementBook,
  fmtFixed,
  fmtPrice,
  hash32,
  type MarketSpec,
  PriceModel,
  touchGaps,
} from '@polybot/exchange';
import { MICRO, type Micro } from '@polybot/shared';

export type OutcomeLabel = 'Yes' | 'No';

// All ticks of one feed pass share a timestamp, so its byte forms are made once per distinct ms.
let stampMs = Number.NaN;
let stampEmit: Buffer = Buffer.alloc(0);
let stampIso: Buffer = Buffer.alloc(0);
function stamp(ms: number): void {
  if (ms === stampMs) return;
  stampMs = ms;
  stampEmit = Buffer.from(String(Math.floor(ms)), 'latin1');
  stampIso = Buffer.from(`${new Date(ms).toISOString().slice(0, -1)}+00:00`, 'latin1');
}

const priceBytes = new Map<number, Buffer>();
function priceBuf(units: Micro): Buffer {
  let b = priceBytes.get(units);
  if (!b) {
    b = Buffer.from(fmtPrice(units), 'latin1');
    if (priceBytes.size < 100_000) priceBytes.set(units, b);
  }
  return b;
}

const lit = (s: string) => Buffer.from(s, 'latin1');
const K_SELL = lit('","sell":"');
const K_BID = lit('","best_bid":"');
const K_ASK = lit('","best_ask":"');
const K_LAST = lit('","last_trade":"');
const K_VOLUME = lit('","volume":"');
const K_YES_PRICE = lit('","outcomes":[{"label":"Yes","price":"');
const K_NO_PRICE = lit('"},{"label":"No","price":"');
const K_UPDATED = lit(',"updated_at":"');
const K_END = lit('"}');

/** Upper bound of a price frame's size in bytes. */
export const MAX_FRAME_BYTES = 2048;

export class MarketState {
  readonly spec: MarketSpec;
  readonly id: string;
  readonly model: PriceModel;
  /** Ticks since the simulator started. */
  seq = 0;
  yes: Micro;
  volume: Micro;
  lastTrade: Micro;
  updatedMs: number;
  /** Open price connections subscribed to this market (owned by the price hub). */
  readonly subscribers = new Set<unknown>();
  readonly #head: Buffer;
  readonly #yesTokenTail: Buffer;
  readonly #noTokenTail: Buffer;
  readonly #yesToken: string;
  readonly #noToken: string;
  #bookSeq = -1;
  #yesBook: Book | undefined;
  #noBook: Book | undefined;

  constructor(spec: MarketSpec, startMs: number) {
    this.spec = spec;
    this.id = spec.conditionId;
    this.model = new PriceModel(spec.seed, spec.price);
    this.yes = this.model.price;
    this.lastTrade = this.yes;
    this.volume = spec.baseVolume;
    this.updatedMs = startMs;
    this.#head = lit(`{"type":"price","market_id":"${spec.conditionId}","condition_id":"${spec.conditionId}","buy":"`);
    this.#yesToken = spec.tokenIds[0];
    this.#noToken = spec.tokenIds[1];
    this.#yesTokenTail = lit(`","token_id":"${this.#yesToken}`);
    this.#noTokenTail = lit(
      `","token_id":"${this.#noToken}"}],"active":${!spec.closed},"closed":${spec.closed},"source":"websocket","emit_ts_ms":`,
    );
  }

  get no(): Micro {
    return MICRO - this.yes;
  }

  get active(): boolean {
    return !this.spec.closed;
  }

  #gapSeq = -1;
  #bidGap = 1;
  #askGap = 1;

  #gaps(): void {
    if (this.#gapSeq === this.seq) return;
    const g = touchGaps(this.spec.bookSeed, this.seq);
    this.#bidGap = g.bidGap;
    this.#askGap = g.askGap;
    this.#gapSeq = this.seq;
  }

  /** Best bid / ask of the Yes book at the current step (undefined when that side is empty). */
  get bestBid(): Micro | undefined {
    this.#gaps();
    const p = this.yes - this.#bidGap * this.spec.tick;
    return p > 0 ? p : undefined;
  }

  get bestAsk(): Micro | undefined {
    this.#gaps();
    const p = this.yes + this.#askGap * this.spec.tick;
    return p < MICRO ? p : undefined;
  }

  /** Advances one step of the price process. */
  step(nowMs: number): void {
    this.seq++;
    this.yes = this.model.step();
    const h = hash32(this.spec.bookSeed, this.seq, 7);
    this.lastTrade = h & 1 ? (this.bestAsk ?? this.yes) : (this.bestBid ?? this.yes);
    this.volume += (h % 20_000) * 10_000;
    this.updatedMs = nowMs;
  }

  /** Pins the Yes price (tests, demos); the next step continues the walk from here. */
  setPrice(yes: Micro, nowMs: number): void {
    this.model.set(yes);
    this.yes = yes;
    this.lastTrade = yes;
    this.updatedMs = nowMs;
    this.#bookSeq = -1;
  }

  /** The book of `outcome` at the current step, best first on both sides. */
  book(outcome: OutcomeLabel): Book {
    if (this.#bookSeq !== this.seq || !this.#yesBook) {
      this.#yesBook = buildBook(this.yes, this.spec.tick, this.spec.bookSeed, this.seq);
      this.#noBook = undefined;
      this.#bookSeq = this.seq;
    }
    if (outcome === 'Yes') return this.#yesBook;
    this.#noBook ??= complementBook(this.#yesBook);
    return this.#noBook;
  }

  price(outcome: OutcomeLabel): Micro {
    return outcome === 'Yes' ? this.yes : this.no;
  }

  tokenId(outcome: OutcomeLabel): string {
    return outcome === 'Yes' ? this.#yesToken : this.#noToken;
  }

  /**
   * Writes the flat price frame of polysim-api.md §3 (ASCII JSON) into `dst` at `off` from pre-encoded
   * pieces, and returns the end offset. `dst` needs MAX_FRAME_BYTES free from `off`.
   */
  writeFrame(dst: Buffer, off: number): number {
    stamp(this.updatedMs);
    const yes = priceBuf(this.yes);
    const no = priceBuf(this.no);
    const bid = this.bestBid;
    const ask = this.bestAsk;
    let o = off;
    o += this.#head.copy(dst, o);
    o += yes.copy(dst, o);
    o += K_SELL.copy(dst, o);
    o += no.copy(dst, o);
    if (bid !== undefined) {
      o += K_BID.copy(dst, o);
      o += priceBuf(bid).copy(dst, o);
    }
    if (ask !== undefined) {
      o += K_ASK.copy(dst, o);
      o += priceBuf(ask).copy(dst, o);
    }
    o += K_LAST.copy(dst, o);
    o += priceBuf(this.lastTrade).copy(dst, o);
    o += K_VOLUME.copy(dst, o);
    o += dst.write(fmtFixed(this.volume, 2), o, 'latin1');
    o += K_YES_PRICE.copy(dst, o);
    o += yes.copy(dst, o);
    o += this.#yesTokenTail.copy(dst, o);
    o += K_NO_PRICE.copy(dst, o);
    o += no.copy(dst, o);
    o += this.#noTokenTail.copy(dst, o);
    o += stampEmit.copy(dst, o);
    o += K_UPDATED.copy(dst, o);
    o += stampIso.copy(dst, o);
    o += K_END.copy(dst, o);
    return o;
  }

  /** The price frame as a string (snapshots and tests; the feed uses writeFrame). */
  frame(): string {
    const buf = Buffer.allocUnsafe(MAX_FRAME_BYTES);
    return buf.toString('latin1', 0, this.writeFrame(buf, 0));
  }

  /** live_price of the REST market item. */
  livePrice() {
    const yes = fmtPrice(this.yes);
    const no = fmtPrice(this.no);
    return {
      buy: yes,
      sell: no,
      volume: fmtFixed(this.volume, 2),
      outcomes: [
        { label: 'Yes', price: yes, token_id: this.#yesToken },
        { label: 'No', price: no, token_id: this.#noToken },
      ],
      updated_at: `${new Date(this.updatedMs).toISOString().slice(0, -1)}+00:00`,
      source: 'websocket',
    };
  }
}
