// Removes secrets from any string: API keys, WS tokens (also inside URLs), bearer tokens and JWTs.

const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/ps_(live|test)_[A-Za-z0-9]+/g, 'ps_$1_[REDACTED]'],
  [/([?&](?:token|api_key|apikey|key)=)[^&\s"'#]+/gi, '$1[REDACTED]'],
  [/(bearer\s+)[A-Za-z0-9._~+/=-]+/gi, '$1[REDACTED]'],
  [/eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+/g, '[REDACTED_JWT]'],
];

export function scrubString(s: string): string {
  let out = s;
  for (const [re, repl] of PATTERNS) out = out.replace(re, repl);
  return out;
}

/** Deep-scrubs strings in plain objects and arrays (bounded depth; other values pass through). */
export function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubString(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  if (value instanceof Error) {
    const err: Record<string, unknown> = {
      type: value.name,
      message: scrubString(value.message),
    };
    if (value.stack) err.stack = scrubString(value.stack);
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) err.code = code;
    if (value.cause !== undefined) err.cause = scrubValue(value.cause, depth + 1);
    return err;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubValue(v, depth + 1);
  return out;
}
