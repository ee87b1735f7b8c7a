import { ConfigError } from '@polybot/shared';
import { describe, expect, it } from 'vitest';
import { getStrategy, loadStrategy, parseStrategyParams, STRATEGY_NAMES } from './registry.js';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('strategy registry', () => {
  it('knows the built-in strategies', () => {
    expect(STRATEGY_NAMES).toEqual(['threshold', 'zscore', 'every-nth']);
    expect(getStrategy('zscore').name).toBe('zscore');
    expect(loadStrategy('threshold', '{}').params).toMatchObject({ low: 350_000 });
  });

  it('names STRATEGY and the known names for an unknown strategy', () => {
    const err = configError(() => getStrategy('moon'));
    expect(err.variable).toBe('STRATEGY');
    expect(err.message).toBe('unknown strategy "moon" (known: threshold, zscore, every-nth)');
  });

  it.each([
    ['not JSON', '{low:', /not JSON/],
    ['an array', '[1]', /expected a JSON object/],
    ['an unknown field', '{"lo":"0.3"}', /Unrecognized key.*lo/i],
    ['a float exponent', '{"low":"3e-1"}', /low: expected a plain decimal/],
    ['a price out of range', '{"high":"1.2"}', /high: expected a price strictly between 0 and 1/],
    ['sizes off the venue quantum', '{"size":"0.00001"}', /size: expected at most 4 decimal places/],
    ['low above high', '{"low":"0.7","high":"0.6"}', /low: low must be below high/],
    ['a bad window', '{"window":1}', null],
  ])('rejects %s in STRATEGY_PARAMS', (_name, json, pattern) => {
    const strategy = json.includes('window') ? 'zscore' : 'threshold';
    const err = configError(() => parseStrategyParams(strategy, json));
    expect(err.variable).toBe('STRATEGY_PARAMS');
    expect(err.message).toMatch(/^invalid STRATEGY_PARAMS/);
    if (pattern) expect(err.message).toMatch(pattern);
  });

  it('treats empty params as the defaults', () => {
    expect(parseStrategyParams('zscore', '')).toEqual(parseStrategyParams('zscore', {}));
  });
});
