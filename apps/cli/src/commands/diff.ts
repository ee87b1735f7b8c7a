// `polybot diff RUN_A RUN_B`: compares two intent sets by intent id without its namespace (a live namespace
// against a replay of its recording). Lists missing, extra and differing decisions.

import { createRedis, IntentContract, intentIdWithoutNs, keys, parseEntries } from '@polybot/shared';
import type { Redis } from 'ioredis';

export interface IntentView {
  id: string;
  market_id: string;
  side: string;
  outcome: string;
  quantity: number;
  ref_price: number;
}

export interface DiffResult {
  a: number;
  b: number;
  missing: IntentView[];
  extra: IntentView[];
  differing: { a: IntentView; b: IntentView; fields: string[] }[];
}

export async function readIntents(redis: Redis, ns: string): Promise<Map<string, IntentView>> {
  const out = new Map<string, IntentView>();
  let start = '-';
  for (;;) {
    const reply = await redis.xrange(keys(ns).intents, start, '+', 'COUNT', 10_000);
    const { entries } = parseEntries(reply);
    for (const e of entries) {
      const d = IntentContract.safeDecode(e.fields);
      if (!d.ok) continue;
      const v = d.value;
      const id = intentIdWithoutNs(v.intent_id);
      out.set(id, {
        id,
        market_id: v.market_id,
        side: v.side,
        outcome: v.outcome,
        quantity: v.quantity,
        ref_price: v.ref_price,
      });
    }
    const last = reply.at(-1);
    if (!last || reply.length < 10_000) break;
    start = `(${last[0]}`;
  }
  return out;
}

export function diffIntents(a: Map<string, IntentView>, b: Map<string, IntentView>): DiffResult {
  const missing: IntentView[] = [];
  const extra: IntentView[] = [];
  const differing: DiffResult['differing'] = [];
  for (const [id, va] of a) {
    const vb = b.get(id);
    if (!vb) {
      missing.push(va);
      continue;
    }
    const fields = (['market_id', 'side', 'outcome', 'quantity', 'ref_price'] as const).filter((f) => va[f] !== vb[f]);
    if (fields.length > 0) differing.push({ a: va, b: vb, fields });
  }
  for (const [id, vb] of b) if (!a.has(id)) extra.push(vb);
  const byId = (x: { id: string }, y: { id: string }) => x.id.localeCompare(y.id);
  return {
    a: a.size,
    b: b.size,
    missing: missing.sort(byId),
    extra: extra.sort(byId),
    differing: differing.sort((x, y) => byId(x.a, y.a)),
  };
}

export async function runDiff(redisUrl: string, nsA: string, nsB: string): Promise<DiffResult> {
  const redis = createRedis(redisUrl, 'command', { name: 'cli-diff' });
  redis.on('error', () => {});
  try {
    return diffIntents(await readIntents(redis, nsA), await readIntents(redis, nsB));
  } finally {
    redis.disconnect();
  }
}

export function renderDiff(nameA: string, nameB: string, d: DiffResult, limit = 20): string[] {
  const lines = [
    `${nameA}: ${d.a} intents · ${nameB}: ${d.b} intents · missing ${d.missing.length} · extra ${d.extra.length} · differing ${d.differing.length}`,
  ];
  const show = (label: string, list: IntentView[]) => {
    for (const v of list.slice(0, limit)) lines.push(`  ${label} ${v.id} ${v.side} ${v.outcome}`);
    if (list.length > limit) lines.push(`  … ${list.length - limit} more ${label}`);
  };
  show('missing', d.missing);
  show('extra', d.extra);
  for (const x of d.differing.slice(0, limit)) lines.push(`  differs ${x.a.id}: ${x.fields.join(', ')}`);
  if (d.missing.length + d.extra.length + d.differing.length === 0) lines.push('no difference');
  return lines;
}
