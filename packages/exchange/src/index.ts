// @polybot/exchange: PolySimulator's execution model as a pure, deterministic library: seeded prices,
// synthetic books, VWAP fills, fees and accounts. The simulator and the backtester share it.

export { Account, type Fill, type Position, type PositionStatus } from './account.js';
export {
  type Book,
  type BookShape,
  buildBook,
  complementBook,
  type Level,
  touchGaps,
  toWireLevels,
  type WireLevel,
} from './book.js';
export { ExchangeError } from './errors.js';
export {
  executeTaker,
  MIN_ORDER_SHARES,
  type TakerContext,
  type TakerOrder,
  type TakerResult,
  type TakerTif,
} from './execute.js';
export { CATEGORIES, type Category, DEFAULT_FEE_RATE, FEE_RATES, type Fee, feeRate, takerFee } from './fees.js';
export { fmt, fmtFixed, fmtPrice } from './format.js';
export {
  ACTIVITY_INTERVAL,
  type Activity,
  drawPriceParams,
  PriceModel,
  type PriceModelParams,
} from './price-model.js';
export { hash32, Rng } from './rng.js';
export { generateMarket, generateMarkets, type MarketSpec } from './universe.js';
export { div, mul, type Side, type StopReason, type WalkRequest, type WalkResult, walkBook } from './walk.js';
export { MAX_ORDER_PRICE, MIN_ORDER_PRICE, worstPrice } from './worst-price.js';
