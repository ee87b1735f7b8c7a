import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import {
  DEFAULT_RETENTION,
  orderJobRetention,
  retentionFromConfig,
  retentionWarnings,
  settledRecordTtlMs,
  sweepableIntent,
} from './retention.js';
import { streamIdMs } from './streams.js';

describe('retention', () => {
  it('defaults: records 7 d, completed jobs 24 h and 10 000 at most, failed jobs 7 d, streams 1 000 000', () => {
    expect(retentionFromConfig(loadConfig({}))).toEqual(DEFAULT_RETENTION);
    expect(orderJobRetention(DEFAULT_RETENTION)).toEqual({
      removeOnComplete: { age: 86_400, count: 10_000 },
      removeOnFail: { age: 7 * 86_400 },
    });
    expect(settledRecordTtlMs(DEFAULT_RETENTION)).toBe(86_400_000);
  });

  it('a records TTL under 24 h also bounds completed jobs and settled risk records', () => {
    const r = { ...DEFAULT_RETENTION, recordsTtlMs: 90_500, jobsKept: 3 };
    expect(settledRecordTtlMs(r)).toBe(90_500);
    expect(orderJobRetention(r)).toEqual({ removeOnComplete: { age: 91, count: 3 }, removeOnFail: { age: 91 } });
  });

  it('reads the four settings and refuses a records TTL under a minute', () => {
    const cfg = loadConfig({
      ORDER_RECORDS_TTL_MS: '60000',
      ORDER_JOBS_KEPT: '5',
      ORDERS_MAXLEN: '20000',
      INTENTS_MAXLEN: '30000',
    });
    expect(retentionFromConfig(cfg)).toEqual({
      recordsTtlMs: 60_000,
      jobsKept: 5,
      ordersMaxlen: 20_000,
      intentsMaxlen: 30_000,
    });
    expect(() => loadConfig({ ORDER_RECORDS_TTL_MS: '59999' })).toThrow(/ORDER_RECORDS_TTL_MS/);
    expect(() => loadConfig({ ORDER_JOBS_KEPT: '0' })).toThrow(/ORDER_JOBS_KEPT/);
    // The orphan sweep reads the intents' tail: the streams keep at least 10 000 entries.
    expect(() => loadConfig({ INTENTS_MAXLEN: '9999' })).toThrow(/INTENTS_MAXLEN/);
    expect(() => loadConfig({ ORDERS_MAXLEN: '9999' })).toThrow(/ORDERS_MAXLEN/);
  });

  it('warns at start when the records TTL is under an hour', () => {
    expect(retentionWarnings(DEFAULT_RETENTION)).toEqual([]);
    expect(retentionWarnings({ ...DEFAULT_RETENTION, recordsTtlMs: 3_600_000 })).toEqual([]);
    const [w] = retentionWarnings({ ...DEFAULT_RETENTION, recordsTtlMs: 60_000 });
    expect(w).toMatch(/ORDER_RECORDS_TTL_MS=60000 is under an hour/);
    expect(w).toMatch(/never placed twice/);
  });

  it('the orphan sweep looks back half the records TTL, by the entry id’s time', () => {
    const r = { ...DEFAULT_RETENTION, recordsTtlMs: 120_000 };
    const now = 1_800_000_000_000;
    expect(sweepableIntent(r, streamIdMs(`${now - 59_999}-3`), now)).toBe(true);
    expect(sweepableIntent(r, streamIdMs(`${now - 60_000}-0`), now)).toBe(false);
    expect(streamIdMs('not-an-id')).toBeNaN();
    expect(sweepableIntent(r, streamIdMs('garbage'), now)).toBe(false);
  });
});
