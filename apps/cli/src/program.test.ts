import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EXIT_USAGE, runCli } from './program.js';

function io(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (arr: string[]) =>
    new Writable({
      write(chunk, _e, cb) {
        arr.push(String(chunk));
        cb();
      },
    });
  return { out, err, io: { env, out: sink(out), err: sink(err), setExitCode: () => {} } };
}

describe('polybot CLI parsing', () => {
  it('--help lists every command with examples', async () => {
    const t = io();
    expect(await runCli(['--help'], t.io)).toBe(0);
    const text = t.out.join('');
    for (const c of ['up', 'sim', 'ingestor', 'strategy', 'executor', 'status', 'halt', 'resume'])
      expect(text).toContain(c);
    expect(text).toContain('Examples:');
  });

  it.each(['up', 'sim', 'ingestor', 'strategy', 'executor', 'status', 'halt', 'resume'])(
    '%s --help has examples',
    async (cmd) => {
      const t = io();
      expect(await runCli([cmd, '--help'], t.io)).toBe(0);
      expect(t.out.join('')).toContain('Examples:');
    },
  );

  it.each([
    [['bogus'], /unknown command 'bogus'/],
    [['status', '--frobnicate'], /unknown option '--frobnicate'/],
    [['up', '--workers', 'x'], /--workers must be a whole number/],
    [['up', '--workers', '0'], /--workers must be between 1 and 64/],
    [['sim', '--port', '70000'], /--port must be between 0 and 65535/],
  ])('%j is a usage error: one line, exit 2', async (argv, message) => {
    const t = io();
    expect(await runCli(argv, t.io)).toBe(EXIT_USAGE);
    const text = t.err.join('');
    expect(text).toMatch(message);
    expect(text.trim().split('\n')).toHaveLength(1);
  });

  it('a missing REDIS_URL is one clear line with exit 2', async () => {
    const t = io({});
    expect(await runCli(['status'], t.io)).toBe(EXIT_USAGE);
    expect(t.err.join('')).toMatch(/^polybot: missing REDIS_URL/);
  });

  it('a bad environment value names the variable and exits 2', async () => {
    const t = io({ REDIS_URL: 'redis://127.0.0.1:1', POLYBOT_PARTITIONS: 'lots' });
    expect(await runCli(['status'], t.io)).toBe(EXIT_USAGE);
    expect(t.err.join('')).toMatch(/POLYBOT_PARTITIONS/);
  });
});
