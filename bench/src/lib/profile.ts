// Reads a V8 .cpuprofile (node --cpu-prof) and names its hot spots: self time per function, busy share.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface HotSpots {
  file: string;
  /** Share of samples not idle. */
  busy: number;
  /** Top functions by self time, as "name (file:line) 12.3%" of busy samples. */
  top: string[];
}

export function hotSpots(file: string, topN = 4): HotSpots {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[] };
  const self = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const n of prof.nodes) {
    const hits = n.hitCount ?? 0;
    total += hits;
    const f = n.callFrame;
    if (f.functionName === '(idle)') {
      idle += hits;
      continue;
    }
    const short = f.url
      .replace(/^file:\/\//, '')
      .replace(/^.*\/node_modules\//, '')
      .replace(/^.*\/(apps|packages)\//, '$1/');
    const label = `${f.functionName || '(anonymous)'}${short ? ` (${short}:${f.lineNumber + 1})` : ''}`;
    self.set(label, (self.get(label) ?? 0) + hits);
  }
  const busy = total - idle;
  const top = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, topN)
    .map(([label, hits]) => `${label} ${((100 * hits) / Math.max(1, busy)).toFixed(1)}%`);
  return { file, busy: total > 0 ? busy / total : 0, top };
}

/** The newest profile in `dir` whose name starts with `prefix`. */
export function findProfile(dir: string, prefix: string): string | undefined {
  try {
    const files = readdirSync(dir)
      .filter((f) => f.startsWith(prefix) && f.endsWith('.cpuprofile'))
      .sort();
    const last = files.at(-1);
    return last ? join(dir, last) : undefined;
  } catch {
    return undefined;
  }
}
