// @polybot/dashboard: the live web dashboard (createDashboard) and its building blocks, for tests.

export { createDashboard, type Dashboard, type DashboardDeps } from './create-dashboard.js';
export type * from './live/page-events.js';
export { createScrubber, redisUrlPassword } from './live/secret-scrubber.js';
export { formatSse, SseHub, type SseSink } from './live/sse-hub.js';
export { checkControl, originsFor, tokenMatches } from './security/control-guard.js';
export { parseProcessProbes } from './status/process-probes.js';
