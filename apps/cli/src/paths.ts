// Where the app entry points live. The CLI starts apps as child processes and never imports them.

import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const APPS = ['simulator', 'ingestor', 'strategy', 'executor', 'dashboard'] as const;
export type AppName = (typeof APPS)[number];

/** The repository (or image) root: apps/cli/dist/paths.js → ../../.. */
export function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

export function appEntry(app: AppName, root = repoRoot()): string {
  return resolve(root, 'apps', app, 'dist', 'main.js');
}

/** Apps whose build output is missing (run `npm run build`). */
export function missingBuilds(root = repoRoot()): AppName[] {
  return APPS.filter((a) => !existsSync(appEntry(a, root)));
}
