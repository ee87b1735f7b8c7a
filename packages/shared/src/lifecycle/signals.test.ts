import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../logging/logger.js';
import { installShutdownHandlers } from './signals.js';

describe('installShutdownHandlers', () => {
  it('drains once on SIGTERM, then exits 0; a second signal exits at once', async () => {
    const exit = vi.fn();
    let release: () => void = () => {};
    const shutdown = vi.fn(() => new Promise<void>((r) => (release = r)));
    const uninstall = installShutdownHandlers({ logger: silentLogger(), shutdown, exit });
    try {
      process.emit('SIGTERM', 'SIGTERM');
      expect(shutdown).toHaveBeenCalledTimes(1);
      expect(shutdown).toHaveBeenCalledWith('SIGTERM');
      process.emit('SIGINT', 'SIGINT');
      expect(exit).toHaveBeenCalledWith(130);
      release();
      await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(0), { timeout: 10_000 });
      expect(shutdown).toHaveBeenCalledTimes(1);
    } finally {
      uninstall();
    }
  });

  it('exits 1 when the drain fails', async () => {
    const exit = vi.fn();
    const uninstall = installShutdownHandlers({
      logger: silentLogger(),
      shutdown: () => Promise.reject(new Error('stuck')),
      exit,
    });
    try {
      process.emit('SIGINT', 'SIGINT');
      await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(1), { timeout: 10_000 });
    } finally {
      uninstall();
    }
  });
});

describe('supervisor watch', () => {
  it('shuts down when the supervising process is gone', async () => {
    const exit = vi.fn();
    const shutdown = vi.fn(async () => {});
    // A pid that cannot exist (above the kernel's pid_max).
    const uninstall = installShutdownHandlers({
      logger: silentLogger(),
      shutdown,
      exit,
      supervisorPid: 2 ** 22 + 12345,
      supervisorCheckMs: 10,
    });
    try {
      await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(0), { timeout: 10_000 });
      expect(shutdown).toHaveBeenCalledWith('SIGTERM');
    } finally {
      uninstall();
    }
  });

  it('keeps running while the supervisor lives', async () => {
    const exit = vi.fn();
    const shutdown = vi.fn(async () => {});
    const uninstall = installShutdownHandlers({
      logger: silentLogger(),
      shutdown,
      exit,
      supervisorPid: process.pid,
      supervisorCheckMs: 5,
    });
    try {
      await new Promise((r) => setTimeout(r, 50));
      expect(shutdown).not.toHaveBeenCalled();
    } finally {
      uninstall();
    }
  });
});
