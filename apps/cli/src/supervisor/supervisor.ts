// Runs polybot's processes as children: prefixed logs, readiness checks, restart with backoff after a
// crash, and an ordered stop (ingestor first, then strategy and executor drain, then the venue).

import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from '@polybot/shared';

export interface ChildSpec {
  /** Unique display name, e.g. strategy-2. */
  name: string;
  /** Stop group: lower groups stop first. */
  stopGroup: number;
  command: string;
  args: string[];
  env: Record<string, string>;
  /** URL that answers 200 when the child is ready. */
  readyUrl: string;
  /** Restart on unexpected exit (default true). */
  restart?: boolean;
}

export type ChildState = 'starting' | 'ready' | 'restarting' | 'stopping' | 'stopped' | 'failed';

export interface ManagedChild {
  readonly spec: ChildSpec;
  readonly state: ChildState;
  readonly pid: number | undefined;
  readonly restarts: number;
  readonly pids: readonly number[];
}

export interface SupervisorOptions {
  logger: Logger;
  /** Receives every output line of every child, with the child's name. */
  onLine: (name: string, line: string, stream: 'stdout' | 'stderr') => void;
  /** First restart delay; doubles to maxBackoffMs. Default 500 ms. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** A child up this long has its backoff reset. Default 30 s. */
  healthyAfterMs?: number;
  /** Grace period after SIGTERM before SIGKILL. Default 15 s. */
  stopTimeoutMs?: number;
}

interface Entry {
  spec: ChildSpec;
  state: ChildState;
  proc: ChildProcess | undefined;
  restarts: number;
  pids: number[];
  backoff: number;
  startedAt: number;
  restartTimer: NodeJS.Timeout | undefined;
}

export class Supervisor {
  readonly #opts: Required<Omit<SupervisorOptions, 'logger' | 'onLine'>> & Pick<SupervisorOptions, 'logger' | 'onLine'>;
  readonly #children = new Map<string, Entry>();
  #stopping = false;

  constructor(opts: SupervisorOptions) {
    this.#opts = {
      backoffMs: 500,
      maxBackoffMs: 10_000,
      healthyAfterMs: 30_000,
      stopTimeoutMs: 15_000,
      ...opts,
    };
  }

  get children(): ManagedChild[] {
    return [...this.#children.values()].map((e) => ({
      spec: e.spec,
      state: e.state,
      pid: e.proc?.pid,
      restarts: e.restarts,
      pids: e.pids,
    }));
  }

  start(spec: ChildSpec): void {
    if (this.#children.has(spec.name)) throw new Error(`child ${spec.name} already exists`);
    const entry: Entry = {
      spec,
      state: 'starting',
      proc: undefined,
      restarts: 0,
      pids: [],
      backoff: this.#opts.backoffMs,
      startedAt: 0,
      restartTimer: undefined,
    };
    this.#children.set(spec.name, entry);
    this.#spawn(entry);
  }

  #spawn(entry: Entry): void {
    const { spec } = entry;
    // Own process group: a terminal's Ctrl-C reaches only the supervisor, which then stops children in
    // order. Children watch POLYBOT_SUPERVISOR_PID and stop by themselves if the supervisor dies.
    const proc = spawn(spec.command, spec.args, {
      env: { ...spec.env, POLYBOT_SUPERVISOR_PID: String(process.pid) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    entry.proc = proc;
    entry.state = 'starting';
    entry.startedAt = Date.now();
    if (proc.pid !== undefined) entry.pids.push(proc.pid);
    for (const [stream, name] of [
      [proc.stdout, 'stdout'],
      [proc.stderr, 'stderr'],
    ] as const) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => this.#opts.onLine(spec.name, line, name));
    }
    proc.once('error', (err) => {
      this.#opts.logger.error({ child: spec.name, err }, 'could not start child process');
    });
    proc.once('exit', (code, signal) => this.#onExit(entry, proc, code, signal));
  }

  #onExit(entry: Entry, proc: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (entry.proc !== proc) return;
    entry.proc = undefined;
    if (this.#stopping || entry.state === 'stopping') {
      entry.state = 'stopped';
      return;
    }
    const upFor = Date.now() - entry.startedAt;
    if (upFor >= this.#opts.healthyAfterMs) entry.backoff = this.#opts.backoffMs;
    if (entry.spec.restart === false) {
      entry.state = 'failed';
      this.#opts.logger.error({ child: entry.spec.name, code, signal }, 'child exited and is not restarted');
      return;
    }
    const delay = entry.backoff;
    entry.backoff = Math.min(entry.backoff * 2, this.#opts.maxBackoffMs);
    entry.state = 'restarting';
    entry.restarts += 1;
    this.#opts.logger.warn(
      { child: entry.spec.name, code, signal, restartInMs: delay, restarts: entry.restarts },
      `${entry.spec.name} exited (${signal ?? `code ${code}`}); restarting`,
    );
    entry.restartTimer = setTimeout(() => {
      entry.restartTimer = undefined;
      if (!this.#stopping) this.#spawn(entry);
    }, delay);
  }

  /** Polls every child's readiness URL until all answer 200, or throws after timeoutMs. */
  async waitReady(timeoutMs: number, names?: readonly string[]): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const pending = new Set(names ?? [...this.#children.keys()]);
    while (pending.size > 0) {
      for (const name of [...pending]) {
        const e = this.#children.get(name);
        if (!e) {
          pending.delete(name);
          continue;
        }
        if (e.state === 'failed') throw new Error(`${name} failed to start`);
        if (await isReady(e.spec.readyUrl)) {
          e.state = 'ready';
          pending.delete(name);
        }
      }
      if (pending.size === 0) break;
      if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms: ${[...pending].join(', ')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Refreshes ready/not-ready states (for the status panel). */
  async probe(): Promise<void> {
    await Promise.all(
      [...this.#children.values()].map(async (e) => {
        if (e.state !== 'ready' && e.state !== 'starting') return;
        e.state = (await isReady(e.spec.readyUrl)) ? 'ready' : 'starting';
      }),
    );
  }

  /** Stops children group by group (SIGTERM, then SIGKILL after the grace period). Idempotent. */
  /**
   * Stops every child in stop-group order. `between(g)` runs after group g has stopped and before the next
   * one (e.g. wait for the order queue to drain once the strategies are gone).
   */
  async stopAll(between?: (group: number) => Promise<void>): Promise<void> {
    this.#stopping = true;
    const groups = [...new Set([...this.#children.values()].map((e) => e.spec.stopGroup))].sort((a, b) => a - b);
    for (const g of groups) {
      const members = [...this.#children.values()].filter((e) => e.spec.stopGroup === g);
      await Promise.all(members.map((e) => this.#stopOne(e)));
      await between?.(g);
    }
  }

  async #stopOne(e: Entry): Promise<void> {
    if (e.restartTimer) clearTimeout(e.restartTimer);
    const proc = e.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) {
      e.state = 'stopped';
      return;
    }
    e.state = 'stopping';
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => {
      this.#opts.logger.warn({ child: e.spec.name }, 'did not stop in time: SIGKILL');
      proc.kill('SIGKILL');
    }, this.#opts.stopTimeoutMs);
    await exited;
    clearTimeout(timer);
    e.state = 'stopped';
  }
}

async function isReady(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}
