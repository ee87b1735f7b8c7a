// @polybot/simulator: a faithful local PolySimulator (REST + WebSocket) with fault injection.

export { devApiKey, KEY_RE } from './accounts.js';
export { ApiError } from './errors.js';
export { type AmbiguousMode, DEFAULT_FAULTS, type FaultSettings } from './faults.js';
export type { FeedPhases } from './market/feed.js';
export { type ApiKeySpec, DEFAULT_TIERS, type SimulatorOptions, type TierSpec } from './options.js';
export { createSimulator, type Simulator, type SimulatorFaults } from './simulator.js';
export type { SimStats } from './stats.js';
