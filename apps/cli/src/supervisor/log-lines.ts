// Formats child output for `polybot up`: pretty, prefixed lines (pino-pretty), or JSON lines with --json.
// Every line is scrubbed of secrets first, whatever the child printed.

import { scrubString } from '@polybot/shared';
import { prettyFactory } from 'pino-pretty';

export interface LineFormatOptions {
  json: boolean;
  color: boolean;
  /** Width of the name column. */
  width?: number;
}

export function createLineFormatter(opts: LineFormatOptions): (name: string, line: string) => string {
  const pretty = prettyFactory({
    colorize: opts.color,
    ignore: 'pid,hostname,app',
    translateTime: 'HH:MM:ss.l',
    singleLine: true,
  });
  const width = opts.width ?? 12;
  return (name, raw) => {
    const line = scrubString(raw);
    const isJson = line.startsWith('{') && line.endsWith('}');
    if (opts.json) return isJson ? line : JSON.stringify({ app: name, msg: line });
    const prefix = `${name.padEnd(width)} │ `;
    if (isJson) {
      try {
        return prefix + pretty(line).trimEnd();
      } catch {
        // not JSON after all: print as it is
      }
    }
    return prefix + line;
  };
}
