import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/polybot-error.js';
import { parseRedisTopology } from './topology.js';

describe('parseRedisTopology', () => {
  it('single node', () => {
    expect(parseRedisTopology('redis://127.0.0.1:6379')).toEqual({ kind: 'single', url: 'redis://127.0.0.1:6379' });
    expect(parseRedisTopology('rediss://u:p@h:1/2').kind).toBe('single');
  });
  it('cluster from the URL or REDIS_CLUSTER_NODES', () => {
    expect(parseRedisTopology('redis+cluster://a:7000,b:7001,[::1]:7002')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'a', port: 7000 },
        { host: 'b', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      tls: false,
    });
    expect(parseRedisTopology('redis+cluster://:s3cret@a:7000').kind).toBe('cluster');
    expect(parseRedisTopology('redis://ignored:1', 'x:1, y:2')).toMatchObject({
      kind: 'cluster',
      nodes: [{ host: 'x' }, { host: 'y' }],
    });
  });
  it('sentinel needs a master name', () => {
    expect(parseRedisTopology('redis+sentinel://s1:26379,s2?name=mymaster')).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      name: 'mymaster',
      db: 0,
      tls: false,
    });
    expect(() => parseRedisTopology('redis+sentinel://s1:26379')).toThrow(/needs \?name=/);
  });
  it('bad URLs are ConfigErrors that do not echo a password', () => {
    for (const bad of ['http://x', 'redis+cluster://', 'redis+cluster://:pw@a:99999', 'nonsense']) {
      try {
        parseRedisTopology(bad);
        expect.unreachable(bad);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as Error).message).not.toContain('pw');
      }
    }
  });
});
