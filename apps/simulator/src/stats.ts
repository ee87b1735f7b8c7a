// Counters served at /_sim/stats and returned by sim.stats().

export function newStats() {
  return {
    http: { requests: 0, by_status: {} as Record<string, number> },
    orders: { placed: 0, filled: 0, resting: 0, cancelled: 0, expired: 0, rejected: 0, replays: 0 },
    ws: {
      connections_open: 0,
      connections_total: 0,
      frames_sent: 0,
      closes_4001: 0,
      closes_4002: 0,
      tokens_minted: 0,
    },
    faults: {
      server_busy: 0,
      ambiguous: 0,
      storm_429: 0,
      rate_limited: 0,
      trade_in_progress: 0,
      malformed_frames: 0,
      dropped_sockets: 0,
      stalled_frames: 0,
    },
    ticks: 0,
    ticks_dropped: 0,
  };
}

export type SimStats = ReturnType<typeof newStats>;
