// The bundled page (dist/web, built by scripts/bundle-web.mjs), read once at start-up and served from
// memory: no CDN, nothing fetched at run time.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';

export interface WebAsset {
  body: Buffer;
  type: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Files of `dir` by URL path (`/index.html`, `/app.js`, …). Throws when the bundle is missing. */
export function loadWebAssets(dir: string): Map<string, WebAsset> {
  const out = new Map<string, WebAsset>();
  const walk = (d: string, prefix: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p, `${prefix}${name}/`);
      else
        out.set(`/${prefix}${name}`, {
          body: readFileSync(p),
          type: TYPES[extname(name)] ?? 'application/octet-stream',
        });
    }
  };
  walk(dir, '');
  if (!out.has('/index.html')) throw new Error(`dashboard page not built: ${join(dir, 'index.html')} is missing`);
  return out;
}
