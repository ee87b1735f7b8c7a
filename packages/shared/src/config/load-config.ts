// Parses the environment once into a frozen Config. A bad value is one readable line naming the variable;
// the value itself is never echoed (it may be a secret).

import { ConfigError } from '../errors/polybot-error.js';
import { type Config, ENV_SPECS, type EnvVarSpec } from './schema.js';

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const out: Record<string, unknown> = {};
  for (const spec of ENV_SPECS as readonly EnvVarSpec[]) {
    const raw = env[spec.name];
    const value = raw === undefined || raw === '' ? spec.default : raw;
    if (value === undefined) {
      out[spec.name] = undefined;
      continue;
    }
    const res = spec.schema.safeParse(value);
    if (!res.success) {
      const why = res.error.issues[0]?.message ?? 'invalid value';
      throw new ConfigError(spec.name, `invalid ${spec.name}: ${why} (${spec.doc})`);
    }
    out[spec.name] = res.data;
  }
  return Object.freeze(out) as Config;
}

/** Requires a variable that has no default (e.g. POLYSIM_API_KEY for the executor). */
export function requireConfig<K extends keyof Config>(cfg: Config, name: K): NonNullable<Config[K]> {
  const v = cfg[name];
  if (v === undefined || v === null) {
    const spec = (ENV_SPECS as readonly EnvVarSpec[]).find((s) => s.name === name);
    throw new ConfigError(String(name), `missing ${String(name)}: ${spec?.doc ?? 'required'}`);
  }
  return v as NonNullable<Config[K]>;
}

/** Loads config or exits the process with one readable line: the start-up path of every app. */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`polybot: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/** `requireConfig` on the start-up path: a missing variable exits with one readable line (exit code 2). */
export function requireConfigOrExit<K extends keyof Config>(cfg: Config, name: K): NonNullable<Config[K]> {
  try {
    return requireConfig(cfg, name);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`polybot: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
