import { describe, expect, it } from 'vitest';
import { portfolioFrom } from './portfolio.js';

const M1 = `0x${'1'.repeat(64)}`;
const M2 = `0x${'2'.repeat(64)}`;

describe('portfolioFrom', () => {
  it('marks Yes and No positions at the last prices in integer arithmetic', () => {
    const pf = portfolioFrom(
      {
        [`qty:${M1}|Yes`]: '10000000', // 10 shares
        [`cost:${M1}|Yes`]: '4100000', // 4.10 USD
        [`qty:${M2}|No`]: '3000000',
        [`cost:${M2}|No`]: '1500000',
        [`qty:${M2}|Yes`]: '0',
        cash: '-5653000',
        realised: '120000',
        fees: '53000',
        fills: '3',
      },
      new Map([
        [M1, { yes: 430_000, no: 570_000 }],
        [M2, { yes: 600_000, no: 400_000 }],
      ]),
    );
    expect(pf.positions).toEqual([
      { market: M1, outcome: 'Yes', qty: '10.0000', cost: '4.10', mark: '0.4300', unrealised: '0.20' },
      { market: M2, outcome: 'No', qty: '3.0000', cost: '1.50', mark: '0.4000', unrealised: '-0.30' },
    ]);
    expect(pf).toMatchObject({ cash: '-5.65', realised: '0.12', fees: '0.05', unrealised: '-0.10', fills: 3 });
  });

  it('leaves a position unmarked without a tick and ignores garbage values', () => {
    const pf = portfolioFrom({ [`qty:${M1}|Yes`]: '1000000', [`cost:${M1}|Yes`]: 'x', cash: '1e9' }, new Map());
    expect(pf.positions[0]).toMatchObject({ mark: null, unrealised: null, cost: '0.00' });
    expect(pf.cash).toBe('0.00');
    expect(pf.unrealised).toBe('0.00');
  });
});
