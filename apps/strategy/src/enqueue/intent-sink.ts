// Where approved intents go: one BullMQ job each in `{ns}-orders` (jobId = intent id, so the same intent
// added twice is one job) and one entry each in `{ns}:intents` (the audit trail with the tick it came from).

import type { RedisClient } from '@polybot/shared';
import {
  type Clock,
  DEFAULT_RETENTION,
  type Intent,
  IntentContract,
  type Keys,
  OrderJobContract,
  type Retention,
  scriptCommand,
} from '@polybot/shared';
import { type JobsOptions, Queue } from 'bullmq';

/** The job name of every order job. */
export const ORDER_JOB_NAME = 'order';

/** The marker of an intent appended to `{ns}:intents`; its hash tag is the stream's name (same slot). */
export function intentLoggedKey(k: Keys, id: string): string {
  return `${k.ns}:intent-logged:{${k.intents}}:${id}`;
}

// KEYS: marker, intents stream. ARGV: marker ttl ms, maxlen, field, value, …
const APPEND_ONCE_LUA = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))
return 1
`;

export interface IntentSinkOptions {
  /** A `bullmq`-role connection (maxRetriesPerRequest null); owned by the caller. */
  queueConnection: RedisClient;
  /** A command connection for the intents stream; owned by the caller. */
  redis: RedisClient;
  keys: Keys;
  clock: Clock;
  /** Extra job options (attempts, backoff…); jobId is always the intent id. None by default (keep options are the executor's worker's). */
  jobOptions?: JobsOptions;
  /**
   * What Redis keeps per intent: the "appended" markers' lifetime (the records' TTL) and the MAXLEN of
   * `{ns}:intents`. Default DEFAULT_RETENTION. Jobs carry no keep options: the executor's worker decides.
   */
  retention?: Retention;
}

export interface SinkItem {
  intent: Intent;
  /** Already appended to `{ns}:intents` by an earlier run: only the (idempotent) job add is repeated. */
  logged: boolean;
}

export interface IntentSink {
  /** Adds the jobs and appends the intents not yet logged, at once. Resolves once both are in Redis. */
  enqueue(items: readonly SinkItem[]): Promise<void>;
  readonly queue: Queue;
  close(): Promise<void>;
}

export function createIntentSink(o: IntentSinkOptions): IntentSink {
  const retention = o.retention ?? DEFAULT_RETENTION;
  // EVALSHA in the pipeline below: the script is not resent with every intent.
  const appendOnce = scriptCommand(o.redis, 'polybotAppendIntentOnce', 2, APPEND_ONCE_LUA);
  const queue = new Queue(o.keys.ordersQueue, {
    connection: o.queueConnection,
    prefix: o.keys.bullPrefix,
    ...(o.jobOptions ? { defaultJobOptions: o.jobOptions } : {}),
  });
  const maxlen = retention.intentsMaxlen;
  let closing: Promise<void> | undefined;
  return {
    queue,
    async enqueue(items) {
      if (items.length === 0) return;
      const tEnqueue = o.clock.now();
      const fresh = items.filter((i) => !i.logged);
      // The jobs and the audit entries go out together (one round trip): each write is idempotent on its own
      // (jobId = intent id; the logged marker), so a crash between or during them is repaired by the re-run,
      // and the executor's orphan sweep only re-adds a job it cannot find, under the same id.
      const jobs = queue.addBulk(
        items.map(({ intent }) => ({
          name: ORDER_JOB_NAME,
          data: OrderJobContract.encode({ ...intent, t_enqueue: tEnqueue }),
          opts: { jobId: intent.intent_id },
        })),
      );
      if (fresh.length === 0) {
        await jobs;
        return;
      }
      // Marker and XADD in one script: a worker killed between them cannot leave an intent that a re-run
      // appends a second time. The marker shares the stream's slot (Cluster).
      const pipe = o.redis.pipeline();
      for (const { intent } of fresh) {
        appendOnce(
          pipe,
          intentLoggedKey(o.keys, intent.intent_id),
          o.keys.intents,
          retention.recordsTtlMs,
          maxlen,
          ...IntentContract.toArgs(intent),
        );
      }
      const [, replies] = await Promise.all([jobs, pipe.exec()]);
      for (const [err] of replies ?? []) if (err) throw err;
    },
    close() {
      closing ??= queue.close();
      return closing;
    },
  };
}
