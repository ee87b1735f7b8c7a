// DASHBOARD_PROCESSES (`name=url,…`, already validated by the config schema) as probe records.

import type { ProcessProbe } from './status-poller.js';

export function parseProcessProbes(raw: string | undefined): ProcessProbe[] {
  if (raw === undefined || raw === '') return [];
  return raw.split(',').map((part) => {
    const eq = part.indexOf('=');
    return { name: part.slice(0, eq), url: part.slice(eq + 1) };
  });
}
