// The synthetic market universe: N markets whose ids, questions, categories, ticks and price processes
// all derive from one seed.

import type { Micro } from '@polybot/shared';
import { type Category, feeRate } from './fees.js';
import { type Activity, drawPriceParams, type PriceModelParams } from './price-model.js';
import { Rng } from './rng.js';

export interface MarketSpec {
  index: number;
  /** `0x` + 64 hex. */
  conditionId: string;
  slug: string;
  question: string;
  category: Category;
  /** Fee rate in micro-units. */
  feeRate: Micro;
  /** Tick size in micro-units. */
  tick: Micro;
  outcomes: readonly ['Yes', 'No'];
  /** 77-digit decimal token ids, Yes first. */
  tokenIds: readonly [string, string];
  activity: Activity;
  price: PriceModelParams;
  /** Seed for the price process and the book noise. */
  seed: string;
  bookSeed: number;
  /** Resolved/closed markets do not tick and refuse orders. */
  closed: boolean;
  /** Volume already traded before the simulation starts, micro-USD. */
  baseVolume: Micro;
  endDate: string;
}

const SUBJECTS: Record<Category, readonly string[]> = {
  crypto: ['Bitcoin', 'Ethereum', 'Solana', 'Dogecoin'],
  economics: ['US CPI', 'the Fed funds rate', 'US unemployment', 'GDP growth'],
  culture: ['the Oscars', 'a Taylor Swift album', 'the Eurovision winner', 'a box-office record'],
  weather: ['NYC snowfall', 'a Category 5 hurricane', 'London rainfall', 'a record heatwave'],
  other: ['a SpaceX launch', 'a Mars sample return', 'a new world record', 'the Loch Ness search'],
  finance: ['the S&P 500', 'Nvidia stock', 'gold', 'the 10-year yield'],
  politics: ['the Senate vote', 'the governor race', 'the approval rating', 'the budget bill'],
  mentions: ['the word "tariff"', 'the word "crypto"', 'the word "AI"', 'the word "inflation"'],
  tech: ['GPT-6', 'an Apple headset', 'a TikTok ban', 'a new iPhone'],
  sports: ['the Lakers', 'Real Madrid', 'the Chiefs', 'Djokovic'],
  geopolitics: ['a ceasefire', 'a trade deal', 'a summit', 'new sanctions'],
};

const CATEGORY_ORDER: readonly Category[] = [
  'crypto',
  'politics',
  'sports',
  'economics',
  'finance',
  'tech',
  'culture',
  'weather',
  'mentions',
  'other',
  'geopolitics',
];

/** Generates `count` markets from `seed`. Market i is the same whatever `count` is. */
export function generateMarkets(seed: number | string, count: number): MarketSpec[] {
  const out: MarketSpec[] = [];
  for (let i = 0; i < count; i++) out.push(generateMarket(seed, i));
  return out;
}

export function generateMarket(seed: number | string, index: number): MarketSpec {
  const rng = new Rng(`${seed}/market/${index}`);
  const category = CATEGORY_ORDER[index % CATEGORY_ORDER.length] as Category;
  const subjects = SUBJECTS[category];
  const subject = subjects[rng.int(subjects.length)] as string;
  const activity: Activity = index % 8 === 0 ? 'busy' : index % 8 === 7 ? 'quiet' : 'normal';
  const tick: Micro = index % 10 === 9 ? 1_000 : 10_000;
  const conditionId = `0x${rng.hex(64)}`;
  const yes = rng.digits(77);
  const no = rng.digits(77);
  const year = 2026 + (index % 3);
  const question = `Will ${subject} hit target #${index + 1} by December 31, ${year}?`;
  const slug = `${subject.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-target-${index + 1}-${year}`.replace(/^-+/, '');
  return {
    index,
    conditionId,
    slug,
    question,
    category,
    feeRate: feeRate(category),
    tick,
    outcomes: ['Yes', 'No'] as const,
    tokenIds: [yes, no] as const,
    activity,
    price: drawPriceParams(rng, activity, tick),
    seed: `${seed}/price/${index}`,
    bookSeed: rng.nextU32(),
    closed: index % 12 === 11,
    baseVolume: (1000 + rng.int(250_000)) * 1_000_000,
    endDate: `${year}-12-31T23:59:59Z`,
  };
}
