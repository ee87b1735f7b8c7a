// The dashboard page: one EventSource on /api/events (a snapshot, then batches of stream events and a
// status every second), rendered at most a few times per second.

import type { LiveEvent, PnlPoint, Snapshot, StatusView } from '../src/live/page-events';
import { $ } from './format';
import { renderControls, setupControls } from './panels/controls';
import { renderMarkets } from './panels/markets';
import { renderOrders } from './panels/orders';
import { renderPortfolio } from './panels/portfolio';
import { renderSystem } from './panels/system';
import { PageState } from './state';

const state = new PageState();
let dirty = true;

function render(): void {
  const now = Date.now();
  $('#ns').textContent = state.ns;
  renderMarkets(state, now);
  renderOrders(state);
  renderPortfolio(state);
  renderSystem(state);
  renderControls(state);
  document.body.dataset.applied = String(state.applied);
  dirty = false;
}

function connect(): void {
  const es = new EventSource('/api/events');
  const conn = $('#conn-state');
  es.addEventListener('open', () => {
    conn.textContent = 'live';
    conn.className = 'badge live';
  });
  es.addEventListener('error', () => {
    conn.textContent = 'reconnecting';
    conn.className = 'badge';
  });
  es.addEventListener('snapshot', (m) => {
    state.load(JSON.parse((m as MessageEvent<string>).data) as Snapshot);
    dirty = true;
  });
  es.addEventListener('events', (m) => {
    for (const e of JSON.parse((m as MessageEvent<string>).data) as LiveEvent[]) state.apply(e);
    dirty = true;
  });
  es.addEventListener('status', (m) => {
    const { status, pnl } = JSON.parse((m as MessageEvent<string>).data) as { status: StatusView; pnl: PnlPoint };
    state.status = status;
    state.pnl.push(pnl);
    if (state.pnl.length > 3600) state.pnl.shift();
    dirty = true;
  });
}

setupControls(state);
connect();
// Ages move even without events; redraw twice a second at most.
setInterval(() => {
  if (dirty || state.markets.size > 0) render();
}, 500);
