// One price-feed WebSocket and its state machine:
//   minting → connecting → awaiting_connected → subscribing → streaming → (closed) → backoff → minting …
// Close 4001 (or a 401 on the upgrade) re-mints and reconnects at once; 4002 backs off and reports the
// connection cap; anything else backs off with jitter (reset after a healthy connection). An app-level ping
// must be answered, and a watchdog recycles a socket that is open but silent (no price frame for
// `stallMs`, or its canary market silent far past its cadence). Every reconnect subscribes everything again.
import { DecodeError, type Logger } from '@polybot/shared';
import type { WebSocket } from 'ws';
import { Backoff } from './backoff.js';
import { CadenceTracker } from './cadence-tracker.js';
import type { FrameParser, ServerFrame } from './ports.js';

export type ConnState =
  | 'idle'
  | 'minting'
  | 'connecting'
  | 'awaiting_connected'
  | 'subscribing'
  | 'streaming'
  | 'backoff'
  | 'stopped';

/** Why a session ended; also the `cause` label of the reconnect metric. */
export type DisconnectCause =
  | 'token'
  | 'conn_cap'
  | 'closed'
  | 'error'
  | 'stall'
  | 'canary_quiet'
  | 'pong_timeout'
  | 'handshake_timeout'
  | 'subscribe_timeout'
  | 'mint_error'
  | 'rate_limited'
  | 'shutdown';

export interface DisconnectInfo {
  cause: DisconnectCause;
  code?: number;
  reason?: string;
  epoch: number;
  /** Markets the venue had acknowledged on this socket (continuity is lost for them). */
  markets: readonly string[];
  /** Whether the session reached streaming. */
  streamed: boolean;
}

export interface FeedConnectionOptions {
  /** App-level ping interval (INGEST_PING_MS). */
  pingMs: number;
  /** A ping unanswered this long terminates the socket. Default: pingMs. */
  pongTimeoutMs?: number;
  /** No price frame for this long on an open, subscribed socket → recycle (INGEST_STALL_MS). */
  stallMs: number;
  /** A market silent for quietFactor × its cadence is quiet (INGEST_QUIET_FACTOR). */
  quietFactor: number;
  /** Silence below this never counts as quiet. Default 1000 ms. */
  minQuietMs?: number;
  /** Upgrade + `connected` greeting deadline. Default 10 s. */
  connectTimeoutMs?: number;
  /** `subscribed` ack deadline. Default 10 s. */
  subscribeTimeoutMs?: number;
  /** Backoff base and cap (1 s doubling to 30 s). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** A session that streamed this long resets the backoff. Default 10 s. */
  healthyMs?: number;
  /** Delay before asking again for markets missing from an ack, and how many times. Default 1 s, 3. */
  subscribeRetryMs?: number;
  subscribeRetries?: number;
  /** Text frames above this many bytes are dead-lettered unparsed. Default 1 MiB. */
  maxFrameBytes?: number;
  /** Watchdog period. Default min(250, stallMs / 4). */
  watchdogMs?: number;
  random?: () => number;
}

export interface FeedConnectionHandlers {
  /** Mints a WS token (POST /v1/keys/ws-token). May throw; `retryAfterMs` on the error is honoured. */
  mintToken(): Promise<string>;
  /** WebSocket URL for a token. The URL holds the token: it is never logged. */
  url(token: string): string;
  openSocket(url: string): WebSocket;
  parse: FrameParser;
  /** A new connection epoch, unique across restarts. */
  nextEpoch(): Promise<number>;
  now(): number;
  /** A price frame; returns the (lower-case) market id when the frame was valid. */
  onPrice(
    frame: Extract<ServerFrame, { kind: 'price' }>['frame'],
    recvTsMs: number,
    epoch: number,
    raw: string,
  ): string | undefined;
  onInvalid(reason: string, raw: string, epoch: number): void;
  onState(state: ConnState): void;
  onTokenMinted(epoch: number): void;
  onConnected(epoch: number): void;
  onSubscribed(epoch: number, markets: readonly string[]): void;
  onSubscribeMissing(epoch: number, missing: readonly string[], attempt: number): void;
  onRejected(epoch: number, markets: readonly string[]): void;
  onStalled(epoch: number, reason: string): void;
  onQuiet(epoch: number, market: string, silenceMs: number, cadenceMs: number): void;
  /** A market reported quiet is ticking again. */
  onActive(market: string): void;
  onConnCap(epoch: number): void;
  onDisconnect(info: DisconnectInfo): void;
}

function sleepCancellable(ms: number, signal: { cancel?: () => void }): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.cancel = () => {
      clearTimeout(t);
      resolve();
    };
  });
}

const lower = (s: string) => s.toLowerCase();

export class FeedConnection {
  readonly id: number;
  readonly markets: readonly string[];
  readonly #h: FeedConnectionHandlers;
  readonly #log: Logger;
  readonly #o: Required<Omit<FeedConnectionOptions, 'random'>>;
  readonly #backoff: Backoff;
  readonly #cadence: CadenceTracker;
  #state: ConnState = 'idle';
  #stopped = false;
  #sleep: { cancel?: () => void } = {};
  #ws: WebSocket | undefined;
  #loop: Promise<void> | undefined;
  #epoch = 0;
  #tokenFailures = 0;
  #reconnects = 0;

  constructor(
    id: number,
    markets: readonly string[],
    opts: FeedConnectionOptions,
    h: FeedConnectionHandlers,
    log: Logger,
  ) {
    this.id = id;
    this.markets = markets;
    this.#h = h;
    this.#log = log;
    this.#o = {
      pongTimeoutMs: opts.pingMs,
      minQuietMs: 1000,
      connectTimeoutMs: 10_000,
      subscribeTimeoutMs: 10_000,
      backoffBaseMs: 1000,
      backoffMaxMs: 30_000,
      healthyMs: 10_000,
      subscribeRetryMs: 1000,
      subscribeRetries: 3,
      maxFrameBytes: 1 << 20,
      watchdogMs: Math.max(5, Math.min(250, Math.floor(opts.stallMs / 4))),
      ...opts,
    };
    this.#backoff = new Backoff({
      baseMs: this.#o.backoffBaseMs,
      maxMs: this.#o.backoffMaxMs,
      ...(opts.random ? { random: opts.random } : {}),
    });
    this.#cadence = new CadenceTracker({ quietFactor: this.#o.quietFactor, minQuietMs: this.#o.minQuietMs });
  }

  get state(): ConnState {
    return this.#state;
  }

  get epoch(): number {
    return this.#epoch;
  }

  /** Sessions started after the first one. */
  get reconnects(): number {
    return this.#reconnects;
  }

  get canary(): string | undefined {
    return this.#cadence.canary();
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Closes the socket and stops reconnecting. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#sleep.cancel?.();
    const ws = this.#ws;
    if (ws && ws.readyState <= 1) {
      ws.close(1000, 'shutdown');
      const t = setTimeout(() => ws.terminate(), 1000);
      t.unref();
    }
    await this.#loop;
  }

  #setState(s: ConnState): void {
    if (this.#state === s) return;
    this.#state = s;
    this.#h.onState(s);
  }

  async #run(): Promise<void> {
    let first = true;
    while (!this.#stopped) {
      if (!first) this.#reconnects++;
      first = false;
      let delay: number;
      try {
        delay = await this.#session();
      } catch (err) {
        // A bug in a handler must not kill the feed: log it and reconnect with backoff.
        this.#log.error({ err }, 'feed session failed unexpectedly');
        delay = this.#backoff.next();
      }
      if (this.#stopped) break;
      if (delay > 0) {
        this.#setState('backoff');
        await sleepCancellable(delay, this.#sleep);
      }
    }
    this.#setState('stopped');
  }

  /** Runs one session; returns the delay before the next one. */
  async #session(): Promise<number> {
    this.#setState('minting');
    let token: string;
    try {
      token = await this.#h.mintToken();
    } catch (err) {
      const retryAfter = (err as { retryAfterMs?: unknown }).retryAfterMs;
      const status = (err as { status?: unknown }).status;
      this.#log.warn({ err, status }, 'ws token mint failed');
      const d = this.#backoff.next();
      return typeof retryAfter === 'number' && retryAfter > d ? retryAfter : d;
    }
    if (this.#stopped) return 0;
    let epoch: number;
    try {
      epoch = await this.#h.nextEpoch();
    } catch (err) {
      this.#log.warn({ err }, 'could not allocate a connection epoch');
      return this.#backoff.next();
    }
    this.#epoch = epoch;
    this.#h.onTokenMinted(epoch);
    if (this.#stopped) return 0;
    const info = await this.#socket(token, epoch);
    this.#h.onDisconnect(info);
    if (this.#stopped || info.cause === 'shutdown') return 0;
    switch (info.cause) {
      case 'token':
        // An expired token is routine: reconnect at once, unless tokens keep failing.
        this.#tokenFailures++;
        return this.#tokenFailures <= 2 ? 0 : this.#backoff.next();
      case 'conn_cap':
        this.#h.onConnCap(epoch);
        return Math.max(this.#backoff.next(), this.#o.backoffBaseMs);
      default:
        return this.#backoff.next();
    }
  }

  #socket(token: string, epoch: number): Promise<DisconnectInfo> {
    const o = this.#o;
    const h = this.#h;
    this.#setState('connecting');
    const asked = new Set(this.markets.map(lower));
    const acked = new Set<string>();
    const rejected = new Set<string>();
    let streamingSince: number | undefined;
    let cause: DisconnectCause | undefined;
    let lastError: string | undefined;
    let phaseDeadline = h.now() + o.connectTimeoutMs;
    let lastData = h.now();
    let nextPingAt = Number.POSITIVE_INFINITY;
    let pongDeadline = Number.POSITIVE_INFINITY;
    let subscribeAttempt = 0;
    let retryTimer: NodeJS.Timeout | undefined;
    let ws: WebSocket;
    try {
      ws = h.openSocket(h.url(token));
    } catch (err) {
      this.#log.warn({ err }, 'could not open the feed socket');
      return Promise.resolve({ cause: 'error', epoch, markets: [], streamed: false });
    }
    this.#ws = ws;

    const send = (msg: unknown) => {
      if (ws.readyState === 1) ws.send(JSON.stringify(msg));
    };
    const kill = (why: DisconnectCause) => {
      cause ??= why;
      ws.terminate();
    };
    const subscribe = (list: readonly string[]) => {
      send({ action: 'subscribe', markets: list });
    };

    const onAck = (markets: readonly string[]) => {
      acked.clear();
      for (const m of markets) if (typeof m === 'string') acked.add(lower(m));
      const missing = [...asked].filter((m) => !acked.has(m) && !rejected.has(m));
      const ok = [...acked].filter((m) => asked.has(m));
      if (this.#state === 'subscribing') {
        this.#setState('streaming');
        streamingSince = h.now();
        lastData = streamingSince;
        this.#tokenFailures = 0;
        this.#cadence.rebase(ok, streamingSince);
        h.onSubscribed(epoch, ok);
      } else {
        this.#cadence.rebase(ok, h.now());
      }
      if (missing.length === 0) return;
      subscribeAttempt++;
      h.onSubscribeMissing(epoch, missing, subscribeAttempt);
      if (subscribeAttempt > o.subscribeRetries) {
        for (const m of missing) rejected.add(m);
        h.onRejected(epoch, missing);
        return;
      }
      clearTimeout(retryTimer);
      retryTimer = setTimeout(() => {
        const orig = this.markets.filter((m) => missing.includes(lower(m)));
        subscribe(orig);
      }, o.subscribeRetryMs);
    };

    const onFrame = (parsed: ServerFrame, recv: number, raw: string) => {
      switch (parsed.kind) {
        case 'price': {
          lastData = recv;
          const market = h.onPrice(parsed.frame, recv, epoch, raw);
          if (market !== undefined && this.#cadence.record(market, recv)) h.onActive(market);
          return;
        }
        case 'connected':
          if (this.#state === 'awaiting_connected') {
            h.onConnected(epoch);
            this.#setState('subscribing');
            phaseDeadline = h.now() + o.subscribeTimeoutMs;
            subscribe(this.markets);
          }
          return;
        case 'subscribed':
          if (this.#state === 'subscribing' || this.#state === 'streaming') onAck(parsed.frame.markets);
          return;
        case 'pong':
          pongDeadline = Number.POSITIVE_INFINITY;
          return;
        case 'error': {
          const msg = typeof parsed.frame.message === 'string' ? parsed.frame.message.slice(0, 200) : '';
          this.#log.warn({ conn_id: this.id, venue_message: msg }, 'venue error frame');
          h.onInvalid(`venue error frame: ${msg}`, raw, epoch);
          return;
        }
      }
    };

    return new Promise<DisconnectInfo>((resolve) => {
      const watchdog = setInterval(() => {
        const now = h.now();
        const s = this.#state;
        if ((s === 'connecting' || s === 'awaiting_connected') && now > phaseDeadline) return kill('handshake_timeout');
        if (s === 'subscribing' && now > phaseDeadline) return kill('subscribe_timeout');
        if (now > pongDeadline) {
          this.#log.warn({ conn_id: this.id }, 'pong missing: terminating the socket');
          return kill('pong_timeout');
        }
        if (now >= nextPingAt) {
          send({ action: 'ping' });
          nextPingAt = now + o.pingMs;
          if (pongDeadline === Number.POSITIVE_INFINITY) pongDeadline = now + o.pongTimeoutMs;
        }
        if (s !== 'streaming' || acked.size === 0) return;
        if (now - lastData > o.stallMs) {
          h.onStalled(epoch, `no price frame for ${Math.round(now - lastData)} ms`);
          return kill('stall');
        }
        const quiet = this.#cadence.scanNewlyQuiet(now);
        const canary = this.#cadence.canary();
        for (const q of quiet) {
          if (q.market === canary) {
            // The busiest market went silent: the socket is dead, not the markets.
            h.onStalled(epoch, `canary market silent for ${Math.round(q.silenceMs)} ms`);
            return kill('canary_quiet');
          }
        }
        for (const q of quiet) h.onQuiet(epoch, q.market, q.silenceMs, q.cadenceMs);
      }, o.watchdogMs);

      ws.on('open', () => {
        if (this.#state !== 'connecting') return;
        this.#setState('awaiting_connected');
        nextPingAt = h.now() + o.pingMs;
      });
      ws.on('message', (data, isBinary) => {
        const recv = h.now();
        const size = Array.isArray(data)
          ? data.reduce((n, b) => n + b.length, 0)
          : (data as Buffer | ArrayBuffer).byteLength;
        if (isBinary) {
          h.onInvalid('binary frame', `<${size} bytes binary>`, epoch);
          return;
        }
        // A Buffer is decoded in place (Buffer.from would copy it first); an ArrayBuffer gets a view, not a copy.
        const raw = Array.isArray(data)
          ? Buffer.concat(data).toString('utf8')
          : Buffer.isBuffer(data)
            ? data.toString('utf8')
            : Buffer.from(data as ArrayBuffer).toString('utf8');
        if (size > o.maxFrameBytes) {
          h.onInvalid(`frame too large (${size} bytes)`, raw.slice(0, 256), epoch);
          return;
        }
        let parsed: ServerFrame | DecodeError;
        try {
          parsed = h.parse(raw);
        } catch (err) {
          parsed = new DecodeError('ServerFrame', [String(err)]);
        }
        if (parsed instanceof DecodeError) {
          h.onInvalid(parsed.issues.slice(0, 3).join('; ') || parsed.message, raw, epoch);
          return;
        }
        onFrame(parsed, recv, raw);
      });
      ws.on('error', (err) => {
        lastError = err.message;
        const m = /Unexpected server response: (\d+)/.exec(err.message);
        if (m) {
          const status = Number(m[1]);
          if (status === 401 || status === 403) cause ??= 'token';
          else if (status === 429) cause ??= 'rate_limited';
        }
        this.#log.debug({ conn_id: this.id, err }, 'feed socket error');
      });
      ws.on('close', (code, reasonBuf) => {
        clearInterval(watchdog);
        clearTimeout(retryTimer);
        this.#ws = undefined;
        const reason = reasonBuf.toString('utf8').slice(0, 200) || lastError?.slice(0, 200);
        let final: DisconnectCause;
        if (code === 4001) final = 'token';
        else if (code === 4002) final = 'conn_cap';
        else if (this.#stopped) final = 'shutdown';
        else final = cause ?? (lastError ? 'error' : 'closed');
        const streamed = streamingSince !== undefined;
        if (streamed && h.now() - (streamingSince as number) >= o.healthyMs) this.#backoff.reset();
        resolve({
          cause: final,
          code,
          ...(reason ? { reason } : {}),
          epoch,
          markets: [...acked].filter((m) => asked.has(m)),
          streamed,
        });
      });
    });
  }
}
