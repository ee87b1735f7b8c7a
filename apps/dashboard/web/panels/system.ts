// System: processes and their states, partition leases and consumer lag, queue counts, tick-to-order
// p50/p99, feed connections and dead letters.

import { age, cell, clock, ms, row, setRows, setSummary } from '../format';
import type { PageState } from '../state';

export function renderSystem(s: PageState): void {
  const st = s.status;
  setSummary('#sys-summary', [
    ['ticks', st ? `${st.ticks.total} · ${st.ticks.perSec}/s` : '–'],
    ['intents', st ? String(st.intents) : '–'],
    ['orders', st ? `acked ${st.orders.acked} · rejected ${st.orders.rejected} · ${st.orders.perSec}/s` : '–'],
    ['tick→order', st ? `p50 ${ms(st.orders.tickToOrderMs.p50)} · p99 ${ms(st.orders.tickToOrderMs.p99)}` : '–'],
    [
      'queue',
      st
        ? `waiting ${st.queue.waiting} · active ${st.queue.active} · delayed ${st.queue.delayed} · failed ${st.queue.failed} · completed ${st.queue.completed}`
        : '–',
    ],
    ['dead letters', st ? String(st.deadLetters) : '–'],
  ]);
  setRows(
    '#processes tbody',
    (st?.processes ?? []).map((p) =>
      row([cell(p.name), cell(p.state), cell(p.detail ?? '')], { 'data-process': p.name }),
    ),
  );
  setRows(
    '#partitions tbody',
    (st?.partitions ?? []).map((p) =>
      row([
        cell(String(p.partition), 'num'),
        cell(p.leaseOwner ?? '–'),
        cell(p.lag === null ? '–' : String(p.lag), 'num'),
        cell(String(p.pending), 'num'),
        cell(String(p.length), 'num'),
      ]),
    ),
  );
  setRows(
    '#connections tbody',
    (st?.connections ?? []).map((c) =>
      row([
        cell(String(c.connId), 'num'),
        cell(String(c.epoch), 'num'),
        cell(c.lastEvent),
        cell(age(c.lastEventAgoMs)),
      ]),
    ),
  );
  setRows(
    '#dead tbody',
    [...s.dead]
      .reverse()
      .slice(0, 20)
      .map((d) => row([cell(clock(d.t)), cell(d.source), cell(d.kind), cell(d.reason.slice(0, 160))])),
  );
}
