// Every test fails if it prints with console.*: output goes through the logger, or nowhere.
import { afterEach, beforeEach } from 'vitest';

const methods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
type Method = (typeof methods)[number];
const originals = new Map<Method, (...args: unknown[]) => void>();
let printed: string[] = [];

beforeEach(() => {
  printed = [];
  for (const m of methods) {
    originals.set(m, console[m]);
    console[m] = (...args: unknown[]) => {
      printed.push(`console.${m}: ${args.map(String).join(' ').slice(0, 200)}`);
    };
  }
});

afterEach(() => {
  for (const m of methods) {
    const original = originals.get(m);
    if (original) console[m] = original;
  }
  if (printed.length > 0) {
    const lines = printed;
    printed = [];
    throw new Error(`test printed with console.* (use the logger):\n${lines.join('\n')}`);
  }
});
