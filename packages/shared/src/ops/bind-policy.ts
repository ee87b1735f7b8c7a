// Where the dashboard may listen: loopback by default; any other address only with DASHBOARD_TOKEN, since
// the page shows the bot's state and its controls can halt trading. Checked by the dashboard itself and by
// `polybot up` before it starts anything.

import { isIP } from 'node:net';
import { PolybotError } from '../errors/polybot-error.js';

/** True for 127.0.0.0/8, ::1, ::ffff:127.x and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h.startsWith('::ffff:')) return isIP(h.slice(7)) === 4 && h.slice(7).startsWith('127.');
  return false;
}

export class BindRefusedError extends PolybotError {
  constructor(host: string) {
    super(
      'DASHBOARD_BIND_REFUSED',
      `refusing to serve the dashboard on ${host} (not loopback) without DASHBOARD_TOKEN: set DASHBOARD_TOKEN (16+ characters) or DASHBOARD_HOST=127.0.0.1`,
      { details: { host } },
    );
    this.name = 'BindRefusedError';
  }
}

/** Throws BindRefusedError when `host` is not loopback and no token is set. */
export function assertBindAllowed(host: string, token: string | undefined): void {
  if (!isLoopbackHost(host) && (token === undefined || token === '')) throw new BindRefusedError(host);
}
