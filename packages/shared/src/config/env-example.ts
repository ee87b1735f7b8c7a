// Renders .env.example from the config schema, so the two never drift.

import { ENV_SPECS, type EnvVarSpec } from './schema.js';

export function renderEnvExample(): string {
  const lines = [
    '# polybot configuration. Generated from packages/shared/src/config/schema.ts by `npm run env:example`.',
    '# Every line shows the default; uncomment a line to change it. Secrets have no default and are never logged.',
    '',
  ];
  for (const spec of ENV_SPECS as readonly EnvVarSpec[]) {
    lines.push(`# ${spec.doc}`);
    // Commented out: a copy of this file changes nothing until a line is uncommented.
    lines.push(`# ${spec.name}=${spec.secret ? '' : (spec.default ?? '')}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** The README's configuration table (between the config-table markers), from the same schema. */
export function renderConfigTable(): string {
  const rows = ['| variable | default | meaning |', '|---|---|---|'];
  for (const spec of ENV_SPECS as readonly EnvVarSpec[]) {
    const def = spec.secret ? '(secret)' : spec.default === undefined ? '(unset)' : `\`${spec.default}\``;
    rows.push(`| \`${spec.name}\` | ${def} | ${spec.doc.replaceAll('|', '\\|')} |`);
  }
  return rows.join('\n');
}

export const CONFIG_TABLE_BEGIN = '<!-- config-table:begin (npm run env:example) -->';
export const CONFIG_TABLE_END = '<!-- config-table:end -->';

/** Replaces the table between the markers in a README text. */
export function withConfigTable(readme: string): string {
  const start = readme.indexOf(CONFIG_TABLE_BEGIN);
  const end = readme.indexOf(CONFIG_TABLE_END);
  if (start < 0 || end < start) throw new Error('README has no config-table markers');
  return `${readme.slice(0, start + CONFIG_TABLE_BEGIN.length)}\n${renderConfigTable()}\n${readme.slice(end)}`;
}
