import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ephemeralLow, freePort, portAvailable } from './free-port.js';

describe('freePort', () => {
  it('picks a port below the ephemeral range, where client sockets do not take it', async () => {
    const low = ephemeralLow();
    for (let i = 0; i < 20; i++) {
      const p = await freePort();
      expect(p).toBeGreaterThanOrEqual(10_000);
      expect(p).toBeLessThan(low);
    }
  });

  it('probes another port when the first candidate is taken', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const busy = (taken.address() as { port: number }).port;
    const low = ephemeralLow();
    // The first probe hits the taken port when it lies in the probed range; the second is free.
    const draws = [(busy - 10_000) / (low - 1 - 10_000), 0.5];
    const p = await freePort(() => draws.shift() ?? Math.random());
    expect(p).not.toBe(busy);
    await new Promise<void>((r) => taken.close(() => r()));
  });
});

describe('portAvailable', () => {
  it('is false for a port a server holds and true once that server has closed', async () => {
    const held = createServer();
    await new Promise<void>((r) => held.listen(0, '127.0.0.1', () => r()));
    const port = (held.address() as { port: number }).port;
    expect(await portAvailable('127.0.0.1', port)).toBe(false);
    await new Promise<void>((r) => held.close(() => r()));
    expect(await portAvailable('127.0.0.1', port)).toBe(true);
  });
});
