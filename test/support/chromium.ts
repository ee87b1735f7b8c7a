// Headless Chromium for the browser tests: Debian's `chromium` (or CHROMIUM_PATH) driven by playwright-core,
// a page that records its console errors and refuses every request the test does not allow, and screenshots
// kept in test-artifacts/.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { repoRoot } from './build.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Throws, with how to install it, when there is no Chromium at CHROMIUM. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install it (Debian/Ubuntu: sudo apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
  }
}

/** Launches headless Chromium; the caller closes it. `--no-sandbox`: test containers often run as root. */
export function launchChromium(): Promise<Browser> {
  requireChromium();
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

export interface PageWatch {
  /** Console errors and uncaught page errors, in order. */
  problems: string[];
  /** URLs of requests that were refused because `allowed` did not pass them. */
  external: string[];
}

/** Watches `page` from now on: records its errors, and aborts (and records) every request `allowed` refuses. */
export async function watchPage(page: Page, allowed: (url: string) => boolean): Promise<PageWatch> {
  const watch: PageWatch = { problems: [], external: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') watch.problems.push(m.text());
  });
  page.on('pageerror', (e) => watch.problems.push(String(e)));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (allowed(url)) return route.continue();
    watch.external.push(url);
    return route.abort();
  });
  return watch;
}

/** A full-page screenshot, test-artifacts/`name`. */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  const artifacts = join(repoRoot, 'test-artifacts');
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, name), fullPage: true });
}
