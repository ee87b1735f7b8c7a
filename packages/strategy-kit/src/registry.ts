// The built-in strategies by name, and start-up validation of STRATEGY / STRATEGY_PARAMS with errors that
// name the variable and the field.

import { ConfigError } from '@polybot/shared';
import { everyNth } from './strategies/every-nth.js';
import { threshold } from './strategies/threshold.js';
import { zscore } from './strategies/zscore.js';
import type { AnyStrategy } from './strategy.js';

const BUILT_IN: ReadonlyMap<string, AnyStrategy> = new Map<string, AnyStrategy>([
  [threshold.name, threshold],
  [zscore.name, zscore],
  [everyNth.name, everyNth],
]);

export const STRATEGY_NAMES: readonly string[] = [...BUILT_IN.keys()];

/** The strategy called `name`; a ConfigError on STRATEGY listing the known names otherwise. */
export function getStrategy(name: string): AnyStrategy {
  const s = BUILT_IN.get(name);
  if (!s) {
    throw new ConfigError(
      'STRATEGY',
      `unknown strategy ${JSON.stringify(name.slice(0, 64))} (known: ${STRATEGY_NAMES.join(', ')})`,
    );
  }
  return s;
}

/**
 * Parses the JSON text of STRATEGY_PARAMS (or an already parsed object) with the strategy's schema.
 * Bad JSON, unknown fields and bad values are a ConfigError on STRATEGY_PARAMS naming the field.
 */
export function parseStrategyParams(name: string, json: string | Record<string, unknown>): unknown {
  const strategy = getStrategy(name);
  let raw: unknown = json;
  if (typeof json === 'string') {
    try {
      raw = json.trim() === '' ? {} : JSON.parse(json);
    } catch (err) {
      throw new ConfigError('STRATEGY_PARAMS', `invalid STRATEGY_PARAMS: not JSON (${(err as Error).message})`);
    }
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError('STRATEGY_PARAMS', 'invalid STRATEGY_PARAMS: expected a JSON object such as {"low":"0.3"}');
  }
  const res = strategy.params.safeParse(raw);
  if (!res.success) {
    const issues = res.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(params)'}: ${i.message}`)
      .join('; ');
    throw new ConfigError('STRATEGY_PARAMS', `invalid STRATEGY_PARAMS for ${strategy.name}: ${issues}`);
  }
  return res.data;
}

/** Both at once: the strategy and its parsed params, as a worker needs them at start-up. */
export function loadStrategy(
  name: string,
  json: string | Record<string, unknown>,
): {
  strategy: AnyStrategy;
  params: unknown;
} {
  return { strategy: getStrategy(name), params: parseStrategyParams(name, json) };
}
