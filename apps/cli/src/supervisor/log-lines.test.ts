import { describe, expect, it } from 'vitest';
import { createLineFormatter } from './log-lines.js';

const KEY = `ps_test_${'ab'.repeat(32)}`;

describe('child log lines', () => {
  it('pretty-prints pino JSON with a name prefix', () => {
    const f = createLineFormatter({ json: false, color: false });
    const line = f(
      'ingestor',
      JSON.stringify({ level: 30, time: 1_700_000_000_000, app: 'ingestor', msg: 'connected' }),
    );
    expect(line).toMatch(/^ingestor\s+│ /);
    expect(line).toContain('INFO');
    expect(line).toContain('connected');
  });

  it('passes JSON through with --json and wraps plain text', () => {
    const f = createLineFormatter({ json: true, color: false });
    const raw = JSON.stringify({ level: 30, msg: 'x' });
    expect(f('a', raw)).toBe(raw);
    expect(JSON.parse(f('sim', 'listening on http://127.0.0.1:8000'))).toEqual({
      app: 'sim',
      msg: 'listening on http://127.0.0.1:8000',
    });
  });

  it('scrubs secrets from whatever a child prints', () => {
    for (const json of [true, false]) {
      const f = createLineFormatter({ json, color: false });
      expect(f('sim', `dev API key: ${KEY}`)).not.toContain(KEY);
      expect(f('x', JSON.stringify({ level: 40, msg: `url ws://h/v1/ws/prices?token=abc.def.ghi` }))).not.toContain(
        'abc.def.ghi',
      );
    }
  });
});
