// Builds the workspace once for the suites that run the built apps as processes (e2e, chaos). Vitest runs
// two integration files at a time, so two suites may ask together: a lock directory makes the second wait,
// and its own turbo run is then a cache hit.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const LOCK = join(repoRoot, 'node_modules', '.polybot-build.lock');
/** A lock older than this is left over from a killed run. */
const STALE_MS = 10 * 60_000;

async function acquire(): Promise<void> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > STALE_MS) rmSync(LOCK, { recursive: true, force: true });
      } catch {
        // released meanwhile
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Runs `turbo run build` under the lock; throws with turbo's output when the build fails. */
export async function buildWorkspace(): Promise<void> {
  await acquire();
  try {
    const build = spawnSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}\n${build.stderr}`);
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
