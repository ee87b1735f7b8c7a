// A free TCP port on 127.0.0.1 for a server a parent process starts (a child's metrics port, a local
// redis-server), and whether a given port can be bound. The port is chosen below the kernel's ephemeral range: a port handed out by `listen(0)`
// comes from that range, which every outgoing connection draws from too, so on a busy machine it is often
// taken by a client socket in the moment between the check and the child's own listen (EADDRINUSE).

import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const FALLBACK_EPHEMERAL_LOW = 32768;
const LOWEST = 10_000;

/** The lower bound of the ephemeral port range (Linux), else the IANA-style default. */
export function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const n = Number(low);
    return Number.isInteger(n) && n > LOWEST + 1000 ? n : FALLBACK_EPHEMERAL_LOW;
  } catch {
    return FALLBACK_EPHEMERAL_LOW;
  }
}

/** Binds `host:port` for a moment; the port bound (the kernel's pick for 0), or undefined when it cannot. */
function tryListen(host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(undefined));
    srv.listen(port, host, () => {
      const addr = srv.address();
      const bound = typeof addr === 'object' && addr ? addr.port : undefined;
      srv.close(() => resolve(bound));
    });
  });
}

/**
 * True when `host:port` can be bound now (a fixed port is not taken, a cluster node's bus port is free).
 * Only a snapshot: another process may take the port right after.
 */
export async function portAvailable(host: string, port: number): Promise<boolean> {
  return (await tryListen(host, port)) !== undefined;
}

/**
 * A port that was free a moment ago, outside the ephemeral range when one can be found (random probes),
 * else any port the kernel picks.
 */
export async function freePort(random: () => number = Math.random): Promise<number> {
  const high = ephemeralLow() - 1;
  for (let i = 0; i < 64; i++) {
    const candidate = LOWEST + Math.floor(random() * (high - LOWEST));
    const port = await tryListen('127.0.0.1', candidate);
    if (port !== undefined) return port;
  }
  const any = await tryListen('127.0.0.1', 0);
  if (any === undefined) throw new Error('no free TCP port on 127.0.0.1');
  return any;
}
