// API keys → accounts. Dev mode accepts any well-formed ps_live_/ps_test_ key (each key its own account);
// otherwise only configured keys. Keys stay in memory only: never logged, never echoed in errors.

import { createHash } from 'node:crypto';
import { Account } from '@polybot/exchange';
import { toMicro } from '@polybot/shared';
import { ApiError } from './errors.js';
import type { ResolvedOptions, TierSpec } from './options.js';
import type { IdemEntry, OrderRecord } from './orders/order-types.js';

export const KEY_RE = /^ps_(live|test)_[A-Za-z0-9]{8,128}$/;

export interface AccountRecord {
  userId: number;
  keyPrefix: string;
  tier: TierSpec;
  account: Account;
  idem: Map<string, IdemEntry>;
  /** All orders of this account, oldest first. */
  orders: OrderRecord[];
  rate: { sec: number; secCount: number; min: number; minCount: number };
  /** Monotonic ms at which the write lock is next free. */
  lockFreeAt: number;
  heartbeat: { expiresAtMs: number; graceMs: number } | undefined;
  wsConnections: number;
}

export function devApiKey(seed: number): string {
  return `ps_live_${createHash('sha256').update(`polysim-dev-key/${seed}`).digest('hex')}`;
}

type Headers = Record<string, string | string[] | undefined>;

/** The raw key from X-API-Key (wins), POLY_API_KEY, Poly-API-Key or Authorization: Bearer. */
export function keyFromHeaders(h: Headers): string | undefined {
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const direct = one(h['x-api-key']) ?? one(h.poly_api_key) ?? one(h['poly-api-key']);
  if (direct !== undefined) return direct.trim();
  const auth = one(h.authorization);
  if (auth?.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim();
  return undefined;
}

export class Accounts {
  readonly #opts: ResolvedOptions;
  readonly #byKey = new Map<string, AccountRecord>();
  readonly #configured = new Map<string, string>();
  readonly #byUser = new Map<number, AccountRecord>();
  #nextUser = 1001;

  constructor(opts: ResolvedOptions) {
    this.#opts = opts;
    for (const k of opts.apiKeys) this.#configured.set(k.key, k.tier ?? opts.defaultTier);
  }

  tier(name: string): TierSpec {
    const t = this.#opts.tiers.find((x) => x.tier === name);
    if (!t) throw new Error(`unknown tier ${name}`);
    return t;
  }

  /** Resolves the request's key to its account, or throws 401. */
  authenticate(headers: Headers): AccountRecord {
    const key = keyFromHeaders(headers);
    if (key === undefined || key === '')
      throw new ApiError(401, 'MISSING_API_KEY', 'Missing API key (X-API-Key header)');
    const known = this.#byKey.get(key);
    if (known) return known;
    const configuredTier = this.#configured.get(key);
    if (configuredTier === undefined) {
      if (!this.#opts.devMode || !KEY_RE.test(key)) throw new ApiError(401, 'INVALID_KEY', 'Invalid API key');
    }
    return this.#create(key, configuredTier ?? this.#opts.defaultTier);
  }

  byUser(userId: number): AccountRecord | undefined {
    return this.#byUser.get(userId);
  }

  all(): AccountRecord[] {
    return [...this.#byUser.values()];
  }

  #create(key: string, tierName: string): AccountRecord {
    const tier = this.tier(tierName);
    const userId = this.#nextUser++;
    const rec: AccountRecord = {
      userId,
      keyPrefix: key.slice(0, 16),
      tier,
      account: new Account(String(userId), toMicro(tier.starting_balance)),
      idem: new Map(),
      orders: [],
      rate: { sec: 0, secCount: 0, min: 0, minCount: 0 },
      lockFreeAt: 0,
      heartbeat: undefined,
      wsConnections: 0,
    };
    this.#byKey.set(key, rec);
    this.#byUser.set(userId, rec);
    return rec;
  }
}
