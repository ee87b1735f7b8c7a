export { collectStatus, renderStatus, type Status } from '@polybot/shared';
export * from './backtest/index.js';
export {
  addToBatch,
  appendEntries,
  REPLAY_CACHE_MAX,
  type ReplayOptions,
  type ReplaySummary,
  runReplay,
} from './commands/replay.js';
export { createProgram, EXIT_USAGE, runCli } from './program.js';
