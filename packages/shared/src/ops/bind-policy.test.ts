import { describe, expect, it } from 'vitest';
import { assertBindAllowed, BindRefusedError, isLoopbackHost } from './bind-policy.js';

describe('dashboard bind policy', () => {
  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1'])
      expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.com', '::ffff:10.0.0.1'])
      expect(isLoopbackHost(h), h).toBe(false);
  });

  it('refuses a non-loopback bind without a token, with one line naming the variable', () => {
    expect(() => assertBindAllowed('127.0.0.1', undefined)).not.toThrow();
    expect(() => assertBindAllowed('0.0.0.0', 'a-token-of-16-chars')).not.toThrow();
    let err: unknown;
    try {
      assertBindAllowed('0.0.0.0', undefined);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BindRefusedError);
    expect((err as BindRefusedError).code).toBe('DASHBOARD_BIND_REFUSED');
    expect((err as Error).message).toMatch(/DASHBOARD_TOKEN/);
    expect((err as Error).message).not.toContain('\n');
    expect(() => assertBindAllowed('10.0.0.1', '')).toThrow(BindRefusedError);
  });
});
