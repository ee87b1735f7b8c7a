// The chaos stack: the simulator, ingestors, strategy workers and executors as separate OS processes
// (their built dist/main.js), configured by environment variables only, as `polybot up` runs them.
// Every line a child prints is kept (the secrets check greps them) and every exit is recorded with who
// caused it, so the suite can tell the driver's kills from a crash.

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '@polybot/shared/testing';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export type Role = 'simulator' | 'ingestor' | 'strategy' | 'executor';

export interface ExitRecord {
  name: string;
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Who ended it: the chaos driver (SIGKILL), the test's own stop (SIGTERM), or nobody (a crash). */
  cause: 'driver-kill' | 'stop' | 'unexpected';
  atMs: number;
  /** The last lines it printed, for a crash report. */
  tail: string[];
}

interface Proc {
  name: string;
  role: Role;
  env: Record<string, string>;
  child: ChildProcess | undefined;
  /** The cause to record for the exit that is coming (set just before the signal is sent). */
  pendingCause: ExitRecord['cause'] | undefined;
  port: number;
  starts: number;
  tail: string[];
}

export interface StackOptions {
  redisUrl: string;
  ns: string;
  apiKey: string;
  /** Extra environment for every process (partitions, risk limits, strategy, …). */
  env: Record<string, string>;
  ingestors: number;
  strategies: number;
  executors: number;
  simSeed: number;
}

export interface Stack {
  readonly simUrl: string;
  /** Names of the processes the driver may kill (never the simulator: its ledger is the evidence). */
  readonly killable: readonly string[];
  readonly exits: readonly ExitRecord[];
  /** Every line printed by any child, prefixed with its name. */
  readonly lines: readonly string[];
  starts(name: string): number;
  running(name: string): boolean;
  pid(name: string): number | undefined;
  /** SIGKILL (recorded as the driver's); resolves once the process is gone. */
  kill(name: string): Promise<void>;
  /** Starts a stopped process again (a new metrics port) and waits for /readyz. */
  start(name: string): Promise<void>;
  /** SIGTERM: a clean, drained stop; resolves with the exit record. */
  stop(name: string): Promise<ExitRecord | undefined>;
  stopAll(): Promise<void>;
}

const MAX_LINES = 400_000;
const TAIL = 20;

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited before ready (${url})`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not ready within ${timeoutMs} ms: ${url}`);
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const procs = new Map<string, Proc>();
  const exits: ExitRecord[] = [];
  const lines: string[] = [];
  const simPort = await freePort();
  const simUrl = `http://127.0.0.1:${simPort}`;
  const common: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NODE_ENV: 'production',
    // Debug by default: the secrets check greps every line a process can print (CHAOS_LOG_LEVEL overrides).
    LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'debug',
    REDIS_URL: opts.redisUrl,
    POLYBOT_NS: opts.ns,
    ...opts.env,
  };
  const venueEnv = { POLYSIM_BASE_URL: simUrl, POLYSIM_API_KEY: opts.apiKey };

  const add = (name: string, role: Role, env: Record<string, string>) =>
    procs.set(name, { name, role, env, child: undefined, pendingCause: undefined, port: 0, starts: 0, tail: [] });
  add('simulator', 'simulator', {
    SIM_PORT: String(simPort),
    SIM_HOST: '127.0.0.1',
    SIM_DEV_MODE: 'true',
    SIM_SEED: String(opts.simSeed),
  });
  for (let i = 1; i <= opts.ingestors; i++) add(`ingestor-${i}`, 'ingestor', venueEnv);
  for (let i = 1; i <= opts.strategies; i++) add(`strategy-${i}`, 'strategy', {});
  for (let i = 1; i <= opts.executors; i++) add(`executor-${i}`, 'executor', venueEnv);

  const get = (name: string): Proc => {
    const p = procs.get(name);
    if (!p) throw new Error(`no process ${name}`);
    return p;
  };

  const record = (p: Proc, text: string) => {
    for (const line of text.split('\n')) {
      if (line.length === 0) continue;
      if (lines.length < MAX_LINES) lines.push(`${p.name}: ${line}`);
      p.tail.push(line);
      if (p.tail.length > TAIL) p.tail.shift();
    }
  };

  const launch = async (p: Proc) => {
    p.port = p.role === 'simulator' ? simPort : await freePort();
    const child = spawn(process.execPath, [`${repoRoot}apps/${p.role}/dist/main.js`], {
      env: { ...common, METRICS_PORT: String(p.port), ...p.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    p.child = child;
    p.starts++;
    let partial = '';
    const onData = (d: Buffer) => {
      const s = partial + String(d);
      const cut = s.lastIndexOf('\n');
      partial = cut < 0 ? s : s.slice(cut + 1);
      if (cut >= 0) record(p, s.slice(0, cut));
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      if (partial) record(p, partial);
      exits.push({
        name: p.name,
        pid: child.pid ?? -1,
        code,
        signal,
        cause: p.pendingCause ?? 'unexpected',
        atMs: Date.now(),
        tail: [...p.tail],
      });
      p.pendingCause = undefined;
    });
    const readyUrl = p.role === 'simulator' ? `${simUrl}/v1/health` : `http://127.0.0.1:${p.port}/readyz`;
    await waitReady(readyUrl, child, 60_000);
  };

  const alive = (p: Proc) => p.child !== undefined && p.child.exitCode === null && p.child.signalCode === null;

  const signal = async (p: Proc, sig: NodeJS.Signals, cause: ExitRecord['cause']): Promise<void> => {
    const child = p.child;
    if (!child || !alive(p)) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    p.pendingCause = cause;
    child.kill(sig);
    await gone;
  };

  const stack: Stack = {
    simUrl,
    killable: [...procs.keys()].filter((n) => n !== 'simulator'),
    exits,
    lines,
    starts: (name) => get(name).starts,
    running: (name) => alive(get(name)),
    pid: (name) => get(name).child?.pid,
    kill: (name) => signal(get(name), 'SIGKILL', 'driver-kill'),
    async start(name) {
      const p = get(name);
      if (alive(p)) return;
      await launch(p);
    },
    async stop(name) {
      const p = get(name);
      if (!alive(p)) return undefined;
      const pid = p.child?.pid;
      const killer = setTimeout(() => p.child?.kill('SIGKILL'), 20_000);
      await signal(p, 'SIGTERM', 'stop');
      clearTimeout(killer);
      return exits.findLast((e) => e.pid === pid);
    },
    async stopAll() {
      const order: Role[] = ['ingestor', 'strategy', 'executor', 'simulator'];
      for (const role of order) {
        await Promise.all([...procs.values()].filter((p) => p.role === role).map((p) => stack.stop(p.name)));
      }
    },
  };

  try {
    await launch(get('simulator'));
    // Start the rest together: they only need Redis and the venue.
    await Promise.all([...procs.values()].filter((p) => p.role !== 'simulator').map((p) => launch(p)));
  } catch (err) {
    for (const p of procs.values()) p.child?.kill('SIGKILL');
    const tails = [...procs.values()].map((p) => `${p.name}:\n  ${p.tail.join('\n  ')}`).join('\n');
    throw new Error(`stack did not start: ${(err as Error).message}\n${tails}`);
  }
  return stack;
}
