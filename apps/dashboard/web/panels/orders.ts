// Decisions and orders: the latest intents with their order lifecycle and per-hop latency, and
// rejections by code.

import type { OrderEventView } from '../../src/live/page-events';
import { cell, clock, micro, ms, row, setRows, shortId } from '../format';
import type { PageState } from '../state';

function hops(orders: OrderEventView[]): (number | null)[] {
  const last = orders.find((o) => o.ev === 'acked' || o.ev === 'rejected') ?? orders[orders.length - 1];
  if (!last) return [null, null, null, null, null, null];
  const t = last.timings;
  const d = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? null : b - a);
  return [
    d(t.recv, t.decide),
    d(t.decide, t.enqueue),
    d(t.enqueue, t.start),
    d(t.start, t.sent),
    d(t.sent, t.ack),
    d(t.recv, t.sent),
  ];
}

export function renderOrders(s: PageState): void {
  const latest = [...s.intents.values()].sort((a, b) => b.firstSeen - a.firstSeen).slice(0, 50);
  setRows(
    '#intents tbody',
    latest.map((r) => {
      const life = document.createElement('td');
      for (const o of r.orders) {
        const span = document.createElement('span');
        span.className = `ev ${o.ev}`;
        span.textContent =
          o.ev === 'rejected' && o.code
            ? `rejected ${o.code}`
            : o.ev === 'acked' && o.status
              ? `acked ${o.status}`
              : o.ev;
        life.append(span);
      }
      if (r.orders.length === 0) life.textContent = 'queued';
      const terminal = r.orders.some((o) => o.ev === 'acked' || o.ev === 'rejected');
      return row(
        [
          cell(clock(r.firstSeen)),
          cell(shortId(r.market)),
          cell(r.side),
          cell(r.intent ? micro(r.intent.q, 2) : '–', 'num'),
          cell(r.intent ? micro(r.intent.p, 4) : '–', 'num'),
          life,
          ...hops(r.orders).map((v) => cell(ms(v), 'num')),
        ],
        { 'data-intent': r.id, 'data-terminal': terminal ? '1' : '0' },
      );
    }),
  );
  setRows(
    '#rejections tbody',
    [...s.rejections.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([code, n]) => row([cell(code), cell(String(n), 'num')], { 'data-code': code })),
  );
}
