import { describe, expect, it, vi } from 'vitest';
import { PolybotError } from '../errors/polybot-error.js';
import { Lifecycle } from './lifecycle.js';

describe('Lifecycle', () => {
  it('walks starting → running → degraded → running → stopping → stopped', () => {
    const lc = new Lifecycle('feed');
    const seen: string[] = [];
    lc.onChange((s, p) => seen.push(`${p}>${s}`));
    lc.transition('running');
    expect(lc.ready).toBe(true);
    lc.transition('degraded', 'redis down');
    expect(lc.ready).toBe(false);
    expect(lc.reason).toBe('redis down');
    lc.transition('running');
    expect(seen).toEqual(['starting>running', 'running>degraded', 'degraded>running']);
  });

  it('refuses illegal moves with a typed error', () => {
    const lc = new Lifecycle('x');
    lc.transition('stopped');
    expect(() => lc.transition('running')).toThrow(PolybotError);
  });

  it('close() runs cleanup once and is idempotent', async () => {
    const lc = new Lifecycle('x');
    lc.transition('running');
    const cleanup = vi.fn(async () => {});
    const a = lc.close(cleanup);
    const b = lc.close(cleanup);
    expect(a).toBe(b);
    await a;
    expect(cleanup).toHaveBeenCalledTimes(1);
    expect(lc.state).toBe('stopped');
  });

  it('ends stopped even when cleanup fails', async () => {
    const lc = new Lifecycle('x');
    await expect(lc.close(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(lc.state).toBe('stopped');
  });
});
