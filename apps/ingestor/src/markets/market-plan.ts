// Which markets to stream and how to spread them over sockets: an explicit list or `auto:N` (the top N
// active markets by volume), 50 per connection (the venue's hard cap), within the tier's connection cap.
import { ConfigError } from '@polybot/shared';

/** The venue accepts at most this many condition ids per socket (polysim-api.md §3). */
export const MARKETS_PER_CONNECTION = 50;

export type MarketsSpec = { kind: 'auto'; count: number } | { kind: 'list'; ids: string[] };

const ID_RE = /^0x[0-9a-fA-F]{64}$/;

/** Parses POLYBOT_MARKETS: `auto:N` or `0x…,0x…` (duplicates removed, case-insensitively). */
export function parseMarketsSpec(spec: string): MarketsSpec {
  const s = spec.trim();
  const auto = /^auto:(\d{1,5})$/.exec(s);
  if (auto) {
    const count = Number(auto[1]);
    if (count < 1) throw new ConfigError('POLYBOT_MARKETS', 'invalid POLYBOT_MARKETS: auto:N needs N >= 1');
    return { kind: 'auto', count };
  }
  const ids: string[] = [];
  const seen = new Set<string>();
  for (const part of s.split(',')) {
    const id = part.trim();
    if (!ID_RE.test(id)) {
      throw new ConfigError('POLYBOT_MARKETS', 'invalid POLYBOT_MARKETS: expected auto:N or 0x<64 hex>,…');
    }
    const k = id.toLowerCase();
    if (seen.has(k)) continue;
    seen.add(k);
    ids.push(id);
  }
  if (ids.length === 0) throw new ConfigError('POLYBOT_MARKETS', 'invalid POLYBOT_MARKETS: no markets given');
  return { kind: 'list', ids };
}

/** A market as listed by GET /v1/markets (only what the plan reads). */
export interface ListedMarket {
  condition_id: string;
  active?: boolean | null | undefined;
  closed?: boolean | null | undefined;
}

export interface MarketSelection {
  markets: string[];
  /** Listed markets skipped because they are closed, inactive or malformed. */
  rejected: { id: string; reason: string }[];
}

/**
 * Takes the top `count` active, open markets from volume-ordered pages of GET /v1/markets. `page(limit,
 * offset)` returns one page; fewer markets than asked is not an error (the caller reports it).
 */
export async function selectTopMarkets(
  count: number,
  page: (limit: number, offset: number) => Promise<readonly ListedMarket[]>,
  pageSize = 200,
): Promise<MarketSelection> {
  const markets: string[] = [];
  const rejected: { id: string; reason: string }[] = [];
  const seen = new Set<string>();
  for (let offset = 0; markets.length < count; offset += pageSize) {
    const items = await page(pageSize, offset);
    for (const m of items) {
      if (markets.length >= count) break;
      const id = typeof m.condition_id === 'string' ? m.condition_id : '';
      if (!ID_RE.test(id)) {
        rejected.push({ id: id.slice(0, 80), reason: 'malformed condition_id' });
        continue;
      }
      if (seen.has(id.toLowerCase())) continue;
      seen.add(id.toLowerCase());
      if (m.closed === true) rejected.push({ id, reason: 'closed' });
      else if (m.active === false) rejected.push({ id, reason: 'inactive' });
      else markets.push(id);
    }
    if (items.length < pageSize) break;
  }
  return { markets, rejected };
}

export interface ConnectionPlan {
  /** Markets per socket, at most MARKETS_PER_CONNECTION each. */
  groups: string[][];
  /** Markets that did not fit under the connection cap. */
  unplaced: string[];
}

/** Splits markets into sockets of at most `perConnection`, never more than `maxConnections` sockets. */
export function planConnections(
  markets: readonly string[],
  maxConnections: number | undefined,
  perConnection = MARKETS_PER_CONNECTION,
): ConnectionPlan {
  const groups: string[][] = [];
  for (let i = 0; i < markets.length; i += perConnection) groups.push(markets.slice(i, i + perConnection));
  const cap = maxConnections === undefined ? groups.length : Math.max(0, Math.floor(maxConnections));
  const kept = groups.slice(0, cap);
  const unplaced = groups.slice(cap).flat();
  return { groups: kept, unplaced };
}
