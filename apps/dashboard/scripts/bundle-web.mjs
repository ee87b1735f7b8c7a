// Bundles the page (web/) into dist/web with esbuild: one ES module, its CSS and uPlot's CSS, served
// offline by the dashboard (no CDN).
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const out = join(root, 'dist', 'web');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(root, 'web', 'main.ts')],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
});
const require = createRequire(import.meta.url);
copyFileSync(join(dirname(require.resolve('uplot')), 'uPlot.min.css'), join(out, 'uplot.css'));
copyFileSync(join(root, 'web', 'app.css'), join(out, 'app.css'));
copyFileSync(join(root, 'web', 'index.html'), join(out, 'index.html'));
