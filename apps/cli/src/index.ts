export { collectStatus, renderStatus, type Status } from '@polybot/shared';
export * from './backtest/index.js';
export { createProgram, EXIT_USAGE, runCli } from './program.js';
