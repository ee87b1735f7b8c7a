import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/polybot-error.js';
import { PartitionsMismatchError } from './partitions-guard.js';

describe('PartitionsMismatchError', () => {
  it('is one line naming the variable, both values, the key and what to do', () => {
    const err = new PartitionsMismatchError('polybot', 16, '8');
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.variable).toBe('POLYBOT_PARTITIONS');
    expect(err.message).not.toContain('\n');
    expect(err.message).toContain('POLYBOT_PARTITIONS=16');
    expect(err.message).toContain('created with POLYBOT_PARTITIONS=8');
    expect(err.message).toContain('polybot:meta');
    expect(err.message).toContain('set POLYBOT_PARTITIONS=8');
    expect(err.message).toContain('new namespace (POLYBOT_NS)');
  });

  it('names a recorded value that is not a partition count as a repair, not as a count to set', () => {
    const err = new PartitionsMismatchError('a', 4, 'x');
    expect(err.message).not.toContain('\n');
    expect(err.message).toContain('invalid partition count');
    expect(err.message).not.toContain('set POLYBOT_PARTITIONS=x');
  });
});
