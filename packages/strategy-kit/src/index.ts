// @polybot/strategy-kit: the Strategy API, the built-in strategies, the market runner and the risk rules
// (pure, and the Redis ledger's reservation calls) shared by the workers, replay and backtest.

export * from './params.js';
export * from './registry.js';
export * from './risk/redis-ledger.js';
export * from './risk/risk-rules.js';
export * from './runtime/market-runner.js';
export * from './strategies/every-nth.js';
export * from './strategies/threshold.js';
export * from './strategies/zscore.js';
export * from './strategy.js';
