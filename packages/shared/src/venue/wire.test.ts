// Golden files (packages/shared/test/golden, the examples of polysim-api.md) must parse with the wire
// schemas, and broken variants must not.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../errors/polybot-error.js';
import { parseErrorBody } from './error-body.js';
import { parseExecutionFrame, parseServerFrame, type ServerFrame } from './frames.js';
import {
  BalanceSchema,
  HealthSchema,
  HeartbeatResponseSchema,
  MarketDetailSchema,
  MarketsListSchema,
  OrderResponseSchema,
  OrderRowSchema,
  OrdersListSchema,
  PositionsResponseSchema,
  PriceFrameSchema,
  TiersResponseSchema,
  WsTokenResponseSchema,
} from './wire.js';
import { wsUrl } from './ws-url.js';

const GOLDEN_DIR = fileURLToPath(new URL('../../test/golden/', import.meta.url));
const raw = (name: string) => readFileSync(`${GOLDEN_DIR}${name}`, 'utf8');
const json = (name: string): unknown => JSON.parse(raw(name));
const checked = new Set<string>();
const golden = (name: string) => {
  checked.add(name);
  return json(name);
};
const goldenRaw = (name: string) => {
  checked.add(name);
  return raw(name);
};

const M1 = '0x5f2a1c9b8e7d6f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a';
const M2 = '0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

function frame(name: string): ServerFrame {
  const r = parseServerFrame(goldenRaw(name));
  if (r instanceof DecodeError) throw new Error(`${name}: ${r.message}`);
  return r;
}

describe('WS /v1/ws/prices frames (golden)', () => {
  it('price frame: full example keeps decimals as strings', () => {
    const r = frame('ws-price-frame.json');
    expect(r.kind).toBe('price');
    if (r.kind !== 'price') return;
    expect(r.frame.market_id).toBe(M1);
    expect(r.frame.buy).toBe('0.67');
    expect(r.frame.sell).toBe('0.33');
    expect(r.frame.best_bid).toBe('0.66');
    expect(r.frame.volume).toBe('125000.50');
    expect(r.frame.emit_ts_ms).toBe(1715518800250);
    expect(r.frame.outcomes?.map((o) => o.label)).toEqual(['Yes', 'No']);
    expect(r.frame.source).toBe('websocket');
    expect(r.frame.ws_updated_at).toBe('2026-05-11T20:30:45.20+00:00');
  });

  it('price frame: only the always-present fields, extra SDK fields kept', () => {
    const r = frame('ws-price-frame-minimal.json');
    if (r.kind !== 'price') throw new Error('expected price');
    expect(r.frame.buy).toBeUndefined();
    expect(r.frame.outcomes?.[0]?.best_bid).toBe('0.50');
    expect(r.frame.last_trade_size).toBe('12.5');
    expect(r.frame.condition_id).toBe(M2);
  });

  it('price frame: a resolved market (prices 0/1, closed)', () => {
    const r = frame('ws-price-frame-resolved.json');
    if (r.kind !== 'price') throw new Error('expected price');
    expect(r.frame.buy).toBe('1');
    expect(r.frame.closed).toBe(true);
    expect(r.frame.source?.startsWith('updown_resolved_')).toBe(true);
  });

  it('pong, subscribed, connected', () => {
    const pong = frame('ws-pong.json');
    expect(pong).toMatchObject({ kind: 'pong', frame: { ts: 1715518800250 } });
    expect(frame('ws-subscribed.json')).toMatchObject({ kind: 'subscribed', frame: { markets: [M1, M2] } });
    expect(frame('ws-subscribed-empty.json')).toMatchObject({ kind: 'subscribed', frame: { markets: [] } });
    expect(frame('ws-connected.json')).toMatchObject({
      kind: 'connected',
      frame: { user_id: 1234, protocol_version: '1.0' },
    });
  });

  it('error frames keep their message', () => {
    for (const [name, start] of [
      ['ws-error-invalid-json.json', 'Invalid JSON'],
      ['ws-error-markets-list.json', "'markets' must be a list"],
      ['ws-error-unknown-action.json', 'Unknown action'],
      ['ws-error-assets-ids.json', "'assets_ids' carries token IDs"],
    ] as const) {
      const r = frame(name);
      expect(r.kind).toBe('error');
      expect(String(r.frame && (r.frame as { message?: unknown }).message)).toContain(start);
    }
  });
});

describe('parseServerFrame rejects (returns DecodeError, never throws)', () => {
  const base = json('ws-price-frame.json') as Record<string, unknown>;
  const bad = (v: unknown) => parseServerFrame(typeof v === 'string' ? v : JSON.stringify(v));

  it.each([
    ['not JSON', '{"type":"price",'],
    ['a JSON array', '[1,2]'],
    ['null', 'null'],
    ['no type', { market_id: M1 }],
    ['unknown type', { type: 'price_update', market_id: M1 }],
    ['a type that names an object property', { type: 'constructor' }],
    ['__proto__ as the type', { type: '__proto__' }],
    ['a type of the executions feed', { type: 'fill' }],
    ['float price', { ...base, buy: 0.67 }],
    ['exponent price', { ...base, buy: '6.7e-1' }],
    ['NaN price', { ...base, sell: 'NaN' }],
    ['negative price', { ...base, best_ask: '-0.1' }],
    ['missing emit_ts_ms', { ...base, emit_ts_ms: undefined }],
    ['fractional emit_ts_ms', { ...base, emit_ts_ms: 1.5 }],
    ['no market id at all', { ...base, market_id: undefined, condition_id: undefined }],
    ['subscribed without list', { type: 'subscribed' }],
    ['outcome without label', { ...base, outcomes: [{ price: '0.5' }] }],
  ])('%s', (_name, input) => {
    const r = bad(input);
    expect(r).toBeInstanceOf(DecodeError);
    expect((r as DecodeError).code).toBe('DECODE_FAILED');
  });

  it('accepts condition_id alone and unknown extra fields (schema drift is not an error)', () => {
    const r = bad({ ...base, market_id: undefined, brand_new_field: { x: 1 } });
    expect(r).not.toBeInstanceOf(DecodeError);
    if (r instanceof DecodeError || r.kind !== 'price') throw new Error('expected price');
    expect(r.frame.brand_new_field).toEqual({ x: 1 });
  });

  it('PriceFrameSchema rejects a bad decimal inside outcomes', () => {
    const r = PriceFrameSchema.safeParse({ ...base, outcomes: [{ label: 'Yes', price: '0.6.7' }] });
    expect(r.success).toBe(false);
  });
});

describe('WS /v1/ws/executions fill frame (golden)', () => {
  it('parses the fill frame', () => {
    const r = parseExecutionFrame(goldenRaw('exec-fill.json'));
    if (r instanceof DecodeError) throw r;
    expect(r.kind).toBe('fill');
    if (r.kind !== 'fill') return;
    expect(r.frame).toMatchObject({ order_id: 42, side: 'BUY', price: '0.65', quantity: '10.0', market_id: M1 });
  });

  it('refuses frame types of the prices feed and object property names as unknown types', () => {
    for (const type of ['price', 'subscribed', 'toString', 'hasOwnProperty']) {
      const r = parseExecutionFrame(JSON.stringify({ type }));
      expect(r).toBeInstanceOf(DecodeError);
      expect((r as DecodeError).issues).toEqual([`type: unknown frame type ${JSON.stringify(type)}`]);
    }
  });

  it('rejects the old execution shape and a fill with a float price', () => {
    expect(parseExecutionFrame('{"type":"execution","status":"PARTIALLY_FILLED"}')).toBeInstanceOf(DecodeError);
    const fill = json('exec-fill.json') as Record<string, unknown>;
    expect(parseExecutionFrame(JSON.stringify({ ...fill, price: 0.65 }))).toBeInstanceOf(DecodeError);
    expect(parseExecutionFrame(JSON.stringify({ ...fill, order_id: undefined }))).toBeInstanceOf(DecodeError);
  });
});

describe('REST bodies (golden)', () => {
  it('OrderResponse', () => {
    const o = OrderResponseSchema.parse(golden('order-response.json'));
    expect(o).toMatchObject({ order_id: 42, status: 'FILLED', price: '0.65', quantity: '10', fee: '0.16' });
    expect(o.notional).toBe('6.50');
    expect(o.account_balance).toBe('9993.34');
    expect(o.position?.avg_entry_price).toBe('0.65');
    expect(o.client_order_id).toBe('intent-0001');
    expect(o.is_replay).toBe(false);
  });

  it('OrderResponse replay: null telemetry and warnings', () => {
    const o = OrderResponseSchema.parse(golden('order-response-replay.json'));
    expect(o.spread_bps).toBeNull();
    expect(o.is_replay).toBe(true);
    expect(o.warnings).toEqual(['partial_fill:filled=10,requested=12']);
  });

  it('DELETE order response', () => {
    const o = OrderResponseSchema.parse(golden('order-cancelled.json'));
    expect(o).toMatchObject({ order_id: 43, status: 'CANCELLED', fee: '0' });
  });

  it('OrderResponse negative cases', () => {
    const o = json('order-response.json') as Record<string, unknown>;
    for (const broken of [
      { ...o, price: 0.65 },
      { ...o, fee: '1e-2' },
      { ...o, quantity: '' },
      { ...o, notional: undefined },
      { ...o, side: 'buy' },
      { ...o, order_id: 'abc' },
      { ...o, account_balance: '12,50' },
    ]) {
      expect(OrderResponseSchema.safeParse(broken).success).toBe(false);
    }
    expect(OrderResponseSchema.parse({ ...o, order_id: '42' }).order_id).toBe(42);
    expect(OrderResponseSchema.parse({ ...o, status: 'SOMETHING_NEW' }).status).toBe('SOMETHING_NEW');
  });

  it('orders list and single order', () => {
    const l = OrdersListSchema.parse(golden('orders-list.json'));
    expect(l.orders).toHaveLength(2);
    expect(l.orders[0]).toMatchObject({ status: 'PENDING', limit_price: '0.40', client_order_id: 'intent-0002' });
    expect(l.orders[1]?.fill_price).toBe('0.65');
    expect(l).toMatchObject({ has_more: true, next_cursor: 'MjAyNi0wMi0wNlQxMjowMDo0NVo=', total_hint: 57 });
    const one = OrderRowSchema.parse(golden('order-row.json'));
    expect(one).toMatchObject({ order_id: 44, status: 'EXPIRED', cancelled_reason: 'gtd_expired' });
    expect(OrdersListSchema.safeParse({ has_more: false }).success).toBe(false);
    expect(OrdersListSchema.safeParse({ orders: [{ order_id: 1 }] }).success).toBe(false);
  });

  it('markets list: bare array and envelope', () => {
    const bare = MarketsListSchema.parse(golden('markets-list.json'));
    if (!Array.isArray(bare)) throw new Error('expected a bare array');
    expect(bare.map((m) => m.condition_id)).toEqual([M1, M2]);
    expect(bare[0]?.live_price?.buy).toBe('0.67');
    expect(bare[0]?.volume_total).toBe('125000.50');
    expect(bare[1]?.live_price).toBeNull();
    const env = MarketsListSchema.parse(golden('markets-envelope.json'));
    if (Array.isArray(env)) throw new Error('expected an envelope');
    expect(env.next_cursor).toBe('LTE=');
    expect(env.data[0]?.category).toBe('weather');
    expect(MarketsListSchema.safeParse([{ slug: 'no-id' }]).success).toBe(false);
    expect(MarketsListSchema.safeParse([{ condition_id: M1, last_price: 0.67 }]).success).toBe(false);
  });

  it('market detail (tokens[].price is a JSON number, documented)', () => {
    const d = MarketDetailSchema.parse(golden('market-detail.json'));
    expect(d.tokens?.[0]).toMatchObject({ outcome: 'Yes', price: 0.67 });
    expect(d.end_date).toBe('2026-12-31T00:00:00Z');
  });

  it('balance', () => {
    const b = BalanceSchema.parse(golden('balance.json'));
    expect(b).toMatchObject({ balance: '9993.34', unrealized_pnl: '-6.6625', currency: 'USD' });
    expect(BalanceSchema.safeParse({ balance: 9993.34 }).success).toBe(false);
    expect(BalanceSchema.safeParse({ currency: 'USD' }).success).toBe(false);
  });

  it('positions', () => {
    const p = PositionsResponseSchema.parse(golden('positions.json'));
    const list = Array.isArray(p) ? p : p.data;
    expect(list).toHaveLength(2);
    expect(list[0]).toMatchObject({ quantity: '10', avg_entry_price: '0.65', status: 'OPEN' });
    expect(list[1]?.status).toBe('CLOSED_BY_RESET');
    expect(PositionsResponseSchema.safeParse([{ market_id: M1, outcome: 'Yes', status: 'OPEN' }]).success).toBe(false);
  });

  it('tiers', () => {
    const t = TiersResponseSchema.parse(golden('tiers.json'));
    const list = Array.isArray(t) ? t : t.tiers;
    expect(list.map((x) => [x.tier, x.max_ws_connections])).toEqual([
      ['free', 1],
      ['pro', 3],
      ['pro_plus', 10],
      ['enterprise', 50],
    ]);
    expect(TiersResponseSchema.safeParse([{ tier: 'pro' }]).success).toBe(false);
  });

  it('ws-token: token and its aliases', () => {
    const t = WsTokenResponseSchema.parse(golden('ws-token.json'));
    expect(t.token.startsWith('eyJ')).toBe(true);
    expect(t.expires_in).toBe(60);
    const a = WsTokenResponseSchema.parse(golden('ws-token-alias.json'));
    expect(a.token.startsWith('eyJ')).toBe(true);
    expect(WsTokenResponseSchema.parse({ ws_token: 'abc' }).token).toBe('abc');
    expect(WsTokenResponseSchema.parse({ jwt: 'def' }).token).toBe('def');
    expect(WsTokenResponseSchema.safeParse({ expires_in: 60 }).success).toBe(false);
    expect(WsTokenResponseSchema.safeParse({ token: '' }).success).toBe(false);
  });

  it('heartbeat and health', () => {
    expect(HeartbeatResponseSchema.parse(golden('heartbeat.json'))).toMatchObject({ ok: true });
    expect(HealthSchema.parse(golden('health.json'))).toMatchObject({ status: 'ok', version: '1.0.0' });
  });
});

interface GoldenHttp {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  text?: string;
}

function errorGolden(name: string) {
  const g = golden(name) as GoldenHttp;
  const text = g.text ?? JSON.stringify(g.body);
  return { g, parsed: parseErrorBody(g.status, text, g.headers['X-Polysim-Code']) };
}

describe('error bodies (golden)', () => {
  it('429 envelope: code from the header, message from the body', () => {
    const { parsed } = errorGolden('error-429.json');
    expect(parsed).toMatchObject({ code: 'RATE_LIMIT_EXCEEDED', shape: 'envelope' });
    expect(parsed.message).toBe('Rate limit exceeded. Retry after 1s.');
  });

  it('503s: SERVER_BUSY, DEADLINE_OVERSHOT_BUT_PERSISTED (source), VENUE_UNAVAILABLE (retry_after)', () => {
    expect(errorGolden('error-503-server-busy.json').parsed.code).toBe('SERVER_BUSY');
    const over = errorGolden('error-503-overshot.json').parsed;
    expect(over).toMatchObject({ code: 'DEADLINE_OVERSHOT_BUT_PERSISTED', source: 'filled' });
    const vu = errorGolden('error-503-venue-unavailable.json').parsed;
    expect(vu).toMatchObject({ code: 'VENUE_UNAVAILABLE', retryAfterBodyMs: 60_000 });
    expect(errorGolden('error-409-pending.json').parsed.code).toBe('IDEMPOTENCY_CONFLICT_PENDING');
  });

  it('no header: the code comes from body error', () => {
    expect(errorGolden('error-400-no-header.json').parsed).toMatchObject({
      code: 'INSUFFICIENT_BALANCE',
      message: 'Insufficient balance: need 6.66, have 1.00',
    });
  });

  it('prose-only body: code from the header, prose as the message', () => {
    expect(errorGolden('error-prose.json').parsed).toMatchObject({
      code: 'INSUFFICIENT_PERMISSION',
      message: 'API key missing required permission: trade',
      shape: 'prose',
    });
    const noHeader = parseErrorBody(403, '{"error":"API key missing required permission: trade"}');
    expect(noHeader.code).toBe('HTTP_403');
  });

  it('FastAPI detail list and plain-text edge errors', () => {
    const fa = errorGolden('error-fastapi-422.json').parsed;
    expect(fa).toMatchObject({ code: 'HTTP_422', shape: 'fastapi' });
    expect(fa.message).toContain("body.side: Input should be 'BUY' or 'SELL'");
    expect(fa.message).toContain('body.market_id: Field required');
    expect(errorGolden('error-edge-text.json').parsed).toMatchObject({
      code: 'HTTP_403',
      message: 'error code: 1010',
      shape: 'text',
    });
    expect(parseErrorBody(404, '{"detail":"Not Found"}')).toMatchObject({ code: 'HTTP_404', message: 'Not Found' });
    expect(parseErrorBody(502, '')).toMatchObject({ code: 'HTTP_502', shape: 'empty' });
    expect(parseErrorBody(500, '{not json')).toMatchObject({ code: 'HTTP_500', shape: 'text' });
  });

  it('a header that is not a CODE is ignored; secrets in messages are scrubbed', () => {
    const key = `ps_live_${'a'.repeat(64)}`;
    const p = parseErrorBody(401, JSON.stringify({ error: 'INVALID_KEY', message: `bad key ${key}` }), 'not a code');
    expect(p.code).toBe('INVALID_KEY');
    expect(p.message).not.toContain(key);
  });
});

describe('wsUrl', () => {
  it('maps http to ws and https to wss and sets the token', () => {
    expect(wsUrl('http://127.0.0.1:8080', '/v1/ws/prices', 'abc')).toBe('ws://127.0.0.1:8080/v1/ws/prices?token=abc');
    expect(wsUrl('https://api.polysimulator.com/', '/v1/ws/executions', 'a.b+c')).toBe(
      'wss://api.polysimulator.com/v1/ws/executions?token=a.b%2Bc',
    );
    expect(wsUrl('https://h/prefix/', 'v1/ws/prices', 't')).toBe('wss://h/prefix/v1/ws/prices?token=t');
    expect(() => wsUrl('ftp://h', '/x', 't')).toThrow(TypeError);
  });
});

describe('golden coverage', () => {
  it('every golden file is checked by a test above', () => {
    const all = readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.json'));
    expect(all.length).toBeGreaterThan(20);
    expect(all.filter((f) => !checked.has(f))).toEqual([]);
  });
});
