// The backtest's HTML report renders in a real browser, offline: headless Chromium (Debian's `chromium`,
// driven by playwright-core) opens report.html from disk with every network request refused, and the page
// shows its equity curve and per-market chart without a console error. A screenshot is kept as an artifact.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { backtestCommand } from '../../apps/cli/src/backtest/index.js';
import { launchChromium, requireChromium, saveScreenshot, watchPage } from '../support/chromium.js';

const browsers: { close(): Promise<void> }[] = [];

afterAll(async () => {
  await Promise.all(browsers.map((b) => b.close()));
});

describe('backtest HTML report', () => {
  it('renders offline in headless Chromium with its charts and no console error', async () => {
    requireChromium();
    const out = await mkdtemp(join(tmpdir(), 'polybot-report-'));
    const { htmlPath, report } = await backtestCommand({ env: {}, write: () => {}, out });
    expect(report.summary.trades).toBeGreaterThan(0);

    const browser = await launchChromium();
    browsers.push(browser);
    const context = await browser.newContext({ offline: true });
    const page = await context.newPage();
    const { problems, external } = await watchPage(page, (url) => url.startsWith('file:') || url.startsWith('data:'));
    const res = await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
    expect(res?.ok() ?? true).toBe(true);

    expect(problems).toEqual([]);
    expect(external).toEqual([]);
    // The equity curve and the per-market chart are inline SVG with drawn paths.
    expect(await page.locator('svg').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('svg path, svg polyline').count()).toBeGreaterThan(0);
    expect(await page.title()).not.toBe('');

    await saveScreenshot(page, 'backtest-report.png');
  }, 60_000);
});
