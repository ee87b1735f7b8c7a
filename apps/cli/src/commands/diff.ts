// `polybot diff RUN_A RUN_B`: compares two intent sets by intent id without its namespace (a live namespace
// against a replay of its recording). Lists missing, extra and differing decisions. A side whose intents
// stream was trimmed (INTENTS_MAXLEN) is named, with how many of its intents are left to compare.

import {
  createRedisClient,
  IntentContract,
  intentIdWithoutNs,
  keys,
  parseEntries,
  type RedisClient,
  streamShortfall,
} from '@polybot/shared';

export interface IntentView {
  id: string;
  market_id: string;
  side: string;
  outcome: string;
  quantity: number;
  ref_price: number;
}

/** A namespace whose `{ns}:intents` no longer holds every intent appended to it (trimmed or deleted). */
export interface TrimmedSide {
  ns: string;
  kept: number;
  added: number;
}

export interface DiffResult {
  a: number;
  b: number;
  /** Sides whose intents stream lost entries: the comparison covers the ones kept only. */
  trimmed: TrimmedSide[];
  missing: IntentView[];
  extra: IntentView[];
  differing: { a: IntentView; b: IntentView; fields: string[] }[];
}

export async function readIntents(redis: RedisClient, ns: string): Promise<Map<string, IntentView>> {
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

/** How many entries `{ns}:intents` holds against how many were ever appended, if fewer. */
export async function trimmedIntents(redis: RedisClient, ns: string): Promise<TrimmedSide | undefined> {
  const short = await streamShortfall(redis, keys(ns).intents);
  return short ? { ns, ...short } : undefined;
}

export function diffIntents(
  a: Map<string, IntentView>,
  b: Map<string, IntentView>,
  trimmed: TrimmedSide[] = [],
): DiffResult {
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
    trimmed,
    missing: missing.sort(byId),
    extra: extra.sort(byId),
    differing: differing.sort((x, y) => byId(x.a, y.a)),
  };
}

/** `clusterNodes`: REDIS_CLUSTER_NODES (a Cluster whatever the URL says). */
export async function runDiff(redisUrl: string, nsA: string, nsB: string, clusterNodes?: string): Promise<DiffResult> {
  const redis = createRedisClient(redisUrl, 'command', { name: 'cli-diff', ...(clusterNodes ? { clusterNodes } : {}) });
  redis.on('error', () => {});
  try {
    const trimmed: TrimmedSide[] = [];
    for (const ns of [nsA, nsB]) {
      const t = await trimmedIntents(redis, ns);
      if (t) trimmed.push(t);
    }
    return diffIntents(await readIntents(redis, nsA), await readIntents(redis, nsB), trimmed);
  } finally {
    redis.disconnect();
  }
}

/** 0: the same decisions; 1: they differ; 2: they differ and a side was trimmed (the cause may be the trim). */
export function diffExitCode(d: DiffResult): 0 | 1 | 2 {
  if (d.missing.length + d.extra.length + d.differing.length === 0) return 0;
  return d.trimmed.length > 0 ? 2 : 1;
}

export function renderDiff(nameA: string, nameB: string, d: DiffResult, limit = 20): string[] {
  const lines = [
    `${nameA}: ${d.a} intents · ${nameB}: ${d.b} intents · missing ${d.missing.length} · extra ${d.extra.length} · differing ${d.differing.length}`,
  ];
  for (const t of d.trimmed) {
    lines.push(
      `  warning: ${t.ns}:intents holds ${t.kept} of the ${t.added} intents appended to it (trimmed at INTENTS_MAXLEN): missing or extra intents may be ones it no longer holds`,
    );
  }
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
