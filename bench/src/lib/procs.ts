// Child processes for the pipeline benchmarks: the real apps (`node apps/<app>/dist/main.js`) with the env
// `polybot up` gives them, bench helpers forked with an IPC channel, readiness, RSS and CPU profiles.

import { type ChildProcess, fork, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (bench/dist/lib → ../../..). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Where --cpu-prof profiles go. */
export const PROFILE_DIR = join(REPO_ROOT, 'bench', 'profiles');

export type AppName = 'ingestor' | 'strategy' | 'executor' | 'simulator';

export function appMain(app: AppName): string {
  return join(REPO_ROOT, 'apps', app, 'dist', 'main.js');
}

/** A bench helper process's entry (bench/dist/procs/NAME.js). */
export function procMain(name: string): string {
  return fileURLToPath(new URL(`../procs/${name}.js`, import.meta.url));
}

export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** The last lines of stderr/stdout, for error messages. */
  tail(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. Idempotent. */
  stop(graceMs?: number): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  /** Extra node flags (e.g. --cpu-prof). */
  execArgv?: string[];
  /** Fork with an IPC channel (bench helpers). */
  ipc?: boolean;
}

function wrap(name: string, child: ChildProcess): Proc {
  const lines: string[] = [];
  const keep = (buf: Buffer) => {
    for (const l of buf.toString('utf8').split('\n')) if (l.trim()) lines.push(l.slice(0, 400));
    if (lines.length > 30) lines.splice(0, lines.length - 30);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  let stopping: Promise<number | null> | undefined;
  return {
    name,
    child,
    pid: child.pid ?? -1,
    tail: () => lines.slice(-8).join('\n'),
    exited,
    stop(graceMs = 5000) {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const code = await exited;
        clearTimeout(timer);
        return code;
      })();
      return stopping;
    },
  };
}

export function spawnNode(name: string, entry: string, opts: SpawnOptions = {}): Proc {
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build first`);
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    ...opts.env,
  };
  const execArgv = opts.execArgv ?? [];
  const child = opts.ipc
    ? fork(entry, [], { env, execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
    : spawn(process.execPath, [...execArgv, entry], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return wrap(name, child);
}

/** Waits for GET url → 200, or throws with the process's last output. */
export async function waitReady(proc: Proc, url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited (${proc.child.exitCode}):\n${proc.tail()}`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`${proc.name} not ready at ${url} within ${timeoutMs} ms:\n${proc.tail()}`);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resident set size of a process in bytes (Linux /proc), or NaN. */
/** Sum of every sample of the named metrics on a /metrics page (Prometheus text format); `absent` if none. */
export async function metricSum(url: string, names: readonly string[], absent = 0): Promise<number> {
  const text = await (await fetch(url)).text();
  let n = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const name = line.split(/[{ ]/, 1)[0] ?? '';
    if (names.includes(name)) {
      n += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
      found = true;
    }
  }
  return found ? n : absent;
}

export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * Milliseconds the process's main thread has spent runnable but waiting for a CPU (the run queue), from
 * /proc/PID/schedstat (second field, ns); NaN where the kernel does not report it.
 */
export function runQueueMsOf(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ');
    return Number(f[1]) / 1e6;
  } catch {
    return Number.NaN;
  }
}

/** User + system CPU time of a process in ms (Linux /proc), or NaN. */
export function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11] = utime, fields[12] = stime (clock ticks; 100 Hz on Linux)
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Sends a message to a forked helper and waits for the first reply of `type`. */
export function request<T extends { type: string }>(
  proc: Proc,
  msg: unknown,
  type: string,
  timeoutMs = 60_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${proc.name}: no ${type} reply within ${timeoutMs} ms:\n${proc.tail()}`));
    }, timeoutMs);
    const onMsg = (m: unknown) => {
      const r = m as { type?: string; error?: string };
      if (r?.type === 'error') {
        cleanup();
        reject(new Error(`${proc.name}: ${r.error}`));
      } else if (r?.type === type) {
        cleanup();
        resolve(m as T);
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`${proc.name} exited (${code}) before ${type}:\n${proc.tail()}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      proc.child.off('message', onMsg);
      proc.child.off('exit', onExit);
    };
    proc.child.on('message', onMsg);
    proc.child.once('exit', onExit);
    if (msg !== undefined) proc.child.send(msg as never);
  });
}
