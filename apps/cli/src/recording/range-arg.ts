// --from/--to values: a stream id (1700000000000-0), epoch milliseconds, or an ISO time.
import { InvalidArgumentError } from 'commander';

export function parseRangeArg(value: string): string {
  if (/^\d{1,16}-\d{1,20}$/.test(value) || /^\d{1,16}$/.test(value)) return value;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new InvalidArgumentError('expected a stream id, epoch milliseconds or an ISO time');
  return String(ms);
}
