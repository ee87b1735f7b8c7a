// Every command the README shows is exercised: this test reads README.md, extracts each command from its
// shell blocks and inline code, and either runs it (the `polybot` commands, through the built CLI, against a
// Redis of its own and in a scratch directory) or checks that the test or CI step that runs it exists. A new
// command in the README that nothing exercises fails here.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keys, partition, TickContract, tickKey } from '@polybot/shared';
import { freePort, startRedis, type TestRedis } from '@polybot/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../chaos/stack.js';
import { buildWorkspace } from '../support/build.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const cli = join(repoRoot, 'apps/cli/dist/main.js');

/** Splits a shell line into words: single and double quotes, `#` comments, `&&` chains. */
function shellWords(line: string): string[][] {
  const commands: string[][] = [[]];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  const push = () => {
    if (inWord) (commands.at(-1) as string[]).push(word);
    word = '';
    inWord = false;
  };
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quote) {
      if (ch === quote) quote = undefined;
      else word += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '#' && !inWord) break;
    else if (ch === ' ' || ch === '\t') push();
    else if (ch === '&' && line[i + 1] === '&') {
      push();
      commands.push([]);
      i++;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated quote in: ${line}`);
  push();
  return commands.filter((c) => c.length > 0);
}

const PROGRAMS = /^(polybot|npm|npx|node|docker|[A-Z_]+=\S*)$/;
/** Placeholders in prose (`polybot replay FILE`, `[FILE]`, `N|max`, `…`) are descriptions, not commands. */
const PLACEHOLDER = /^[A-Z]+$|[[\]|…]/;

/** A command of the README: its words (program first) and the environment assignments before it. */
interface ReadmeCommand {
  words: string[];
  env: Record<string, string>;
}

function readmeCommands(): ReadmeCommand[] {
  const lines: string[] = [];
  let fence: string | undefined;
  for (const line of readme.split('\n')) {
    const f = /^```(\w*)/.exec(line);
    if (f) {
      fence = fence === undefined ? (f[1] ?? '') : undefined;
      continue;
    }
    if (fence === 'sh' || fence === 'bash') lines.push(line);
    else if (fence === undefined) for (const m of line.matchAll(/`([^`]+)`/g)) lines.push(m[1] as string);
  }
  const out: ReadmeCommand[] = [];
  for (const line of lines) {
    for (const all of shellWords(line.trim())) {
      if (!PROGRAMS.test(all[0] as string)) continue;
      const env: Record<string, string> = {};
      let i = 0;
      for (; i < all.length && /^[A-Z_]+=/.test(all[i] as string); i++) {
        const [k, ...v] = (all[i] as string).split('=');
        env[k as string] = v.join('=');
      }
      const words = all.slice(i);
      if (words.length < 2 || words.some((w) => PLACEHOLDER.test(w))) continue;
      if (['polybot', 'npm', 'npx', 'node', 'docker'].includes(words[0] as string)) out.push({ words, env });
    }
  }
  return out;
}

const readmeList = readmeCommands();
const commands = readmeList.map((c) => c.words);
const text = (words: string[]) => words.join(' ');
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
const ciScript = readFileSync(join(repoRoot, '.ci/run'), 'utf8');
const source = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

/** Commands that run for long or need what a test machine lacks, and the test that runs them. */
const ELSEWHERE: { match: RegExp; file: string; proves: RegExp }[] = [
  { match: /^(npm start|polybot up)$/, file: 'test/e2e/up.int.test.ts', proves: /'up'/ },
  { match: /^npm install$/, file: '.ci/run', proves: /npm ci/ },
  { match: /^docker compose up/, file: 'test/deploy/compose.test.ts', proves: /scale/ },
  { match: /^npx vitest run test\/chaos$/, file: 'test/chaos/chaos.int.test.ts', proves: /CHAOS_SEED/ },
];

describe('README commands', () => {
  it('finds the commands of the README', () => {
    const all = commands.map(text);
    expect(all).toContain('npm test');
    expect(all).toContain('polybot backtest');
    expect(all.filter((c) => c.startsWith('polybot ')).length).toBeGreaterThanOrEqual(8);
  });

  it('every npm script it names exists, and CI runs npm ci, npm test and the bench smoke', () => {
    for (const words of commands.filter((w) => w[0] === 'npm')) {
      const [, verb, script] = words;
      if (verb === 'run') expect(pkg.scripts, text(words)).toHaveProperty(script as string);
      else if (verb === 'test' || verb === 'start') expect(pkg.scripts, text(words)).toHaveProperty(verb);
      else expect(['install', 'ci'], text(words)).toContain(verb);
    }
    expect(ciScript).toMatch(/^npm ci\b/m);
    expect(ciScript).toMatch(/^npm test$/m);
    expect(ciScript).toMatch(/^npm run bench -- --smoke$/m);
  });

  it('every long-running command is run by the test that proves it', () => {
    for (const words of commands) {
      const c = text(words);
      const e = ELSEWHERE.find((x) => x.match.test(c));
      if (!e) continue;
      expect(existsSync(join(repoRoot, e.file)), `${c}: ${e.file}`).toBe(true);
      expect(source(e.file), `${c}: ${e.file}`).toMatch(e.proves);
    }
  });
});

describe('README polybot commands, run through the built CLI', () => {
  let redis: TestRedis;
  let cwd: string;
  let env: NodeJS.ProcessEnv;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    await buildWorkspace();
    redis = await startRedis({ own: true });
    cwd = await mkdtemp(join(tmpdir(), 'polybot-readme-'));
    env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', REDIS_URL: redis.url, LOG_LEVEL: 'warn' };
    // A namespace `polybot` with ticks after the README's --from date, as a running bot leaves it.
    const c = redis.client();
    const k = keys('polybot');
    const t0 = Date.parse('2026-11-24T00:00:00Z') + 3_600_000;
    for (let i = 0; i < 600; i++) {
      const m = `0x${((i % 4) + 1).toString(16).padStart(64, '0')}`;
      const yes = 300_000 + ((i * 7919) % 400_000);
      const base = {
        type: 'tick' as const,
        market_id: m,
        yes,
        no: 1_000_000 - yes,
        best_bid: yes - 10_000,
        best_ask: yes + 10_000,
        emit_ts_ms: t0 + i * 50,
        recv_ts_ms: t0 + i * 50 + 2,
        conn_epoch: 1,
        source: 'websocket',
        tradable: true,
      };
      await c.xadd(k.ticks(partition(m, 4)), '*', ...TickContract.toArgs({ ...base, key: tickKey(base) }));
    }
  }, 600_000);
  afterAll(async () => {
    // A command that hung (a failed test) must not outlive the suite.
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await redis?.stop();
  });

  function run(args: string[], extra: NodeJS.ProcessEnv = {}): ChildProcess & { output: () => string } {
    const child = spawn(process.execPath, [cli, ...args], { cwd, env: { ...env, ...extra } });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    child.stderr.on('data', (d) => {
      out += String(d);
    });
    return Object.assign(child, { output: () => out });
  }

  const exited = (child: ChildProcess) =>
    new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      else child.once('exit', (code) => resolve(code));
    });

  /** Runs to the end; a non-zero exit fails with the command's output. */
  async function runToEnd(args: string[], extra: NodeJS.ProcessEnv = {}): Promise<string> {
    const child = run(args, extra);
    const code = await exited(child);
    expect(code, `polybot ${args.join(' ')}\n${child.output()}`).toBe(0);
    return child.output();
  }

  /** Runs until `ready` holds, then Ctrl-C: it must stop by itself with exit 0. */
  async function runUntilCtrlC(
    args: string[],
    ready: (output: string) => Promise<boolean>,
    extra: NodeJS.ProcessEnv = {},
  ) {
    const child = run(args, extra);
    const deadline = Date.now() + 60_000;
    while (!(await ready(child.output()))) {
      if (child.exitCode !== null) throw new Error(`polybot ${args.join(' ')} exited early:\n${child.output()}`);
      if (Date.now() > deadline) throw new Error(`polybot ${args.join(' ')} never got ready:\n${child.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGINT');
    expect(await exited(child), `polybot ${args.join(' ')}\n${child.output()}`).toBe(0);
    return child.output();
  }

  it('runs every polybot command of the README, in its order, and the follow/watch forms until Ctrl-C', async () => {
    const polybot = readmeList.filter((c) => c.words[0] === 'polybot');
    const ran: string[] = [];
    const answers = async (url: string) => (await fetch(url).catch(() => undefined))?.ok === true;
    for (const { words, env: given } of polybot) {
      const c = text(words);
      if (ELSEWHERE.some((x) => x.match.test(c))) continue;
      // The README's own environment, but this test's Redis (never the user's 127.0.0.1:6379).
      const { REDIS_URL: _theirs, ...extra } = given;
      let args = words.slice(1);
      const verb = args[0];
      if (verb === 'sim') {
        const port = await freePort();
        await runUntilCtrlC(args, () => answers(`http://127.0.0.1:${port}/v1/health`), {
          ...extra,
          SIM_PORT: String(port),
          SIM_HOST: '127.0.0.1',
        });
      } else if (verb === 'dashboard') {
        // Its fixed --port, if any, is swapped for a free one: the command is the same, the port is ours.
        const port = await freePort();
        const at = args.indexOf('--port');
        args = at >= 0 ? [...args.slice(0, at + 1), String(port), ...args.slice(at + 2)] : args;
        await runUntilCtrlC(args, () => answers(`http://127.0.0.1:${port}/`), {
          ...extra,
          DASHBOARD_PORT: String(port),
        });
      } else if (args.length === 1 && verb === 'diff') {
        // Named in prose without its two namespaces: it must say what it needs, with the usage exit code.
        const child = run(args, extra);
        expect(await exited(child), child.output()).toBe(2);
      } else {
        await runToEnd(args, extra);
      }
      ran.push(c);
    }
    // What the commands promised is there.
    expect(existsSync(join(cwd, 'today.jsonl.gz'))).toBe(true);
    expect(existsSync(join(cwd, 'runs/z50/report.json'))).toBe(true);
    expect((await redis.client().keys('replay1:ticks:*')).length).toBeGreaterThan(0);
    expect(ran).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^polybot record /),
        expect.stringMatching(/^polybot replay /),
        expect.stringMatching(/^polybot diff /),
        'polybot status',
        'polybot resume',
        expect.stringMatching(/^polybot dashboard /),
      ]),
    );

    // "or --follow until Ctrl-C": the recording is closed cleanly and readable.
    const followed = join(cwd, 'follow.jsonl.gz');
    await runUntilCtrlC(['record', '--out', followed, '--follow'], async () => existsSync(followed));
    await runToEnd(['backtest', followed]);
    // `polybot status --watch` refreshes until Ctrl-C.
    const frame = /^polybot · ns /gm;
    const watch = await runUntilCtrlC(['status', '--watch'], async (o) => (o.match(frame) ?? []).length >= 2);
    expect((watch.match(frame) ?? []).length).toBeGreaterThanOrEqual(2);
  }, 600_000);

  it('node scripts/gen-sample-recording.mjs regenerates the committed sample byte for byte', async () => {
    const words = commands.find((w) => w[0] === 'node' && w[1] === 'scripts/gen-sample-recording.mjs');
    expect(words).toBeDefined();
    const out = join(cwd, 'sample.jsonl.gz');
    const child = spawn(process.execPath, [join(repoRoot, 'scripts/gen-sample-recording.mjs'), '--out', out], {
      cwd: repoRoot,
      env,
    });
    expect(await exited(child)).toBe(0);
    expect(readFileSync(out).equals(readFileSync(join(repoRoot, 'apps/cli/fixtures/sample.jsonl.gz')))).toBe(true);
  }, 120_000);
});
