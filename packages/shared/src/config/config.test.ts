import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/polybot-error.js';
import { renderEnvExample, withConfigTable } from './env-example.js';
import { loadConfig, requireConfig } from './load-config.js';
import { ENV_SPECS } from './schema.js';

const KEY = `ps_live_${'a1'.repeat(32)}`;

describe('loadConfig', () => {
  it('applies documented defaults and freezes the result', () => {
    const cfg = loadConfig({});
    expect(cfg.POLYBOT_NS).toBe('polybot');
    expect(cfg.POLYBOT_PARTITIONS).toBe(8);
    expect(cfg.REDIS_URL).toBeUndefined();
    expect(cfg.POLYSIM_API_KEY).toBeUndefined();
    expect(Object.isFrozen(cfg)).toBe(true);
  });

  it('parses typed values', () => {
    const cfg = loadConfig({
      POLYBOT_PARTITIONS: '16',
      EXECUTOR_HEARTBEAT: 'true',
      POLYSIM_API_KEY: KEY,
      REDIS_URL: 'redis://h:1',
    });
    expect(cfg.POLYBOT_PARTITIONS).toBe(16);
    expect(cfg.EXECUTOR_HEARTBEAT).toBe(true);
    expect(cfg.POLYSIM_API_KEY).toBe(KEY);
  });

  it('names the variable in one line and never echoes the value', () => {
    const secretish = 'ps_live_short!';
    try {
      loadConfig({ POLYSIM_API_KEY: secretish });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const e = err as ConfigError;
      expect(e.variable).toBe('POLYSIM_API_KEY');
      expect(e.message).toContain('POLYSIM_API_KEY');
      expect(e.message).not.toContain(secretish);
      expect(e.message.split('\n')).toHaveLength(1);
    }
    expect(() => loadConfig({ POLYBOT_PARTITIONS: 'many' })).toThrow(/POLYBOT_PARTITIONS/);
    expect(() => loadConfig({ POLYBOT_NS: 'Bad Name' })).toThrow(/POLYBOT_NS/);
    expect(() => loadConfig({ POLYBOT_MARKETS: '0x12' })).toThrow(/POLYBOT_MARKETS/);
  });

  it('parses JSON variables with their schema and names the variable when they are wrong', () => {
    const cfg = loadConfig({
      SIM_FEE_RATES: '{"crypto":"0.07"}',
      SIM_FAULTS: '{"serverBusyShare":0.25,"ambiguousMode":"hang"}',
    });
    expect(cfg.SIM_FEE_RATES).toEqual({ crypto: '0.07' });
    expect(cfg.SIM_FAULTS).toEqual({ serverBusyShare: 0.25, ambiguousMode: 'hang' });
    expect(() => loadConfig({ SIM_FAULTS: '{nope' })).toThrow(/SIM_FAULTS.*expected JSON/);
    expect(() => loadConfig({ SIM_FAULTS: '{"serverBusyShare":3}' })).toThrow(/SIM_FAULTS/);
    expect(() => loadConfig({ SIM_TIERS: '[{"tier":"pro"}]' })).toThrow(/SIM_TIERS/);
    expect(() => loadConfig({ SIM_FEE_RATES: '{"crypto":0.07}' })).toThrow(/SIM_FEE_RATES/);
  });

  it('requireConfig explains a missing variable', () => {
    const cfg = loadConfig({});
    expect(() => requireConfig(cfg, 'REDIS_URL')).toThrow(/missing REDIS_URL/);
    expect(requireConfig(loadConfig({ REDIS_URL: 'redis://x:1' }), 'REDIS_URL')).toBe('redis://x:1');
  });

  it('every default is itself valid', () => {
    for (const spec of ENV_SPECS) {
      if ('default' in spec) expect(spec.schema.safeParse(spec.default).success, spec.name).toBe(true);
    }
  });
});

describe('.env.example', () => {
  it('is in sync with the schema (npm run env:example regenerates it)', () => {
    const path = fileURLToPath(new URL('../../../../.env.example', import.meta.url));
    expect(readFileSync(path, 'utf8')).toBe(renderEnvExample());
  });

  it('the README configuration table is in sync with the schema', () => {
    const path = fileURLToPath(new URL('../../../../README.md', import.meta.url));
    const readme = readFileSync(path, 'utf8');
    expect(readme).toBe(withConfigTable(readme));
    for (const spec of ENV_SPECS) expect(readme).toContain(`| \`${spec.name}\` |`);
  });

  it('lists every variable, and no secret value', () => {
    const text = renderEnvExample();
    for (const spec of ENV_SPECS) expect(text).toContain(`# ${spec.name}=`);
    expect(text).not.toMatch(/ps_live_[A-Za-z0-9]/);
  });
});
