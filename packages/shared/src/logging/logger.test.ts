import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { scrubString } from './scrub.js';

const KEY = `ps_live_${'9f'.repeat(32)}`;
const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, destination };
}

describe('logger redaction', () => {
  it('never lets an API key or WS token reach the output', async () => {
    const { lines, destination } = capture();
    const log = createLogger({ name: 'test', level: 'debug', destination });
    const child = log.child({ component: 'feed' });
    child.info({ apiKey: KEY, headers: { 'x-api-key': KEY, authorization: `Bearer ${KEY}` } }, 'connecting');
    child.info({ url: `ws://127.0.0.1:8000/v1/ws/prices?token=${JWT}` }, 'socket open');
    child.warn(`free text with ${KEY} and token=${JWT}`);
    child.error({ err: new Error(`request failed for key ${KEY}`) }, 'boom');
    child.debug({ nested: { deeper: { list: [KEY, { token: JWT }] } } }, 'nested');
    child.info({ config: { POLYSIM_API_KEY: KEY } }, 'config');
    log.flush();
    await new Promise((r) => setImmediate(r));
    const out = lines.join('');
    expect(lines.length).toBe(6);
    expect(out).not.toContain(KEY);
    expect(out).not.toContain(KEY.slice(8));
    expect(out).not.toContain(JWT);
    expect(out).toContain('[REDACTED]');
    expect(out).toContain('"component":"feed"');
  });

  it('scrubs keys, tokens in URLs, bearer values and JWTs from strings', () => {
    expect(scrubString(`k=${KEY}`)).toBe('k=ps_live_[REDACTED]');
    expect(scrubString(`wss://h/v1/ws/prices?token=abc.def&x=1`)).toBe('wss://h/v1/ws/prices?token=[REDACTED]&x=1');
    expect(scrubString('Authorization: Bearer abc123')).toBe('Authorization: Bearer [REDACTED]');
    expect(scrubString(`t ${JWT} t`)).toBe('t [REDACTED_JWT] t');
    expect(scrubString('nothing secret here')).toBe('nothing secret here');
  });
});
