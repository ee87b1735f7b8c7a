// One SIGINT/SIGTERM handler per process: drain in-flight work, then exit. A second signal exits at once.

import type { Logger } from 'pino';

export interface ShutdownOptions {
  logger: Logger;
  /** Drains and closes everything; its rejection is logged and the exit code becomes 1. */
  shutdown: (signal: string) => Promise<void>;
  /** Hard deadline for the drain; default 15 s. */
  timeoutMs?: number;
  /** Injected for tests; default process.exit. */
  exit?: (code: number) => void;
  /**
   * Pid of a supervising process (default: POLYBOT_SUPERVISOR_PID). When it goes away, this process shuts
   * down as if it got SIGTERM, so a killed `polybot up` leaves no orphans.
   */
  supervisorPid?: number;
  /** How often the supervisor is checked; default 1 s. */
  supervisorCheckMs?: number;
}

function supervisorPidFromEnv(): number | undefined {
  const raw = process.env.POLYBOT_SUPERVISOR_PID;
  const pid = raw === undefined ? Number.NaN : Number(raw);
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function installShutdownHandlers(opts: ShutdownOptions): () => void {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let shuttingDown = false;
  const handler = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      opts.logger.warn({ signal }, 'second signal: exiting now');
      exit(130);
      return;
    }
    shuttingDown = true;
    opts.logger.info({ signal }, 'shutting down: draining in-flight work');
    const timer = setTimeout(() => {
      opts.logger.error({ signal, timeoutMs: opts.timeoutMs ?? 15_000 }, 'drain timed out: exiting');
      exit(1);
    }, opts.timeoutMs ?? 15_000);
    timer.unref();
    opts.shutdown(signal).then(
      () => {
        clearTimeout(timer);
        opts.logger.info('stopped cleanly');
        exit(0);
      },
      (err: unknown) => {
        clearTimeout(timer);
        opts.logger.error({ err }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  const supervisor = opts.supervisorPid ?? supervisorPidFromEnv();
  const watch =
    supervisor === undefined
      ? undefined
      : setInterval(() => {
          if (!shuttingDown && !isAlive(supervisor)) {
            opts.logger.warn({ supervisor }, 'supervisor is gone');
            handler('SIGTERM');
          }
        }, opts.supervisorCheckMs ?? 1000);
  watch?.unref();
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
    if (watch) clearInterval(watch);
  };
}
