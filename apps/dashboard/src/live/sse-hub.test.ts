import { describe, expect, it } from 'vitest';
import { formatSse, SseHub, type SseSink } from './sse-hub.js';

class FakeSink implements SseSink {
  chunks: string[] = [];
  ended = false;
  writableLength = 0;
  write(chunk: string): boolean {
    if (this.ended) throw new Error('write after end');
    this.chunks.push(chunk);
    return true;
  }
  end(): void {
    this.ended = true;
  }
  text(): string {
    return this.chunks.join('');
  }
}

describe('SseHub', () => {
  it('formats multi-line data as one event', () => {
    expect(formatSse('status', 'a\nb')).toBe('event: status\ndata: a\ndata: b\n\n');
  });

  it('sends the first message to the new client only, then fans every broadcast out to all clients', () => {
    const hub = new SseHub({ heartbeatMs: 0 });
    const a = new FakeSink();
    const b = new FakeSink();
    hub.add(a, { event: 'snapshot', data: { who: 'a' } });
    hub.add(b, { event: 'snapshot', data: { who: 'b' } });
    hub.broadcast('events', [{ k: 'tick' }]);
    expect(a.text()).toContain('event: snapshot\ndata: {"who":"a"}');
    expect(a.text()).not.toContain('"who":"b"');
    expect(b.text()).toContain('event: snapshot\ndata: {"who":"b"}');
    for (const s of [a, b]) expect(s.text()).toContain('event: events\ndata: [{"k":"tick"}]\n\n');
    expect(hub.size).toBe(2);
    expect(hub.sent).toBe(2);
    hub.close();
    expect(a.ended && b.ended).toBe(true);
  });

  it('serialises and transforms once per broadcast, however many clients listen', () => {
    let transforms = 0;
    const hub = new SseHub({
      heartbeatMs: 0,
      transform: (s) => {
        transforms++;
        return s.replace('secret', '[redacted]');
      },
    });
    const sinks = Array.from({ length: 50 }, () => new FakeSink());
    for (const s of sinks) hub.add(s);
    hub.broadcast('events', { v: 'secret' });
    expect(transforms).toBe(1);
    for (const s of sinks) {
      expect(s.text()).toContain('[redacted]');
      expect(s.text()).not.toContain('secret');
    }
    hub.close();
  });

  it('drops a client whose buffer passes the limit and keeps serving the others', () => {
    const drops: string[] = [];
    const hub = new SseHub({ heartbeatMs: 0, maxBufferedBytes: 100, onDrop: (r) => drops.push(r) });
    const slow = new FakeSink();
    const fast = new FakeSink();
    hub.add(slow);
    hub.add(fast);
    slow.writableLength = 1000;
    hub.broadcast('events', [1]);
    expect(slow.ended).toBe(true);
    expect(drops).toEqual(['slow']);
    expect(fast.text()).toContain('data: [1]');
    expect(hub.size).toBe(1);
    hub.close();
  });

  it('forgets a client that closed', () => {
    const hub = new SseHub({ heartbeatMs: 0 });
    const s = new FakeSink();
    const c = hub.add(s);
    c.close();
    c.close();
    expect(hub.size).toBe(0);
    hub.broadcast('events', []);
    expect(s.text()).not.toContain('events');
    hub.close();
  });
});
