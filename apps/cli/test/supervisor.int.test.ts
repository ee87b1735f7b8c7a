// The process supervisor behind `polybot up`, with real child processes.
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@polybot/shared';
import { freePort } from '@polybot/shared/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { Supervisor } from '../src/supervisor/supervisor.js';

// A child that serves /readyz and, on SIGTERM, appends its name to a log file before exiting.
const CHILD = `
const http = require('node:http');
const fs = require('node:fs');
const [port, name, logFile] = process.argv.slice(1);
const srv = http.createServer((req, res) => res.writeHead(req.url === '/readyz' ? 200 : 404).end());
srv.listen(Number(port), '127.0.0.1', () => process.stdout.write(JSON.stringify({ level: 30, msg: 'up ' + name }) + '\\n'));
process.on('SIGTERM', () => { fs.appendFileSync(logFile, name + '\\n'); setTimeout(() => process.exit(0), 30); });
`;

let sup: Supervisor | undefined;
afterEach(async () => {
  await sup?.stopAll();
  sup = undefined;
});

describe('Supervisor', () => {
  it('waits for readiness, restarts a SIGKILLed child with a new pid, and stops groups in order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'polybot-sup-'));
    const log = join(dir, 'stops.log');
    const lines: string[] = [];
    sup = new Supervisor({ logger: silentLogger(), onLine: (n, l) => lines.push(`${n}:${l}`), backoffMs: 50 });
    const names = ['ingestor', 'strategy-1', 'strategy-2', 'executor'];
    const groups = [1, 2, 2, 3];
    for (const [i, name] of names.entries()) {
      const port = await freePort();
      sup.start({
        name,
        stopGroup: groups[i] ?? 9,
        command: process.execPath,
        args: ['-e', CHILD, String(port), name, log],
        env: { PATH: process.env.PATH ?? '' },
        readyUrl: `http://127.0.0.1:${port}/readyz`,
      });
    }
    await sup.waitReady(30_000);
    expect(sup.children.every((c) => c.state === 'ready')).toBe(true);
    await expect.poll(() => lines.filter((l) => l.includes('"up ')).length).toBe(4);

    const victim = sup.children.find((c) => c.spec.name === 'strategy-1');
    const firstPid = victim?.pid;
    expect(firstPid).toBeTypeOf('number');
    process.kill(firstPid as number, 'SIGKILL');
    await expect
      .poll(() => sup?.children.find((c) => c.spec.name === 'strategy-1'), { timeout: 10_000 })
      .toMatchObject({ restarts: 1 });
    await sup.waitReady(10_000, ['strategy-1']);
    const now = sup.children.find((c) => c.spec.name === 'strategy-1');
    expect(now?.pid).not.toBe(firstPid);
    expect(now?.pids).toHaveLength(2);

    const allPids = sup.children.flatMap((c) => c.pids);
    await sup.stopAll();
    const order = readFileSync(log, 'utf8').trim().split('\n');
    expect(order[0]).toBe('ingestor');
    expect(order.slice(1, 3).sort()).toEqual(['strategy-1', 'strategy-2']);
    expect(order[3]).toBe('executor');
    // no orphan: every pid that ever ran is gone
    for (const pid of allPids) expect(() => process.kill(pid, 0)).toThrow();
  });

  it('a child that ignores SIGTERM is killed after the grace period', async () => {
    const port = await freePort();
    sup = new Supervisor({ logger: silentLogger(), onLine: () => {}, stopTimeoutMs: 200 });
    sup.start({
      name: 'stubborn',
      stopGroup: 1,
      command: process.execPath,
      args: [
        '-e',
        `require('node:http').createServer((q,s)=>s.end()).listen(${port},'127.0.0.1'); process.on('SIGTERM',()=>{});`,
      ],
      env: {},
      readyUrl: `http://127.0.0.1:${port}/`,
    });
    await sup.waitReady(10_000);
    const pid = sup.children[0]?.pid as number;
    await sup.stopAll();
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
