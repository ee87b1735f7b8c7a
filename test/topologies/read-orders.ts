// Reads `{ns}:orders` as OrderEvents (the executor's log), on any topology.
import { keys, type OrderEvent, OrderEventContract, parseEntries, type RedisClient } from '@polybot/shared';

export async function readOrderEvents(redis: RedisClient, ns: string): Promise<OrderEvent[]> {
  const { entries } = parseEntries(await redis.xrange(keys(ns).orders, '-', '+'));
  return entries.map((e) => OrderEventContract.decode(e.fields));
}
