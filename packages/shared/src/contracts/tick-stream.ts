// Decodes one entry of a tick partition stream into a Tick or a Gap by its `type` field.

import { DecodeError } from '../errors/polybot-error.js';
import type { WireFields } from './contract.js';
import { type Gap, GapContract, type Tick, TickContract } from './tick.js';

export function decodeTickStreamEntry(
  fields: WireFields,
): { ok: true; value: Tick | Gap } | { ok: false; error: DecodeError } {
  const type = fields?.type;
  if (type === 'tick') return TickContract.safeDecode(fields);
  if (type === 'gap') return GapContract.safeDecode(fields);
  return {
    ok: false,
    error: new DecodeError('TickStreamEntry', [
      `type: unknown entry type ${JSON.stringify(String(type).slice(0, 32))}`,
    ]),
  };
}
