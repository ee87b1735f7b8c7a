import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runUp } from './up.js';

function sink() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(c, _e, cb) {
      chunks.push(String(c));
      cb();
    },
  });
  return { chunks, stream };
}

describe('polybot up without Redis', () => {
  it('says exactly how to get redis-server and exits non-zero', async () => {
    const out = sink();
    const err = sink();
    const code = await runUp({
      workers: 1,
      json: false,
      logs: false,
      duration: 1,
      readyTimeout: 1,
      build: false,
      env: { PATH: '/nonexistent' },
      out: out.stream,
      err: err.stream,
    });
    expect(code).toBe(1);
    const text = err.chunks.join('');
    expect(text).toMatch(/redis-server was not found on PATH and REDIS_URL is not set/);
    expect(text).toMatch(/apt-get install -y redis-server/);
    expect(text).toMatch(/brew install redis/);
    expect(text).toMatch(/docker run .* redis:7/);
    expect(out.chunks.join('')).toBe('');
  });
});
