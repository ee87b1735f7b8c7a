import { describe, expect, it } from 'vitest';
import { createScrubber, redisUrlPassword } from './secret-scrubber.js';

describe('secret scrubbing', () => {
  const apiKey = 'ps_live_SeCrEtKeY0123456789';
  const token = 'dashboard-token-"quoted"\\x';
  const redisPass = 'p@ss:w0rd/with-odd';
  const scrub = createScrubber([apiKey, token, redisPass, undefined, 'ab']);

  it('removes configured secrets by value, also as escaped inside JSON strings', () => {
    const body = JSON.stringify({ reason: `key ${apiKey} token ${token} pass ${redisPass}`, nested: [redisPass] });
    const out = scrub(body);
    for (const s of [apiKey, token, redisPass, JSON.stringify(token).slice(1, -1)]) expect(out).not.toContain(s);
    expect(out).toContain('[redacted]');
    expect(() => JSON.parse(out)).not.toThrow();
  });

  it('removes key-, token- and JWT-shaped strings it was not told about', () => {
    const out = scrub(
      JSON.stringify({ a: 'ps_test_abcdefghijk', b: 'wss://x/ws?token=abc.def', c: 'eyJhbGciOi.eyJzdWIiOi.sig' }),
    );
    expect(out).not.toContain('ps_test_abcdefghijk');
    expect(out).not.toContain('token=abc.def');
    expect(out).not.toContain('eyJhbGciOi.eyJzdWIiOi');
  });

  it('ignores secrets too short to search for, and leaves ordinary text alone', () => {
    expect(scrub('{"market":"ab","price":"0.42"}')).toBe('{"market":"ab","price":"0.42"}');
  });

  it('finds the password of any Redis URL form', () => {
    expect(redisUrlPassword('redis://:hunter2@127.0.0.1:6379')).toBe('hunter2');
    expect(redisUrlPassword('redis://user:p%40ss@h:1/0')).toBe('p@ss');
    expect(redisUrlPassword('redis+sentinel://:pw@h1:26379,h2:26379?name=m')).toBe('pw');
    expect(redisUrlPassword('redis+cluster://h1:7000,h2:7001')).toBeUndefined();
    expect(redisUrlPassword('redis://127.0.0.1:6379')).toBeUndefined();
    expect(redisUrlPassword(undefined)).toBeUndefined();
  });
});
