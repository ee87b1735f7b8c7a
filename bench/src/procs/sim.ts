// Bench helper: the local PolySimulator in a process of its own (limits off, a fractional tick interval the
// SIM_TICK_MS variable cannot express), driven over IPC: {type:'stats'} → counters, {type:'close'} → exit.

import { createSimulator, DEFAULT_TIERS, type FeedPhases } from '@polybot/simulator';

interface Config {
  seed: number;
  markets: number;
  tickMs: number;
  apiKey: string;
  phases?: FeedPhases;
}

const send = (m: unknown) => process.send?.(m);

async function main(): Promise<void> {
  const cfg = JSON.parse(process.env.BENCH_SIM ?? '{}') as Config;
  // The enterprise tier (50 WebSocket connections: 500 markets need 10), with a balance no run exhausts.
  const rich = DEFAULT_TIERS.map((t) => (t.tier === 'enterprise' ? { ...t, starting_balance: '100000000' } : t));
  const sim = await createSimulator({
    seed: cfg.seed,
    markets: cfg.markets,
    tickMs: cfg.tickMs,
    feedPhases: cfg.phases ?? 'spread',
    limits: false,
    devMode: true,
    tiers: rich,
    apiKeys: [{ key: cfg.apiKey, tier: 'enterprise' }],
  });
  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'stats') send({ type: 'stats', stats: sim.stats(), t: performance.timeOrigin + performance.now() });
    if (m?.type === 'close') {
      void sim.close().then(() => process.exit(0));
    }
  });
  process.on('SIGTERM', () => {
    void sim.close().then(() => process.exit(0));
  });
  send({ type: 'ready', baseUrl: sim.baseUrl, wsUrl: sim.wsUrl, marketIds: sim.marketIds });
}

main().catch((err: unknown) => {
  send({ type: 'error', error: String((err as Error).stack ?? err) });
  process.exit(1);
});
