import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerBacktest } from './register.js';

function program() {
  let text = '';
  let code = -1;
  const out = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  const p = new Command('polybot').exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
  registerBacktest(p, { env: {}, out, setExitCode: (c) => (code = c) });
  return { p, text: () => text, code: () => code };
}

describe('polybot backtest (command line)', () => {
  it('runs the shipped sample with flags and prints the table', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'polybot-bt-cli-'));
    const { p, text, code } = program();
    await p.parseAsync(['backtest', '--out', dir, '--fill', 'touch', '--fill-on', 'next', '--cash', '500.5'], {
      from: 'user',
    });
    expect(code()).toBe(0);
    expect(text()).toMatch(/backtest sample\.jsonl\.gz · threshold/);
    expect(text()).toMatch(/^equity {7}\d+\.\d{2} USD \(start 500\.50, return -?\d+\.\d{2} %\)$/m);
    expect(text()).toMatch(/^market +category +ticks/m);
    expect(text()).toContain(`wrote ${join(dir, 'report.html')}`);
    const r = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(r.config).toMatchObject({ fill: 'touch', fill_on: 'next', starting_cash: '500.500000' });
  });

  it.each([
    [['--fill', 'magic'], /Allowed choices are book, touch/],
    [['--fill-on', 'later'], /Allowed choices are tick, next/],
    [['--slippage-bps', '20000'], /--slippage-bps must be a whole number/],
    [['--cash', '1e6'], /--cash must be a plain decimal/],
  ])('rejects bad flag %j with one clear line', async (flags, message) => {
    const { p } = program();
    const err = await p.parseAsync(['backtest', ...flags], { from: 'user' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommanderError);
    expect((err as Error).message).toMatch(message);
  });
});
