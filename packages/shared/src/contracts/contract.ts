// A stream contract: one zod codec that decodes Redis string fields into typed values and encodes back.
// Unknown fields are kept as strings (schema drift is not an error); a failed decode is a DecodeError.

import { z } from 'zod';
import { DecodeError } from '../errors/polybot-error.js';
import { fastEncoders, SLOW } from './fields.js';

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
  /** The contract's fields in shape order: the order of toValues. */
  readonly fields: readonly string[];
  /**
   * The encoded values in `fields` order, null for an absent optional field: the entry without its field names
   * (a compact form for a script that adds the names back). Throws what encode throws, and a DecodeError when the
   * value has a field outside the contract (it could not be carried).
   */
  toValues(value: Omit<T, 'v'> & { v?: number }): (string | null)[];
  /** encode through the zod codec only (the authority; encode takes it whenever its fast path is unsure). */
  encodeStrict(value: Omit<T, 'v'> & { v?: number }): WireFields;
}

type FieldEncoder = (value: unknown) => string | typeof SLOW;

type FieldPlan = { key: string; optional: boolean; enc: FieldEncoder }[];

/** Each field's fast encoder in shape order, or undefined when some field has none. */
function fastPlan(shape: z.ZodRawShape): FieldPlan | undefined {
  const plan: FieldPlan = [];
  for (const [key, field] of Object.entries(shape)) {
    let schema = field as z.ZodType;
    let optional = false;
    if (schema instanceof z.ZodOptional) {
      optional = true;
      schema = schema.unwrap() as z.ZodType;
    }
    let enc: FieldEncoder | undefined = fastEncoders.get(schema);
    if (!enc && (schema instanceof z.ZodLiteral || schema instanceof z.ZodEnum)) {
      const allowed = new Set<unknown>(schema instanceof z.ZodLiteral ? [...schema.values] : schema.options);
      if ([...allowed].every((x) => typeof x === 'string')) {
        enc = (v) => (typeof v === 'string' && allowed.has(v) ? v : SLOW);
      }
    }
    if (!enc) return undefined;
    plan.push({ key, optional, enc });
  }
  return plan;
}

/**
 * A field-by-field encoder compiled from the shape, when every field has a fast encoder (fields.ts) or is
 * a literal or enum of strings; undefined otherwise. It returns undefined for any value it cannot encode
 * exactly as zod would, so the caller falls back to zod.
 */
function compileFastEncoder(
  shape: z.ZodRawShape,
): ((value: Record<string, unknown>) => WireFields | undefined) | undefined {
  const plan = fastPlan(shape);
  if (!plan) return undefined;
  const known = new Set(plan.map((f) => f.key));
  return (value) => {
    const fields: WireFields = {};
    for (const f of plan) {
      const v = value[f.key];
      if (v === undefined) {
        if (f.optional) continue;
        return undefined;
      }
      const s = f.enc(v);
      if (s === SLOW) return undefined;
      fields[f.key] = s;
    }
    // Unknown fields pass through as zod's loose object keeps them (after the known ones, in input order).
    for (const k in value) {
      if (known.has(k)) continue;
      const v = value[k];
      if (v === undefined) continue;
      fields[k] = typeof v === 'string' ? v : JSON.stringify(v);
    }
    return fields;
  };
}

/**
 * The encoded entry straight from the value (no spread copy, no fields object), when every field has a fast
 * encoder, the shape has a `v` field and the value has no unknown field; undefined otherwise (the caller then
 * takes encode's fields). Same plan, same order and same SLOW rules as compileFastEncoder. `named`: the
 * `[field, value, …]` list of XADD (absent optional fields left out); otherwise the values alone in shape order,
 * null for an absent optional field.
 */
function compileFastList(
  shape: z.ZodRawShape,
  named: boolean,
): ((value: Record<string, unknown>, version: number) => (string | null)[] | undefined) | undefined {
  const plan = 'v' in shape ? fastPlan(shape) : undefined;
  if (!plan) return undefined;
  const known = new Set(plan.map((f) => f.key));
  return (value, version) => {
    const out: (string | null)[] = [];
    for (const f of plan) {
      const v = f.key === 'v' ? (value.v ?? version) : value[f.key];
      if (v === undefined) {
        if (!f.optional) return undefined;
        if (!named) out.push(null);
        continue;
      }
      const s = f.enc(v);
      if (s === SLOW) return undefined;
      if (named) out.push(f.key, s);
      else out.push(s);
    }
    for (const k in value) if (!known.has(k) && value[k] !== undefined) return undefined;
    return out;
  };
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
  const fastEncode = compileFastEncoder(shape);
  const fastArgs = compileFastList(shape, true);
  const fastValues = compileFastList(shape, false);
  const fieldNames: readonly string[] = Object.freeze(Object.keys(shape));
  const encodeStrict = (value: Omit<T, 'v'> & { v?: number }): WireFields => {
    const withVersion = { ...value, v: value.v ?? version } as unknown as T;
    const out = schema.encode(withVersion as never) as Record<string, unknown>;
    const fields: WireFields = {};
    for (const [k, val] of Object.entries(out)) {
      if (val === undefined) continue;
      fields[k] = typeof val === 'string' ? val : JSON.stringify(val);
    }
    return fields;
  };
  const encode = (value: Omit<T, 'v'> & { v?: number }): WireFields => {
    if (fastEncode && value !== null && typeof value === 'object') {
      const fields = fastEncode({ ...value, v: value.v ?? version } as Record<string, unknown>);
      if (fields) return fields;
    }
    return encodeStrict(value);
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
    encodeStrict,
    toArgs(value) {
      if (fastArgs && value !== null && typeof value === 'object') {
        // Named lists hold no null: an absent optional field is left out.
        const args = fastArgs(value as Record<string, unknown>, version) as string[] | undefined;
        if (args) return args;
      }
      const f = encode(value);
      const args: string[] = [];
      for (const k in f) args.push(k, f[k] as string);
      return args;
    },
    fields: fieldNames,
    toValues(value) {
      if (fastValues && value !== null && typeof value === 'object') {
        const values = fastValues(value as Record<string, unknown>, version);
        if (values) return values;
      }
      const f = encode(value);
      for (const k in f) {
        if (!fieldNames.includes(k)) throw new DecodeError(name, [`${k}: not a field of the contract`]);
      }
      return fieldNames.map((k) => f[k] ?? null);
    },
  };
}
