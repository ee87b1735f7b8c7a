// A stream contract: one zod codec that decodes Redis string fields into typed values and encodes back.
// Unknown fields are kept as strings (schema drift is not an error); a failed decode is a DecodeError.

import { z } from 'zod';
import { DecodeError } from '../errors/polybot-error.js';

export type WireFields = Record<string, string>;

export interface StreamContract<T extends Record<string, unknown>> {
  readonly name: string;
  readonly version: number;
  readonly schema: z.ZodType<T, WireFields>;
  /** Decodes string fields; throws DecodeError (never anything else) when they are invalid. */
  decode(fields: WireFields): T;
  /** Like decode, but returns a result instead of throwing. */
  safeDecode(fields: WireFields): { ok: true; value: T } | { ok: false; error: DecodeError };
  /** Encodes a value into string fields, stamping the schema version. */
  encode(value: Omit<T, 'v'> & { v?: number }): WireFields;
  /** Flat `[field, value, …]` list for XADD. */
  toArgs(value: Omit<T, 'v'> & { v?: number }): string[];
}

export function issuesOf(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(entry)'}: ${i.message}`);
}

export function defineStreamContract<S extends z.ZodRawShape>(
  name: string,
  version: number,
  shape: S,
): StreamContract<z.output<z.ZodObject<S, z.core.$loose>>> {
  const schema = z.looseObject(shape);
  type T = z.output<typeof schema>;
  const safeDecode = (fields: WireFields) => {
    if (fields === null || typeof fields !== 'object') {
      return { ok: false as const, error: new DecodeError(name, ['(entry): not an object']) };
    }
    const res = schema.safeDecode(fields as never);
    if (res.success) return { ok: true as const, value: res.data as T };
    return { ok: false as const, error: new DecodeError(name, issuesOf(res.error), { cause: res.error }) };
  };
  const encode = (value: Omit<T, 'v'> & { v?: number }): WireFields => {
    const withVersion = { ...value, v: value.v ?? version } as unknown as T;
    const out = schema.encode(withVersion as never) as Record<string, unknown>;
    const fields: WireFields = {};
    for (const [k, val] of Object.entries(out)) {
      if (val === undefined) continue;
      fields[k] = typeof val === 'string' ? val : JSON.stringify(val);
    }
    return fields;
  };
  return {
    name,
    version,
    schema: schema as unknown as z.ZodType<T, WireFields>,
    decode(fields) {
      const r = safeDecode(fields);
      if (!r.ok) throw r.error;
      return r.value;
    },
    safeDecode,
    encode,
    toArgs(value) {
      const f = encode(value);
      const args: string[] = [];
      for (const k in f) args.push(k, f[k] as string);
      return args;
    },
  };
}
