// Server-sent events fan-out: one stream reader and one status poller per server feed every browser
// client through this hub, so more tabs never mean more Redis reads. A client that cannot keep up (its
// socket buffer passes the limit) is dropped; its EventSource reconnects and starts from a fresh snapshot.

export interface SseSink {
  write(chunk: string): boolean;
  end(): void;
  /** Bytes queued in the socket (node: ServerResponse.writableLength). */
  readonly writableLength: number;
}

export interface SseHubOptions {
  /** Drop a client whose unsent bytes pass this (default 4 MiB). */
  maxBufferedBytes?: number;
  /** Comment line sent to every client this often, so proxies keep the connection (default 15 s). */
  heartbeatMs?: number;
  /** Applied to every serialised message (the secret scrubber). */
  transform?: (serialised: string) => string;
  onDrop?: (reason: 'slow' | 'closed') => void;
}

export interface SseClient {
  readonly id: number;
  close(): void;
}

export function formatSse(event: string, data: string, id?: string): string {
  const lines = data.split('\n').map((l) => `data: ${l}`);
  return `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\n${lines.join('\n')}\n\n`;
}

export class SseHub {
  readonly #clients = new Map<number, SseSink>();
  readonly #max: number;
  readonly #transform: (s: string) => string;
  readonly #onDrop: ((reason: 'slow' | 'closed') => void) | undefined;
  #nextId = 1;
  #timer: NodeJS.Timeout | undefined;
  #sent = 0;

  constructor(opts: SseHubOptions = {}) {
    this.#max = opts.maxBufferedBytes ?? 4 * 1024 * 1024;
    this.#transform = opts.transform ?? ((s) => s);
    this.#onDrop = opts.onDrop;
    const hb = opts.heartbeatMs ?? 15_000;
    if (hb > 0) {
      this.#timer = setInterval(() => this.#writeAll(': keep-alive\n\n'), hb);
      this.#timer.unref();
    }
  }

  get size(): number {
    return this.#clients.size;
  }

  /** Messages written to clients so far (one per client per broadcast). */
  get sent(): number {
    return this.#sent;
  }

  /** Adds a client; `first` (e.g. the snapshot) is written to it alone, before any broadcast. */
  add(sink: SseSink, first?: { event: string; data: unknown }): SseClient {
    const id = this.#nextId++;
    this.#clients.set(id, sink);
    sink.write('retry: 2000\n\n');
    if (first) sink.write(this.#message(first.event, first.data));
    return { id, close: () => this.#remove(id, 'closed') };
  }

  /** Serialises once, then writes the same bytes to every client. */
  broadcast(event: string, data: unknown): void {
    if (this.#clients.size === 0) return;
    this.#writeAll(this.#message(event, data));
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    for (const [id, sink] of this.#clients) {
      this.#clients.delete(id);
      try {
        sink.end();
      } catch {
        // already gone
      }
    }
  }

  #message(event: string, data: unknown): string {
    return formatSse(event, this.#transform(JSON.stringify(data)));
  }

  #writeAll(chunk: string): void {
    for (const [id, sink] of this.#clients) {
      if (sink.writableLength > this.#max) {
        this.#remove(id, 'slow');
        continue;
      }
      try {
        sink.write(chunk);
        this.#sent++;
      } catch {
        this.#remove(id, 'closed');
      }
    }
  }

  #remove(id: number, reason: 'slow' | 'closed'): void {
    const sink = this.#clients.get(id);
    if (!sink) return;
    this.#clients.delete(id);
    this.#onDrop?.(reason);
    try {
      sink.end();
    } catch {
      // already gone
    }
  }
}
