// The halt switch `{ns}:halt` read atomically by the risk gate (and the executor's dead-man switch):
// halting blocks every new intent; orders already queued still complete. Shared by the CLI and the dashboard.

import { z } from 'zod';
import type { RedisClient } from '../redis/connection.js';
import { keys } from '../redis/keys.js';

export const HaltValueSchema = z.object({ reason: z.string().max(512), at: z.string() });
export type HaltValue = z.infer<typeof HaltValueSchema>;

/** Sets the halt switch with a reason and the time (ISO) it was set. */
export async function setHaltSwitch(redis: RedisClient, ns: string, reason: string, at: Date): Promise<void> {
  const value: HaltValue = { reason: reason.slice(0, 512), at: at.toISOString() };
  await redis.set(keys(ns).halt, JSON.stringify(value));
}

/** Clears the halt switch; true when it was set. */
export async function clearHaltSwitch(redis: RedisClient, ns: string): Promise<boolean> {
  return (await redis.del(keys(ns).halt)) === 1;
}

/** The halt switch's value, or null when trading. A value that is not ours still counts as halted. */
export async function readHaltSwitch(redis: RedisClient, ns: string): Promise<HaltValue | null> {
  const raw = await redis.get(keys(ns).halt);
  if (raw === null) return null;
  try {
    const parsed = HaltValueSchema.safeParse(JSON.parse(raw));
    if (parsed.success) return parsed.data;
  } catch {
    // not JSON: fall through
  }
  return { reason: 'halted (unreadable reason)', at: '' };
}
