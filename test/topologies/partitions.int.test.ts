// POLYBOT_PARTITIONS is chosen at deploy time and fixed per namespace. Every app and the CLI commands that
// hash or read partitions check it at start-up: the built processes, started with a value the namespace
// does not hold, refuse with one line on stderr naming the variable and both values, and exit with code 2.
// In-process, a strategy worker on a fresh namespace records its count.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensurePartitions, keys, silentLogger } from '@polybot/shared';
import { startRedis, type TestRedis } from '@polybot/shared/testing';
import { loadStrategy } from '@polybot/strategy-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStrategyWorker } from '../../apps/strategy/src/index.js';
import { buildWorkspace } from '../support/build.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

let r: TestRedis;
beforeAll(async () => {
  await buildWorkspace();
  r = await startRedis();
}, 240_000);
afterAll(async () => {
  await r?.stop();
});

interface Exit {
  code: number | null;
  stderr: string;
}

/** Runs a built entry point to its exit (killed after 30 s: a process that does not refuse fails the test). */
function run(entry: string, args: string[], env: Record<string, string>): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [`${root}${entry}`, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('POLYBOT_PARTITIONS per namespace', () => {
  it('every app and the CLI refuse a count the namespace was not created with: one line, exit code 2', async () => {
    const ns = `${r.ns}x`;
    await ensurePartitions(r.client(), ns, 4);
    const env = {
      REDIS_URL: r.url,
      POLYBOT_NS: ns,
      POLYBOT_PARTITIONS: '6',
      METRICS_PORT: '0',
      POLYSIM_API_KEY: `ps_test_${'0'.repeat(64)}`,
      // Nothing listens here: the refusal comes before any venue call.
      POLYSIM_BASE_URL: 'http://127.0.0.1:9',
    };
    const cases: [string, string, string[], Record<string, string>][] = [
      ['ingestor', 'apps/ingestor/dist/main.js', [], {}],
      ['strategy', 'apps/strategy/dist/main.js', [], {}],
      ['executor (heartbeat on)', 'apps/executor/dist/main.js', [], { EXECUTOR_HEARTBEAT: 'true' }],
      ['polybot status', 'apps/cli/dist/main.js', ['status'], {}],
      ['polybot record', 'apps/cli/dist/main.js', ['record', '--out', '/dev/null'], {}],
      ['polybot up', 'apps/cli/dist/main.js', ['up', '--no-build', '--no-dashboard'], {}],
    ];
    const results = await Promise.all(cases.map(([, entry, args, extra]) => run(entry, args, { ...env, ...extra })));
    cases.forEach(([name], i) => {
      const { code, stderr } = results[i] as Exit;
      const lines = stderr.trim().split('\n');
      expect(code, `${name}: ${stderr}`).toBe(2);
      expect(lines, name).toHaveLength(1);
      expect(lines[0], name).toMatch(
        new RegExp(
          `^polybot: POLYBOT_PARTITIONS=6 but namespace "${ns}" was created with POLYBOT_PARTITIONS=4 .*set POLYBOT_PARTITIONS=4, or .*new namespace \\(POLYBOT_NS\\)`,
        ),
      );
    });
    // Nobody changed the namespace's count.
    expect(await r.client().hget(keys(ns).meta, 'partitions')).toBe('4');
  }, 120_000);

  it('a strategy worker records the count of a fresh namespace, and a second one with another count is refused', async () => {
    const ns = `${r.ns}y`;
    const { strategy, params } = loadStrategy('every-nth', { n: 1000, size: '1' });
    const limits = { staleMs: 1000, maxPosition: 1, maxExposure: 1, cooldownMs: 0, ordersPerMinute: 1 };
    const make = (partitions: number, id: string) =>
      createStrategyWorker({
        redisUrl: r.url,
        ns,
        partitions,
        strategy,
        params,
        limits,
        workerId: id,
        logger: silentLogger(),
      });
    const first = make(3, 'w1');
    const second = make(5, 'w2');
    try {
      await first.start();
      expect(await r.client().hget(keys(ns).meta, 'partitions')).toBe('3');
      await expect(second.start()).rejects.toMatchObject({ name: 'PartitionsMismatchError', recorded: '3' });
      expect(first.lifecycle.state).toBe('running');
    } finally {
      await second.close().catch(() => {});
      await first.close();
    }
  });
});
