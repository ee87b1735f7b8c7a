// A scripted PolySimulator stand-in on loopback (node:http, port 0) for the executor's failure tests.
// It keeps a ledger of every order it executed, by client_order_id: more than one entry for an id is a
// duplicate order. Idempotent replay is OFF by default, so a careless re-POST after a persisted ambiguous
// reply shows up as a duplicate instead of being hidden by the venue.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fromMicro, mulMicro, toMicro } from '@polybot/shared';

export type Behaviour =
  /** Execute (or replay, if idempotency is on) and answer 200. */
  | { kind: 'ok' }
  /** Answer an error without executing. */
  | { kind: 'error'; status: number; code: string; retryAfter?: string }
  /** Execute, then answer an error (e.g. 503 PERSISTENCE_UNKNOWN); `orderIdHeader` adds X-Polysim-Order-Id. */
  | { kind: 'persist-then-error'; status: number; code: string; orderIdHeader?: boolean; retryAfter?: string }
  /** Execute, then answer 200 after `ms` (a slow venue). */
  | { kind: 'slow-ok'; ms: number }
  /** Answer `status` with a plain-text body and no polysim headers (an edge proxy). */
  | { kind: 'raw'; status: number; text: string }
  /** Never execute and never answer (the request died on the way in). */
  | { kind: 'hang' }
  /** Execute, then never answer (the client times out). */
  | { kind: 'persist-then-hang' }
  /** Execute, then reset the connection. */
  | { kind: 'persist-then-reset' }
  /** Execute, then answer 200 with a body that is not an order. */
  | { kind: 'persist-then-garbage' };

export interface LedgerOrder {
  orderId: number;
  clientOrderId: string;
  marketId: string;
  side: string;
  outcome: string;
  quantity: string;
  price: string;
  createdAt: number;
}

export interface PostRecord {
  n: number;
  idempotencyKey: string | undefined;
  clientOrderId: string;
  body: Record<string, unknown>;
}

export interface FakeVenue {
  readonly url: string;
  /** client_order_id → every order executed for it (length > 1 = duplicate). */
  readonly ledger: Map<string, LedgerOrder[]>;
  readonly posts: PostRecord[];
  /** Behaviour of the next POSTs: called per POST with its 1-based number; undefined = ok. */
  script(fn: (post: PostRecord) => Behaviour | undefined): void;
  /** Behaviour of GET /v1/orders calls (1-based count); undefined = answer. Only `error` applies. */
  scriptList(fn: (n: number) => Extract<Behaviour, { kind: 'error' }> | undefined): void;
  /** Number of GET /v1/orders calls so far. */
  listCalls(): number;
  /** Replay identical keys instead of executing again (what the real venue does). Default false. */
  idempotency: boolean;
  fillPrice: string;
  fee: string;
  /** Every executed order, flat. */
  orders(): LedgerOrder[];
  close(): Promise<void>;
}

const API_KEY_RE = /^ps_(live|test)_[A-Za-z0-9]{8,128}$/;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': `req-${Math.random()}`, ...headers });
  res.end(JSON.stringify(body));
}

export async function startFakeVenue(): Promise<FakeVenue> {
  const ledger = new Map<string, LedgerOrder[]>();
  const posts: PostRecord[] = [];
  let scriptFn: (post: PostRecord) => Behaviour | undefined = () => undefined;
  let listFn: (n: number) => Extract<Behaviour, { kind: 'error' }> | undefined = () => undefined;
  let listCalls = 0;
  let nextId = 1;

  const venue = {
    idempotency: false,
    fillPrice: '0.40',
    fee: '0.01',
  };

  const envelope = (o: LedgerOrder) => ({
    order_id: o.orderId,
    status: 'FILLED',
    order_type: 'market',
    side: o.side,
    outcome: o.outcome,
    price: o.price,
    quantity: o.quantity,
    notional: fromMicro(mulMicro(toMicro(o.quantity), toMicro(o.price))),
    fee: venue.fee,
    client_order_id: o.clientOrderId,
    is_replay: false,
  });

  const execute = (body: Record<string, unknown>, clientOrderId: string): { order: LedgerOrder; replay: boolean } => {
    const existing = ledger.get(clientOrderId);
    if (venue.idempotency && existing?.[0]) return { order: existing[0], replay: true };
    const order: LedgerOrder = {
      orderId: nextId++,
      clientOrderId,
      marketId: String(body.market_id),
      side: String(body.side),
      outcome: String(body.outcome),
      quantity: String(body.quantity),
      price: venue.fillPrice,
      createdAt: Date.now(),
    };
    ledger.set(clientOrderId, [...(existing ?? []), order]);
    return { order, replay: false };
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (!API_KEY_RE.test(String(req.headers['x-api-key'] ?? ''))) {
        send(res, 401, { error: 'INVALID_KEY', message: 'bad key' }, { 'x-polysim-code': 'INVALID_KEY' });
        return;
      }
      if (req.method === 'POST' && url.pathname === '/v1/orders') {
        const text = await readBody(req);
        const body = JSON.parse(text) as Record<string, unknown>;
        const clientOrderId = String(body.client_order_id ?? '');
        const idem = req.headers['idempotency-key'];
        const post: PostRecord = {
          n: posts.length + 1,
          idempotencyKey: typeof idem === 'string' ? idem : undefined,
          clientOrderId,
          body,
        };
        posts.push(post);
        if (post.idempotencyKey !== clientOrderId) {
          send(res, 400, { error: 'KEY_MISMATCH', message: 'Idempotency-Key must equal client_order_id' });
          return;
        }
        const b = scriptFn(post) ?? { kind: 'ok' };
        switch (b.kind) {
          case 'ok':
            send(res, 200, envelope(execute(body, clientOrderId).order));
            return;
          case 'error':
            send(
              res,
              b.status,
              { error: b.code, message: b.code.toLowerCase() },
              { 'x-polysim-code': b.code, ...(b.retryAfter !== undefined ? { 'retry-after': b.retryAfter } : {}) },
            );
            return;
          case 'persist-then-error': {
            const { order } = execute(body, clientOrderId);
            send(
              res,
              b.status,
              { error: b.code, message: 'persisted or not' },
              {
                'x-polysim-code': b.code,
                ...(b.orderIdHeader ? { 'x-polysim-order-id': String(order.orderId) } : {}),
                ...(b.retryAfter !== undefined ? { 'retry-after': b.retryAfter } : {}),
              },
            );
            return;
          }
          case 'slow-ok': {
            const { order } = execute(body, clientOrderId);
            setTimeout(() => send(res, 200, envelope(order)), b.ms);
            return;
          }
          case 'raw':
            res.writeHead(b.status, { 'content-type': 'text/plain' }).end(b.text);
            return;
          case 'hang':
            return;
          case 'persist-then-hang':
            execute(body, clientOrderId);
            return; // never answered; closeAllConnections() ends it
          case 'persist-then-reset':
            execute(body, clientOrderId);
            req.socket.destroy();
            return;
          case 'persist-then-garbage':
            execute(body, clientOrderId);
            res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":tru');
            return;
        }
      }
      if (req.method === 'GET' && url.pathname === '/v1/orders') {
        listCalls++;
        const fail = listFn(listCalls);
        if (fail) {
          send(res, fail.status, { error: fail.code, message: 'listing failed' }, { 'x-polysim-code': fail.code });
          return;
        }
        const market = url.searchParams.get('market_id');
        const side = url.searchParams.get('side');
        const limit = Number(url.searchParams.get('limit') ?? 50);
        const rows = [...ledger.values()]
          .flat()
          .filter((o) => (!market || o.marketId === market) && (!side || o.side === side))
          .sort((a, b) => b.orderId - a.orderId)
          .slice(0, limit)
          .map((o) => ({
            order_id: o.orderId,
            market_id: o.marketId,
            side: o.side,
            outcome: o.outcome,
            order_type: 'market',
            limit_price: null,
            quantity: o.quantity,
            time_in_force: 'FOK',
            status: 'FILLED',
            client_order_id: o.clientOrderId,
            created_at: new Date(o.createdAt).toISOString(),
            filled_at: new Date(o.createdAt).toISOString(),
            fill_price: o.price,
            cancelled_at: null,
          }));
        send(res, 200, { orders: rows, has_more: false, next_cursor: null, total_hint: rows.length });
        return;
      }
      send(res, 404, { error: 'NOT_FOUND', message: 'no route' });
    })().catch(() => {
      if (!res.headersSent) send(res, 500, { error: 'EXECUTION_ERROR', message: 'fake venue failed' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return Object.assign(venue, {
    url: `http://127.0.0.1:${port}`,
    ledger,
    posts,
    script(fn: (post: PostRecord) => Behaviour | undefined) {
      scriptFn = fn;
    },
    scriptList(fn: (n: number) => Extract<Behaviour, { kind: 'error' }> | undefined) {
      listFn = fn;
    },
    listCalls: () => listCalls,
    orders: () => [...ledger.values()].flat(),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  });
}
