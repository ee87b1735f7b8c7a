// Nothing secret reaches the page: every JSON body and SSE message passes through this scrubber, which
// removes the configured secrets (API key, dashboard token, Redis password, simulator keys) by value, and
// whatever looks like a key, token or JWT by pattern.

import { scrubString } from '@polybot/shared';

export type Scrubber = (serialised: string) => string;

export function createScrubber(secrets: readonly (string | undefined)[]): Scrubber {
  const needles = new Set<string>();
  for (const s of secrets) {
    if (s === undefined || s.length < 4) continue;
    needles.add(s);
    // As it appears inside a JSON string.
    needles.add(JSON.stringify(s).slice(1, -1));
  }
  const ordered = [...needles].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const n of ordered) out = out.split(n).join('[redacted]');
    return scrubString(out);
  };
}

/** The password of a Redis URL (any topology), if it has one. */
export function redisUrlPassword(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const m = /^[a-z+]+:\/\/(?:[^:@/]*:([^@/]*)@)?/i.exec(url);
  const raw = m?.[1];
  if (raw === undefined || raw === '') return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
