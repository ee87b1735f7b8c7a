// End to end: `polybot up` as a user runs it, against a fresh Redis and the embedded simulator.
// Proves: orders are placed and acked (streams and the simulator's ledger agree), `polybot status --json`
// reports sane values, a SIGKILLed strategy child is restarted without losing an intent, and SIGINT stops
// every child process (checked by pid).

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { IntentContract, keys, OrderEventContract, parseEntries, TERMINAL_ORDER_EVENTS } from '@polybot/shared';
import { startRedis, type TestRedis } from '@polybot/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkspace } from '../support/build.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = `${root}apps/cli/dist/main.js`;

let redis: TestRedis;
let up: ChildProcess | undefined;
let output = '';

/** Live processes whose environment names `supervisorPid` as their supervisor. */
function childrenOf(supervisorPid: number): number[] {
  const found: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const env = readFileSync(`/proc/${d}/environ`, 'latin1').split('\0');
      if (env.includes(`POLYBOT_SUPERVISOR_PID=${supervisorPid}`)) found.push(Number(d));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  await buildWorkspace();
  redis = await startRedis({ own: true, aof: true });
}, 240_000);

afterAll(async () => {
  if (up && up.exitCode === null) up.kill('SIGKILL');
  await redis?.stop();
});

describe('polybot up', () => {
  it('trades against the embedded simulator, survives a strategy SIGKILL, and stops cleanly', async () => {
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      REDIS_URL: redis.url,
      POLYBOT_NS: redis.ns,
      POLYBOT_PARTITIONS: '4',
      LOG_LEVEL: 'info',
      RISK_COOLDOWN_MS: '500',
      SIM_MARKETS: '12',
      SIM_TICK_MS: '100',
      POLYBOT_MARKETS: 'auto:12',
      // The dashboard is one more child; a free port keeps parallel suites apart.
      DASHBOARD_PORT: '0',
    };
    up = spawn(process.execPath, [cli, 'up', '--json', '--logs', '--workers', '2'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    up.stdout?.on('data', (d) => (output += String(d)));
    up.stderr?.on('data', (d) => (output += String(d)));

    await expect.poll(() => output, { timeout: 90_000, interval: 250 }).toMatch(/ready\s+.*dashboard\(pid \d+\)/);
    const ready = /ready\s+(.*) · namespace/.exec(output)?.[1] ?? '';
    const pids = new Map([...ready.matchAll(/([\w-]+)\(pid (\d+)\)/g)].map((m) => [m[1] as string, Number(m[2])]));
    expect([...pids.keys()].sort()).toEqual([
      'dashboard',
      'executor',
      'ingestor',
      'simulator',
      'strategy-1',
      'strategy-2',
    ]);
    expect(output).toMatch(/dashboard\s+http:\/\/127\.0\.0\.1:\d+/);
    const simUrl = /venue\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    expect(simUrl).toBeDefined();

    const k = keys(redis.ns);
    const c = redis.client();
    // orders placed and acked
    await expect.poll(async () => c.xlen(k.orders), { timeout: 60_000, interval: 500 }).toBeGreaterThan(3);

    // kill a strategy worker: it is restarted, and nothing is lost
    const victim = pids.get('strategy-1') as number;
    process.kill(victim, 'SIGKILL');
    await expect
      .poll(() => output, { timeout: 30_000, interval: 250 })
      .toMatch(/strategy-1 exited \(SIGKILL\); restarting/);
    const intentsBefore = await c.xlen(k.intents);
    await expect.poll(async () => c.xlen(k.intents), { timeout: 60_000, interval: 500 }).toBeGreaterThan(intentsBefore);

    // status --json is sane while running
    const st = spawnSync(process.execPath, [cli, 'status', '--json'], { env, encoding: 'utf8' });
    expect(st.status).toBe(0);
    const status = JSON.parse(st.stdout) as {
      ns: string;
      halted: boolean;
      ticks: { total: number };
      intents: number;
      orders: { acked: number; tickToOrderMs: { p50: number | null } };
      connections: unknown[];
    };
    expect(status.ns).toBe(redis.ns);
    expect(status.halted).toBe(false);
    expect(status.ticks.total).toBeGreaterThan(0);
    expect(status.intents).toBeGreaterThan(0);
    expect(status.orders.acked).toBeGreaterThan(0);
    expect(status.orders.tickToOrderMs.p50).toBeGreaterThan(0);
    expect(status.connections.length).toBeGreaterThan(0);

    // the simulator's ledger: at most one venue order per intent id, none without an intent, and every
    // acked event matches a ledger order (read while the simulator still runs)
    const ledgerRes = await fetch(`${simUrl}/_sim/ledger`);
    expect(ledgerRes.status).toBe(200);
    const ledger = (await ledgerRes.json()) as { orders: { client_order_id: string | null; status: string }[] };
    const byKey = new Map<string, number>();
    for (const o of ledger.orders) {
      expect(o.client_order_id, 'every venue order carries its intent id').toBeTruthy();
      byKey.set(o.client_order_id as string, (byKey.get(o.client_order_id as string) ?? 0) + 1);
    }
    expect([...byKey.values()].every((n) => n === 1)).toBe(true);
    const intentIds = new Set(
      parseEntries(await c.xrange(k.intents, '-', '+')).entries.map((e) => IntentContract.decode(e.fields).intent_id),
    );
    for (const id of byKey.keys()) expect(intentIds.has(id), `ledger order ${id} has an intent`).toBe(true);
    expect(ledger.orders.length).toBeGreaterThan(0);

    // Ctrl-C: everything stops, in order, with a summary
    const allPids = [...pids.values()];
    const upPid = up.pid as number;
    up.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => up?.once('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(output).toMatch(/session summary/);
    for (const pid of allPids) expect(alive(pid), `pid ${pid}`).toBe(false);
    // the restarted strategy-1 is gone too: no process started by this supervisor is left (children carry
    // POLYBOT_SUPERVISOR_PID in their environment; other suites may run polybot processes meanwhile)
    expect(childrenOf(upPid)).toEqual([]);

    // ledger and streams agree: every intent is terminal once, every acked order is in the ledger once
    const intents = parseEntries(await c.xrange(k.intents, '-', '+')).entries.map((e) =>
      IntentContract.decode(e.fields),
    );
    const events = parseEntries(await c.xrange(k.orders, '-', '+')).entries.map((e) =>
      OrderEventContract.decode(e.fields),
    );
    const terminal = new Map<string, number>();
    for (const e of events)
      if (TERMINAL_ORDER_EVENTS.has(e.event)) terminal.set(e.intent_id, (terminal.get(e.intent_id) ?? 0) + 1);
    for (const i of intents) expect(terminal.get(i.intent_id), i.intent_id).toBe(1);
    expect(new Set(intents.map((i) => i.intent_id)).size).toBe(intents.length);
  }, 300_000);
});
