// `polybot backtest`: the engine (pure), its report and renderers, and the command. The recording reader is
// re-exported for the benchmark's read-and-parse floor.

export { openRecording } from '../recording/reader.js';

export {
  type BacktestArgs,
  type BacktestResult,
  backtestCommand,
  backtestOptions,
  SAMPLE_RECORDING,
} from './command.js';
export { Backtester, type BacktestHeader, type BacktestInput, runBacktest } from './engine.js';
export { levelsAt, worstPrice, yesBookAt } from './fill-model.js';
export { type MarketMeta, marketMetaOf } from './market-meta.js';
export {
  type BacktestOptions,
  type BacktestSettings,
  DEFAULT_LIMITS,
  DEFAULT_OPTIONS,
  type FillModel,
  type FillOn,
  withDefaults,
} from './options.js';
export { type BacktestIo, registerBacktest } from './register.js';
export { renderHtml } from './render-html.js';
export { renderTable } from './render-table.js';
export {
  type BacktestReport,
  type MarketRow,
  REPORT_FORMAT,
  REPORT_VERSION,
  reportJson,
  type TradeRow,
} from './report.js';
