// Checks a control request (halt, resume, Bull Board job actions): controls must be enabled, the Origin must
// be the dashboard's own (a page on another site cannot POST here), and the token must match when one is set.

import { createHash, timingSafeEqual } from 'node:crypto';

export interface ControlGuardOptions {
  controls: boolean;
  /** DASHBOARD_TOKEN; undefined = no token required (loopback only, enforced at bind). */
  token: string | undefined;
  /** Origins the page is served from, e.g. http://127.0.0.1:7070. */
  allowedOrigins: () => ReadonlySet<string>;
}

export type GuardFailureCode = 'CONTROLS_DISABLED' | 'ORIGIN_REJECTED' | 'TOKEN_REQUIRED' | 'TOKEN_INVALID';
export type GuardResult = { ok: true } | { ok: false; status: 401 | 403; code: GuardFailureCode };

export interface ControlHeaders {
  origin?: string | undefined;
  authorization?: string | undefined;
  'x-dashboard-token'?: string | string[] | undefined;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time comparison (on digests, so the lengths do not leak either). */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function presentedToken(h: ControlHeaders): string | undefined {
  const x = h['x-dashboard-token'];
  if (typeof x === 'string' && x !== '') return x;
  const m = /^Bearer\s+(\S+)$/i.exec(h.authorization ?? '');
  return m?.[1];
}

export function checkControl(h: ControlHeaders, opts: ControlGuardOptions): GuardResult {
  if (!opts.controls) return { ok: false, status: 403, code: 'CONTROLS_DISABLED' };
  const origin = h.origin;
  if (origin === undefined || !opts.allowedOrigins().has(origin)) {
    return { ok: false, status: 403, code: 'ORIGIN_REJECTED' };
  }
  if (opts.token !== undefined && opts.token !== '') {
    const given = presentedToken(h);
    if (given === undefined) return { ok: false, status: 401, code: 'TOKEN_REQUIRED' };
    if (!tokenMatches(given, opts.token)) return { ok: false, status: 401, code: 'TOKEN_INVALID' };
  }
  return { ok: true };
}

/** The origins a browser sends for pages served on `host:port`, plus the loopback aliases. */
export function originsFor(host: string, port: number): Set<string> {
  const hosts = new Set(['127.0.0.1', 'localhost', '[::1]']);
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  if (h !== '0.0.0.0' && h !== '[::]') hosts.add(h);
  return new Set([...hosts].map((x) => `http://${x}:${port}`));
}
