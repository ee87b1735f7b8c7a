// Shared helpers of the simulator's integration tests: a started simulator, a JSON client, a WS client
// that records every frame.

import { WebSocket } from 'ws';
import { createSimulator, type Simulator, type SimulatorOptions } from '../src/index.js';

// biome-ignore lint/suspicious/noExplicitAny: replies and frames are arbitrary JSON, probed field by field.
export type Json = any;

export interface Reply {
  status: number;
  headers: Headers;
  body: Json;
}

export const KEY = `ps_live_${'a1'.repeat(32)}`;

export async function startSim(opts: SimulatorOptions = {}): Promise<Simulator> {
  return createSimulator({ seed: 7, markets: 12, ...opts });
}

export async function call(
  sim: Simulator,
  method: string,
  path: string,
  opts: { body?: unknown; raw?: string; headers?: Record<string, string>; key?: string | null } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.key !== null) headers['x-api-key'] ??= opts.key ?? KEY;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${sim.baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON; keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

export interface WsClient {
  ws: WebSocket;
  frames: Json[];
  raw: string[];
  closed: Promise<{ code: number; reason: string }>;
  closeInfo: { code: number; reason: string } | undefined;
  send(obj: unknown): void;
  close(): Promise<void>;
}

export async function openWs(url: string): Promise<WsClient> {
  const ws = new WebSocket(url);
  const client: WsClient = {
    ws,
    frames: [],
    raw: [],
    closeInfo: undefined,
    closed: new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        client.closeInfo = { code, reason: reason.toString() };
        resolve(client.closeInfo);
      });
    }),
    send: (obj) => ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj)),
    close: async () => {
      if (ws.readyState === WebSocket.CLOSED) return;
      ws.close();
      await client.closed;
    },
  };
  ws.on('message', (data) => {
    const text = data.toString();
    client.raw.push(text);
    try {
      client.frames.push(JSON.parse(text));
    } catch {
      client.frames.push({ unparsable: text });
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return client;
}

export async function mintToken(sim: Simulator, key = KEY): Promise<string> {
  const r = await call(sim, 'POST', '/v1/keys/ws-token', { key });
  if (r.status !== 200) throw new Error(`ws-token: ${r.status}`);
  return r.body.token as string;
}

export async function openPrices(sim: Simulator, key = KEY): Promise<WsClient> {
  return openWs(`${sim.wsUrl}/v1/ws/prices?token=${await mintToken(sim, key)}`);
}
