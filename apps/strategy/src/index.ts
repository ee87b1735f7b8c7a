// @polybot/strategy: the strategy worker app. main.ts runs it; tests import the factory.

export { ORDER_JOB_NAME } from './enqueue/intent-sink.js';
export { createRiskGate, type GateVerdict, type RiskGate } from './risk/risk-gate.js';
export { createStrategyWorker, type StrategyWorker, type StrategyWorkerDeps } from './worker.js';
