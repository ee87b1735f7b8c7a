import { ConfigError } from '@polybot/shared';
import { describe, expect, it } from 'vitest';
import { type ListedMarket, parseMarketsSpec, planConnections, selectTopMarkets } from './market-plan.js';

const id = (i: number) => `0x${i.toString(16).padStart(64, '0')}`;

describe('parseMarketsSpec', () => {
  it('reads auto:N and explicit lists (deduplicated case-insensitively)', () => {
    expect(parseMarketsSpec('auto:25')).toEqual({ kind: 'auto', count: 25 });
    const a = id(1);
    expect(parseMarketsSpec(`${a}, ${a.toUpperCase().replace('0X', '0x')},${id(2)}`)).toEqual({
      kind: 'list',
      ids: [a, id(2)],
    });
  });

  it.each(['auto:0', 'auto:x', '0x12', '', `${id(1)},nope`])('rejects %j with a ConfigError', (spec) => {
    expect(() => parseMarketsSpec(spec)).toThrow(ConfigError);
  });
});

describe('selectTopMarkets', () => {
  it('takes the top N open markets across pages and reports the skipped ones', async () => {
    const all: ListedMarket[] = Array.from({ length: 450 }, (_, i) => ({
      condition_id: id(i),
      active: i !== 3,
      closed: i === 5,
    }));
    const calls: number[] = [];
    const page = async (limit: number, offset: number) => {
      calls.push(offset);
      return all.slice(offset, offset + limit);
    };
    const sel = await selectTopMarkets(250, page);
    expect(sel.markets).toHaveLength(250);
    expect(sel.markets).not.toContain(id(3));
    expect(sel.markets).not.toContain(id(5));
    expect(sel.rejected).toEqual([
      { id: id(3), reason: 'inactive' },
      { id: id(5), reason: 'closed' },
    ]);
    expect(calls).toEqual([0, 200]);
  });

  it('stops at the end of the list when fewer markets exist', async () => {
    const sel = await selectTopMarkets(10, async (_l, offset) => (offset === 0 ? [{ condition_id: id(1) }] : []));
    expect(sel.markets).toEqual([id(1)]);
  });
});

describe('planConnections', () => {
  const markets = Array.from({ length: 120 }, (_, i) => id(i));

  it('puts at most 50 markets on a socket', () => {
    const plan = planConnections(markets, 10);
    expect(plan.groups.map((g) => g.length)).toEqual([50, 50, 20]);
    expect(plan.unplaced).toEqual([]);
    expect(plan.groups.flat()).toEqual(markets);
  });

  it('streams what fits when the tier allows fewer sockets', () => {
    const plan = planConnections(markets, 2);
    expect(plan.groups).toHaveLength(2);
    expect(plan.unplaced).toEqual(markets.slice(100));
  });
});
