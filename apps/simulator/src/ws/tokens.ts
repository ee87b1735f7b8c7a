// Short-lived WS tokens (JWT-shaped, HMAC-signed). Reusable within their TTL unless strict mode is on.

import { createHmac, randomBytes } from 'node:crypto';

interface TokenInfo {
  userId: number;
  expMs: number;
  used: boolean;
}

const b64 = (s: string) => Buffer.from(s).toString('base64url');
const HEADER = b64('{"alg":"HS256","typ":"JWT"}');

export type TokenCheck = { ok: true; userId: number; expMs: number } | { ok: false; reason: 'invalid' | 'expired' };

export class TokenStore {
  readonly #secret = randomBytes(32);
  readonly #tokens = new Map<string, TokenInfo>();
  readonly #strict: boolean;
  #seq = 0;

  constructor(strict: boolean) {
    this.#strict = strict;
  }

  mint(userId: number, nowMs: number, ttlMs: number): string {
    const expMs = nowMs + ttlMs;
    const payload = b64(JSON.stringify({ sub: String(userId), exp: Math.floor(expMs / 1000), jti: ++this.#seq }));
    const sig = createHmac('sha256', this.#secret).update(`${HEADER}.${payload}`).digest('base64url');
    const token = `${HEADER}.${payload}.${sig}`;
    this.#tokens.set(token, { userId, expMs, used: false });
    if (this.#tokens.size > 10_000) this.sweep(nowMs);
    return token;
  }

  /** Validates a token at connect time (and marks it used in strict mode). */
  check(token: string | null, nowMs: number): TokenCheck {
    if (!token) return { ok: false, reason: 'invalid' };
    const info = this.#tokens.get(token);
    if (!info) return { ok: false, reason: 'invalid' };
    if (info.expMs <= nowMs) return { ok: false, reason: 'expired' };
    if (this.#strict && info.used) return { ok: false, reason: 'invalid' };
    info.used = true;
    return { ok: true, userId: info.userId, expMs: info.expMs };
  }

  /** Fault: every token minted so far is expired now. */
  expireAll(): void {
    for (const t of this.#tokens.values()) t.expMs = 0;
  }

  sweep(nowMs: number): void {
    for (const [k, v] of this.#tokens) if (v.expMs <= nowMs) this.#tokens.delete(k);
  }
}
