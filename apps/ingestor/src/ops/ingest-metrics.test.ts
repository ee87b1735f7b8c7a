// Tick counts kept as plain numbers on the hot path reach the Prometheus counters when these are read: each
// tick once, under its market and partition, however often the registry is read.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createIngestMetrics, TickCounts } from './ingest-metrics.js';

const A = `0x${'a'.repeat(64)}`;
const B = `0x${'b'.repeat(64)}`;

async function values(registry: Registry, name: string) {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values ?? []).map((v) => ({ labels: v.labels, value: v.value }));
}

describe('ingest tick counters', () => {
  it('count each written tick under its market and partition, and each deduplicated one, once', async () => {
    const registry = new Registry();
    const counts = new TickCounts();
    createIngestMetrics(registry, () => ({ bufferedTicks: 0, redisUp: true }), counts);
    for (let i = 0; i < 3; i++) counts.written(A, 2);
    counts.written(B, 5);
    counts.deduped();
    expect(await values(registry, 'polybot_ingest_ticks_total')).toEqual([
      { labels: { market: A, partition: '2' }, value: 3 },
      { labels: { market: B, partition: '5' }, value: 1 },
    ]);
    expect(await values(registry, 'polybot_ingest_ticks_deduplicated_total')).toEqual([{ labels: {}, value: 1 }]);
    // Read again with nothing new: the same totals, not twice them.
    expect(await values(registry, 'polybot_ingest_ticks_total')).toEqual([
      { labels: { market: A, partition: '2' }, value: 3 },
      { labels: { market: B, partition: '5' }, value: 1 },
    ]);
    counts.written(B, 5);
    counts.deduped();
    counts.deduped();
    const text = await registry.metrics();
    expect(text).toContain(`polybot_ingest_ticks_total{market="${B}",partition="5"} 2`);
    expect(text).toContain('polybot_ingest_ticks_deduplicated_total 3');
  });
});
