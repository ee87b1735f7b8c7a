// Bench helper: the floor under the ingest stage. One process subscribes to the simulator's price feed like the
// ingestor and only receives each frame and JSON.parses it (the text decode and parse every ingestor must do),
// with nothing written anywhere. Its CPU per frame is what any Node ingestor pays before its own work.
// IPC: → {type:'ready'} once subscribed; {type:'count'} → {type:'count', frames, bad} (price and error frames so far).

import { createVenueClient, wsUrl } from '@polybot/shared';
import { WebSocket } from 'ws';

interface Config {
  baseUrl: string;
  apiKey: string;
  markets: string[];
}

const send = (m: unknown) => process.send?.(m);

async function main(): Promise<void> {
  const cfg = JSON.parse(process.env.BENCH_WS_FLOOR ?? '{}') as Config;
  const venue = createVenueClient({ baseUrl: cfg.baseUrl, apiKey: cfg.apiKey, timeoutMs: 10_000, connections: 1 });
  const { token } = await venue.mintWsToken();
  await venue.close();
  let frames = 0;
  let bad = 0;
  const ws = new WebSocket(wsUrl(cfg.baseUrl, '/v1/ws/prices', token), { perMessageDeflate: false });
  ws.on('message', (data: Buffer) => {
    const v = JSON.parse(data.toString('utf8')) as { type?: unknown };
    if (v.type === 'price') frames++;
    else if (v.type === 'error') bad++;
  });
  ws.on('open', () => {
    ws.send(JSON.stringify({ action: 'subscribe', markets: cfg.markets }));
    send({ type: 'ready' });
  });
  ws.on('error', (err) => send({ type: 'error', error: String(err.message) }));
  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'count') send({ type: 'count', frames, bad });
  });
  process.on('disconnect', () => {
    ws.terminate();
    process.exit(0);
  });
}

main().catch((err: unknown) => {
  send({ type: 'error', error: String((err as Error).message) });
  process.exitCode = 1;
});
