import { startRedis } from '@polybot/shared/testing';
import { runRate } from './dist/cases/pipeline.js';

const q = (a, p) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const redis = await startRedis({ own: true }).catch(() => startRedis());
const ctx = { smoke: false, progress: (m) => console.error('..', m) };
const dur = +(process.env.DUR ?? 30000);
for (let r = 0; r < +(process.env.ROUNDS ?? 1); r++) {
  const res = await runRate(redis.url, { rate: 1000, warmupMs: 5000, durationMs: dur, baselineMs: 0 }, ctx);
  const ev = res.events;
  const lat = ev.map((e) => e.t_sent - e.t_recv);
  const hop = (a, b) => ev.map((e) => e[b] - e[a]);
  const f = (x) => x.toFixed(2);
  console.log(
    `orders ${ev.length} p50 ${f(q(lat, 0.5))} p90 ${f(q(lat, 0.9))} p99 ${f(q(lat, 0.99))} | recv→decide ${f(q(hop('t_recv', 't_decide'), 0.5))} decide→enq ${f(q(hop('t_decide', 't_enqueue'), 0.5))} enq→start ${f(q(hop('t_enqueue', 't_start'), 0.5))} start→sent ${f(q(hop('t_start', 't_sent'), 0.5))}`,
  );
  console.log(
    'cpu',
    [...res.cpu.entries()].map(([k, v]) => `${k} ${(v * 100).toFixed(0)}%`).join(' '),
    'load',
    res.load.toFixed(1),
    'psi',
    res.pressure,
  );
}
await redis.stop();
process.exit(0);
