// The status snapshot `collectStatus` returns. Types only, with no runtime imports, so that the dashboard's
// browser bundle can build its view type on it (`@polybot/shared/status`) without pulling in Node code.

import type { FeedEvent } from '../contracts/feed-event.js';

export interface PartitionStatus {
  partition: number;
  length: number;
  lag: number | null;
  pending: number;
  leaseOwner: string | null;
}

export interface ConnectionStatus {
  connId: number;
  epoch: number;
  lastEvent: FeedEvent['event'];
  lastEventAgoMs: number;
}

export interface Status {
  ns: string;
  at: number;
  halted: boolean;
  ticks: { total: number; perSec: number };
  intents: number;
  deadLetters: number;
  partitions: PartitionStatus[];
  connections: ConnectionStatus[];
  queue: { waiting: number; active: number; delayed: number; failed: number; completed: number };
  orders: {
    acked: number;
    rejected: number;
    filled: number;
    perSec: number;
    tickToOrderMs: { p50: number | null; p99: number | null; samples: number };
  };
  portfolio: { raw: Record<string, string> };
}
