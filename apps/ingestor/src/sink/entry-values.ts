// Plain value types of the entries the ingestor writes. The shared contracts' types keep unknown fields
// (an index signature), which `Omit` would flatten; these spell out exactly what the ingestor produces.

export type TickValue = {
  type: 'tick';
  market_id: string;
  yes: number;
  no: number;
  best_bid?: number;
  best_ask?: number;
  emit_ts_ms: number;
  recv_ts_ms: number;
  conn_epoch: number;
  source: string;
  tradable: boolean;
  key: string;
};

export type GapValue = {
  type: 'gap';
  market_id: string;
  conn_epoch: number;
  reason: string;
  ts_ms: number;
  last_emit_ts_ms?: number;
};

export type FeedEventValue = {
  event:
    | 'token_minted'
    | 'connected'
    | 'subscribed'
    | 'subscribe_missing'
    | 'disconnected'
    | 'stalled'
    | 'market_quiet'
    | 'conn_cap'
    | 'gap_opened'
    | 'gap_closed'
    | 'buffer_overflow'
    | 'markets_rejected';
  conn_id: number;
  conn_epoch: number;
  ts_ms: number;
  markets?: number;
  market_id?: string;
  code?: number;
  reason?: string;
};
