// Display helpers: micro-units to fixed text (integer arithmetic), ages, escaping.

const MICRO = 1_000_000;

/** Micro-units as a decimal with `dp` places (truncated), without float arithmetic on the value. */
export function micro(units: number, dp = 4): string {
  const neg = units < 0;
  const abs = Math.abs(Math.trunc(units));
  const whole = Math.floor(abs / MICRO);
  const frac = String(abs % MICRO)
    .padStart(6, '0')
    .slice(0, dp);
  return `${neg ? '-' : ''}${whole}${dp > 0 ? `.${frac}` : ''}`;
}

export function ms(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : `${v.toFixed(1)} ms`;
}

export function age(msAgo: number): string {
  if (msAgo < 1000) return `${Math.max(0, Math.round(msAgo))} ms`;
  if (msAgo < 120_000) return `${(msAgo / 1000).toFixed(1)} s`;
  return `${Math.round(msAgo / 60_000)} min`;
}

export function shortId(id: string): string {
  return id.length > 14 ? `${id.slice(0, 8)}…${id.slice(-4)}` : id;
}

export function clock(t: number): string {
  return new Date(t).toISOString().slice(11, 23);
}

/** A table cell; text only (never innerHTML with data). */
export function cell(text: string, cls?: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

export function row(cells: HTMLTableCellElement[], attrs: Record<string, string> = {}): HTMLTableRowElement {
  const tr = document.createElement('tr');
  for (const [k, v] of Object.entries(attrs)) tr.setAttribute(k, v);
  tr.append(...cells);
  return tr;
}

export function $(sel: string): HTMLElement {
  const el = document.querySelector<HTMLElement>(sel);
  if (!el) throw new Error(`missing element ${sel}`);
  return el;
}

export function setRows(tbodySel: string, rows: HTMLTableRowElement[]): void {
  $(tbodySel).replaceChildren(...rows);
}

export function setSummary(sel: string, pairs: [string, string][]): void {
  const dl = $(sel);
  const nodes: HTMLElement[] = [];
  for (const [k, v] of pairs) {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    dd.dataset.key = k;
    nodes.push(dt, dd);
  }
  dl.replaceChildren(...nodes);
}
