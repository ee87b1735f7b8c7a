export * from './backtest/index.js';
export { createProgram, EXIT_USAGE, runCli } from './program.js';
export { collectStatus, renderStatus, type Status } from './status/collect-status.js';
