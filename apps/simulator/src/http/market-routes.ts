// Market data: GET /v1/markets, /v1/markets/{cid}, /v1/markets/{cid}/book.

import { fmt, fmtFixed, fmtPrice, toWireLevels } from '@polybot/exchange';
import { fnv1a32Hex, MICRO } from '@polybot/shared';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SimContext } from '../context.js';
import { badRequest, notFound, validation } from '../errors.js';
import type { MarketState, OutcomeLabel } from '../market/market-state.js';
import { authenticate } from './auth.js';

const boolish = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  active_only: boolish.optional(),
  hot_only: boolish.optional(),
  category: z.string().max(64).optional(),
  q: z.string().max(200).optional(),
  envelope: boolish.optional(),
  /** Base64 of the next offset, as returned in `next_cursor` ("LTE=" = -1 = end). */
  cursor: z.string().max(64).optional(),
});

const BookQuery = z.object({
  outcome: z.string().max(16).optional(),
  depth: z.coerce.number().int().min(1).max(500).optional(),
});

export function parseQuery<T extends z.ZodType>(schema: T, q: unknown): z.output<T> {
  const r = schema.safeParse(q ?? {});
  if (!r.success) {
    const i = r.error.issues[0];
    throw validation(`invalid query parameter ${i?.path.join('.') ?? ''}: ${i?.message ?? 'invalid'}`);
  }
  return r.data;
}

const HOT = 5_000 * MICRO;

export function marketItem(m: MarketState) {
  const s = m.spec;
  return {
    condition_id: s.conditionId,
    slug: s.slug,
    question: s.question,
    outcomes: ['Yes', 'No'],
    active: m.active,
    closed: s.closed,
    is_hot: m.volume > HOT,
    image_url: null,
    category: s.category,
    clob_token_ids: [s.tokenIds[0], s.tokenIds[1]],
    volume_24h: fmtFixed(Math.round(s.baseVolume / 7) + (m.volume - s.baseVolume), 2),
    volume_total: fmtFixed(m.volume, 2),
    last_price: fmtPrice(m.lastTrade),
    live_price: m.livePrice(),
  };
}

export function findMarket(ctx: SimContext, cid: string): MarketState {
  const m = ctx.markets.get(cid) ?? ctx.markets.get(cid.toLowerCase());
  if (!m) throw notFound('MARKET_NOT_FOUND', 'Market not found');
  return m;
}

function outcomeOf(raw: string | undefined): OutcomeLabel {
  const o = (raw ?? 'Yes').toLowerCase();
  if (o === 'yes') return 'Yes';
  if (o === 'no') return 'No';
  throw badRequest('INVALID_OUTCOME', 'Unknown outcome for this market (Yes or No)');
}

export function bookBody(ctx: SimContext, m: MarketState, outcome: OutcomeLabel, depth?: number) {
  const book = m.book(outcome);
  const bid = book.bids[0]?.price;
  const ask = book.asks[0]?.price;
  const token = m.tokenId(outcome);
  const ts = Math.floor(ctx.clock.now());
  return {
    token_id: token,
    market: m.id,
    asset_id: token,
    hash: fnv1a32Hex(`${m.id}/${outcome}/${m.seq}`),
    bids: toWireLevels(book.bids, depth),
    asks: toWireLevels(book.asks, depth),
    min_order_size: '5',
    tick_size: fmt(m.spec.tick),
    neg_risk: false,
    last_trade_price: fmtPrice(outcome === 'Yes' ? m.lastTrade : MICRO - m.lastTrade),
    mid: bid !== undefined && ask !== undefined ? fmt(Math.round((bid + ask) / 2)) : fmtPrice(m.price(outcome)),
    spread: bid !== undefined && ask !== undefined ? fmt(Math.min(ask - bid, 100_000)) : '0.1',
    timestamp: String(ts),
  };
}

export function registerMarketRoutes(app: FastifyInstance, ctx: SimContext): void {
  app.get('/v1/markets', async (req, reply) => {
    authenticate(ctx, req, reply);
    const q = parseQuery(ListQuery, req.query);
    const needle = q.q?.toLowerCase();
    const matches = ctx.marketList.filter(
      (m) =>
        (!q.active_only || m.active) &&
        (!q.hot_only || m.volume > HOT) &&
        (q.category === undefined || m.spec.category === q.category) &&
        (needle === undefined ||
          m.spec.question.toLowerCase().includes(needle) ||
          m.spec.slug.includes(needle) ||
          m.id === needle),
    );
    let offset = q.offset;
    if (q.cursor !== undefined) {
      const decoded = Number(Buffer.from(q.cursor, 'base64').toString('utf8'));
      if (!Number.isInteger(decoded) || decoded < -1) throw validation('invalid cursor');
      offset = decoded < 0 ? matches.length : decoded;
    }
    const page = matches.slice(offset, offset + q.limit).map(marketItem);
    if (!q.envelope) return page;
    const next = offset + q.limit < matches.length ? offset + q.limit : -1;
    return { data: page, next_cursor: Buffer.from(String(next)).toString('base64') };
  });

  app.get<{ Params: { cid: string }; Querystring: { include_book?: string } }>(
    '/v1/markets/:cid',
    async (req, reply) => {
      authenticate(ctx, req, reply);
      const m = findMarket(ctx, req.params.cid);
      const s = m.spec;
      const withBook = req.query.include_book === 'true' || req.query.include_book === '1';
      return {
        ...marketItem(m),
        event_group_id: null,
        event_title: s.question,
        end_date: s.endDate,
        resolved_outcome: null,
        archived: false,
        archived_at: null,
        tokens: (['Yes', 'No'] as const).map((o) => ({
          token_id: m.tokenId(o),
          outcome: o,
          price: Number(fmtPrice(m.price(o))),
          winner: false,
        })),
        question_id: `0x${fnv1a32Hex(`${s.conditionId}/q`).repeat(8)}`,
        market_slug: s.slug,
        neg_risk: false,
        ...(withBook ? { order_book: bookBody(ctx, m, 'Yes') } : {}),
      };
    },
  );

  app.get<{ Params: { cid: string } }>('/v1/markets/:cid/book', async (req, reply) => {
    authenticate(ctx, req, reply);
    const m = findMarket(ctx, req.params.cid);
    const q = parseQuery(BookQuery, req.query);
    return bookBody(ctx, m, outcomeOf(q.outcome), q.depth);
  });
}
