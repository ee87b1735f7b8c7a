import { describe, expect, it } from 'vitest';
import { TokenStore } from './tokens.js';

describe('TokenStore', () => {
  it('mints JWT-shaped tokens valid until their TTL, reusable unless strict', () => {
    const s = new TokenStore(false);
    const t = s.mint(7, 1000, 60_000);
    expect(t.split('.')).toHaveLength(3);
    expect(t.startsWith('eyJ')).toBe(true);
    expect(s.check(t, 2000)).toEqual({ ok: true, userId: 7, expMs: 61_000 });
    expect(s.check(t, 3000).ok).toBe(true);
    expect(s.check(t, 61_000)).toEqual({ ok: false, reason: 'expired' });
    expect(s.check('nope', 0)).toEqual({ ok: false, reason: 'invalid' });
    expect(s.check(null, 0)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses a second use in strict mode and expires everything on demand', () => {
    const s = new TokenStore(true);
    const t = s.mint(1, 0, 60_000);
    expect(s.check(t, 1).ok).toBe(true);
    expect(s.check(t, 2)).toEqual({ ok: false, reason: 'invalid' });
    const u = s.mint(1, 0, 60_000);
    s.expireAll();
    expect(s.check(u, 1)).toEqual({ ok: false, reason: 'expired' });
  });
});
