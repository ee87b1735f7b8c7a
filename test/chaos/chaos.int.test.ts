// The chaos suite: the whole stack as separate OS processes (1 simulator, 2 ingestors, 3 strategy workers,
// 2 executors, a redis-server with AOF) under a seeded chaos driver, then the eight guarantees of
// ARCHITECTURE.md checked on what it left behind, printed as a table.
// Short form in `npm test`; the long form is the same test with CHAOS_MINUTES (scripts/chaos.mjs).
// Replay a run: CHAOS_SEED=<seed printed at the start>.

import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keys, readTallies, TERMINAL_ORDER_EVENTS, toMicro } from '@polybot/shared';
import { startRedis, type TestRedis } from '@polybot/shared/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildWorkspace } from '../support/build.js';
import { copyTickStreams, readBlocked, runCleanWorker } from './clean-run.js';
import {
  dumpNamespace,
  readDeadOrigins,
  readGroups,
  readLedger,
  readLogs,
  readQueue,
  readVenueBalance,
  readVenuePositions,
} from './collect.js';
import { type ChaosCounts, runChaos } from './driver.js';
import {
  type CheckResult,
  checkCleanRun,
  checkDeadLettered,
  checkExits,
  checkExposureCap,
  checkGroupsDrained,
  checkLedger,
  checkLedgerMatchesLog,
  checkPerMarketOrder,
  checkPositionCap,
  checkProjectedCash,
  checkProjection,
  checkQueueEmpty,
  checkSecrets,
  checkTerminalOnce,
  checkTickAccounting,
  checkUniqueIntents,
  renderChecks,
  renderTallies,
} from './invariants.js';
import { type Stack, startStack } from './stack.js';

const seed = Number(process.env.CHAOS_SEED ?? 20261126);
const minutes = Number(process.env.CHAOS_MINUTES ?? 0);
const longForm = minutes > 0;
const chaosMs = longForm ? minutes * 60_000 : 45_000;
const settleMs = longForm ? 300_000 : 60_000;
const PARTITIONS = 6;
// `buy` (the default): a buy-only threshold, whose decisions do not depend on fills, so the run is also compared
// with a clean single-worker run on the same streams (guarantee 3). `both`: it also sells what it holds.
const sides = process.env.CHAOS_SIDES ?? 'buy';
if (sides !== 'buy' && sides !== 'both') throw new Error(`CHAOS_SIDES must be buy or both, got ${sides}`);
const buyOnly = sides === 'buy';
const STRATEGY_PARAMS = JSON.stringify({ low: '0.5', high: '0.52', size: '5', ...(buyOnly ? { sell: false } : {}) });
// Caps low enough that the gate blocks on them (so G5 is tested), and in the long form growing with the run,
// so trading does not stop once they are reached.
const MAX_POSITION = String(40 * Math.max(1, Math.ceil(minutes / 2)));
const MAX_EXPOSURE = String(60 * Math.max(1, Math.ceil(minutes)));
const out = (s: string) => process.stderr.write(`${s}\n`);

let redis: TestRedis | undefined;
let stack: Stack | undefined;

beforeAll(async () => {
  await buildWorkspace();
  redis = await startRedis({ own: true, aof: true, ns: `chaos${seed}` });
}, 240_000);

afterAll(async () => {
  if (stack) {
    for (const name of stack.killable) await stack.kill(name).catch(() => {});
    await stack.stop('simulator').catch(() => {});
  }
  await redis?.stop();
}, 60_000);

/** Wraps a guarantee number into a check name, so the table says what each row proves. */
const g = (n: number | string, checks: CheckResult | CheckResult[]): CheckResult[] =>
  (Array.isArray(checks) ? checks : [checks]).map((c) => ({ ...c, name: `G${n} ${c.name}` }));

describe('chaos', () => {
  it(
    `keeps the eight guarantees under seeded chaos (seed ${seed}, ${chaosMs / 1000} s)`,
    async () => {
      if (!redis) throw new Error('no redis');
      const r = redis;
      const ns = r.ns;
      const k = keys(ns);
      const c = r.client();
      const apiKey = `ps_test_${randomBytes(32).toString('hex')}`;
      const driverLog: string[] = [];
      out(
        `chaos: seed ${seed} (replay with CHAOS_SEED=${seed}), ${chaosMs / 1000} s of chaos, namespace ${ns}, ` +
          `${buyOnly ? 'buy-only' : 'buying and selling'} (CHAOS_SIDES=${sides})`,
      );

      stack = await startStack({
        redisUrl: r.url,
        ns,
        apiKey,
        simSeed: seed % 1_000_000,
        ingestors: 2,
        strategies: 3,
        executors: 2,
        env: {
          POLYBOT_PARTITIONS: String(PARTITIONS),
          POLYBOT_MARKETS: 'auto:12',
          SIM_MARKETS: '12',
          SIM_TICK_MS: '200',
          SIM_LIMITS: 'true',
          LEASE_TTL_MS: '2000',
          INGEST_STALL_MS: '2000',
          INGEST_PING_MS: '2000',
          STRATEGY: 'threshold',
          STRATEGY_PARAMS,
          RISK_MAX_POSITION: MAX_POSITION,
          RISK_MAX_EXPOSURE: MAX_EXPOSURE,
          RISK_COOLDOWN_MS: '1000',
          RISK_ORDERS_PER_MIN: '150',
          VENUE_TIMEOUT_MS: '2000',
          EXECUTOR_WRITES_PER_SEC: '3',
          EXECUTOR_MAX_ATTEMPTS: '8',
        },
      });
      const s = stack;

      // Trading has begun before the chaos does.
      await expect.poll(async () => c.xlen(k.orders), { timeout: 60_000, interval: 250 }).toBeGreaterThan(0);

      const counts: ChaosCounts = await runChaos({
        seed,
        durationMs: chaosMs,
        stack: s,
        redis: r,
        ns,
        partitions: PARTITIONS,
        redisRestarts: longForm ? Math.max(1, Math.floor(minutes / 4)) : 1,
        log: (line) => {
          driverLog.push(`${new Date().toISOString()} ${line}`);
          if (longForm || process.env.CHAOS_VERBOSE) out(line);
        },
      });
      out(`chaos: done ${JSON.stringify({ ...counts, garbageOrigins: undefined })}`);

      // Settle: the ingestors stop cleanly (no new ticks), then strategies drain their groups and executors
      // the queue, until every intent is terminal.
      for (const name of s.killable.filter((n) => n.startsWith('ingestor'))) await s.stop(name);
      const settled = await vi
        .waitFor(
          async () => {
            const [groups, queue, logs] = await Promise.all([
              readGroups(c, ns, PARTITIONS),
              readQueue(c, ns),
              readLogs(c, ns),
            ]);
            const terminal = new Set(
              logs.events.filter((e) => TERMINAL_ORDER_EVENTS.has(e.event)).map((e) => e.intent_id),
            );
            const open = logs.intents.filter((i) => !terminal.has(i.intent_id)).length;
            const busy = checkGroupsDrained(groups).some((x) => !x.ok) || !checkQueueEmpty(queue).ok;
            if (busy || open > 0) throw new Error(`not settled: ${open} open intents, ${JSON.stringify(queue)}`);
          },
          { timeout: settleMs, interval: 500 },
        )
        .then(
          () => 'settled',
          (err: unknown) => `did not settle within ${settleMs / 1000} s: ${(err as Error).message}`,
        );

      // Evidence, read while the simulator still runs.
      const [groups, queue, logs, ledger, venuePositions, venueBalance, projection, dead] = await Promise.all([
        readGroups(c, ns, PARTITIONS),
        readQueue(c, ns),
        readLogs(c, ns),
        readLedger(s.simUrl),
        readVenuePositions(s.simUrl, apiKey),
        readVenueBalance(s.simUrl, apiKey),
        c.hgetall(k.positions),
        c.xlen(k.dead),
      ]);
      const tallies = await readTallies(c, k, PARTITIONS);
      let ticks = 0;
      for (let p = 0; p < PARTITIONS; p++) ticks += await c.xlen(k.ticks(p));
      const redisValues = await dumpNamespace(c, ns);
      const deadOrigins = await readDeadOrigins(c, ns);
      const chaosBlocked = await readBlocked(c, ns);

      // The remaining processes stop cleanly: their exits are part of the evidence.
      for (const name of s.killable) await s.stop(name);
      await s.stop('simulator');

      // Guarantee 3 against a clean single worker on the same streams (buy-only: decisions independent of fills).
      const cleanChecks: CheckResult[] = [];
      if (buyOnly) {
        const cleanNs = `${ns}clean`;
        const copied = await copyTickStreams(c, ns, cleanNs, PARTITIONS);
        const added = tallies.reduce((n, t) => n + t.entriesAdded, 0);
        const clean = await runCleanWorker({
          c,
          redisUrl: r.url,
          ns: cleanNs,
          partitions: PARTITIONS,
          env: { POLYBOT_PARTITIONS: String(PARTITIONS), STRATEGY: 'threshold', STRATEGY_PARAMS },
          timeoutMs: 180_000,
        });
        const cleanOk = copied === added && clean.exit.code === 0;
        cleanChecks.push(
          {
            name: 'G3 a clean single worker ran the same tick entries',
            ok: cleanOk,
            detail: `${copied} of ${added} entries copied; clean worker exit ${clean.exit.code ?? clean.exit.signal}`,
            examples: cleanOk ? [] : clean.tail.slice(-5),
          },
          ...g(3, checkCleanRun({ intents: logs.intents, blocked: chaosBlocked }, clean)),
        );
      }

      // Every child's output, for the post-mortem of a failed run (the path is printed with the table).
      const logFile = join(tmpdir(), `polybot-chaos-${seed}-${Date.now()}.log`);
      await writeFile(logFile, `${[...driverLog.map((l) => `driver: ${l}`), ...s.lines].join('\n')}\n`);
      const reasons = new Map<string, number>();
      for (const e of logs.events)
        if (e.event === 'rejected') {
          const why = `${e.code ?? '?'} ${e.http_status ?? ''}`.trim();
          reasons.set(why, (reasons.get(why) ?? 0) + 1);
        }

      const wsToken = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{20,}/;
      // Every process, the simulator included (it prints its own dev key, never ours).
      const logLines = s.lines.map((l) => ({ where: l.slice(0, l.indexOf(':')), text: l }));
      const checks: CheckResult[] = [
        {
          name: 'G1-3 the system settled',
          ok: settled === 'settled',
          detail: settled,
          examples: [],
        },
        ...g(1, checkGroupsDrained(groups)),
        ...g(2, checkLedger(ledger, logs.intents)),
        ...g('2,3', checkLedgerMatchesLog(ledger, logs.events)),
        ...g(3, checkTerminalOnce(logs.intents, logs.events)),
        ...g(3, checkQueueEmpty(queue)),
        ...g(3, checkUniqueIntents(logs.intents)),
        ...g(
          3,
          checkTickAccounting(
            tallies,
            new Set(logs.intents.map((i) => i.intent_id)).size,
            counts.garbageOrigins.length,
          ),
        ),
        ...cleanChecks,
        ...g(4, checkPerMarketOrder(logs.intents)),
        ...g(5, checkPositionCap(ledger, toMicro(MAX_POSITION))),
        ...g(5, checkExposureCap(ledger, toMicro(MAX_EXPOSURE))),
        ...g(6, checkExits(s.exits)),
        ...g(6, {
          name: 'order streams decode',
          ok: logs.undecodable.length === 0,
          detail: `${logs.undecodable.length} undecodable, ${dead} dead letters counted`,
          examples: logs.undecodable.slice(0, 5),
        }),
        ...g(6, checkDeadLettered(counts.garbageOrigins, deadOrigins)),
        ...g(7, checkSecrets('no secret in a log line', logLines, [apiKey, wsToken])),
        ...g(7, checkSecrets('no secret in a Redis value', redisValues, [apiKey, wsToken])),
        ...g(8, checkProjection(projection, venuePositions)),
        ...g(8, checkProjectedCash(projection, venueBalance)),
      ];
      const acked = logs.events.filter((e) => e.event === 'acked').length;
      // How far above the reserved (tick) price BUYs filled: what the exposure reservation does not cover.
      const refOf = new Map(logs.intents.map((i) => [i.intent_id, i.ref_price]));
      let worstSlip = 0;
      for (const o of ledger) {
        const ref = refOf.get(o.key);
        if (o.side === 'BUY' && o.price !== undefined && ref) worstSlip = Math.max(worstSlip, o.price / ref - 1);
      }
      out(
        [
          `chaos: seed ${seed} · ${counts.kills} kills · ${counts.redisRestarts} redis restarts · ` +
            `${counts.faultWindows} fault windows · ${counts.socketDrops} socket drops · ${counts.tokenExpiries} token expiries · ` +
            `${counts.stalls} stalls · ${counts.garbageEntries} garbage entries · ${counts.haltToggles} halts`,
          `chaos: ${ticks} tick entries · ${logs.intents.length} intents · ${acked} acked · ${ledger.length} venue orders · ${dead} dead letters`,
          `chaos: ${renderTallies(tallies)}`,
          `chaos: rejected by code ${JSON.stringify(Object.fromEntries(reasons))} · worst BUY fill vs tick price +${(worstSlip * 100).toFixed(2)} % · child logs in ${logFile}`,
          renderChecks(checks),
        ].join('\n'),
      );
      expect(checks.filter((x) => !x.ok)).toEqual([]);
      expect(acked, 'the run traded: some intents were acked').toBeGreaterThan(0);
      expect(counts.kills, 'the driver killed something').toBeGreaterThan(0);
    },
    chaosMs + settleMs + 360_000,
  );
});
