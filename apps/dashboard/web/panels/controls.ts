// Controls: halt and resume, each confirmed in a dialog, sent as a POST with the token the operator typed
// (kept in this tab's sessionStorage only; the server never sends it).

import { $ } from '../format';
import type { PageState } from '../state';

function confirmAction(text: string): Promise<boolean> {
  const dialog = $('#confirm') as HTMLDialogElement;
  $('#confirm-text').textContent = text;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'yes'), { once: true });
    dialog.returnValue = '';
    dialog.showModal();
  });
}

async function post(action: 'halt' | 'resume', tokenInput: HTMLInputElement): Promise<string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const token = tokenInput.value.trim();
  if (token !== '') {
    headers['x-dashboard-token'] = token;
    sessionStorage.setItem('polybot-dashboard-token', token);
  }
  const res = await fetch(`/api/${action}`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ confirm: true, reason: `${action} from the dashboard` }),
  });
  const body = (await res.json().catch(() => ({}))) as { error?: string };
  return res.ok ? `${action === 'halt' ? 'halted' : 'resumed'}` : `refused: ${body.error ?? res.status}`;
}

export function setupControls(s: PageState): void {
  const tokenInput = $('#token') as HTMLInputElement;
  tokenInput.value = sessionStorage.getItem('polybot-dashboard-token') ?? '';
  const result = $('#control-result');
  for (const action of ['halt', 'resume'] as const) {
    $(`#${action}-btn`).addEventListener('click', async () => {
      const ok = await confirmAction(
        action === 'halt'
          ? `Halt trading in namespace ${s.ns}? The risk gate will block every new intent; queued orders still complete.`
          : `Resume trading in namespace ${s.ns}?`,
      );
      if (!ok) {
        result.textContent = 'cancelled';
        return;
      }
      result.textContent = '…';
      try {
        result.textContent = await post(action, tokenInput);
      } catch (err) {
        result.textContent = `failed: ${(err as Error).message}`;
      }
    });
  }
}

export function renderControls(s: PageState): void {
  ($('#token-row') as HTMLLabelElement).hidden = !s.tokenRequired;
  ($('#halt-btn') as HTMLButtonElement).disabled = !s.controls;
  ($('#resume-btn') as HTMLButtonElement).disabled = !s.controls;
  $('#controls-note').textContent = s.controls
    ? 'Halting blocks new intents at the risk gate for every strategy worker.'
    : 'Read-only: controls are disabled (DASHBOARD_CONTROLS=false).';
  const badge = $('#halt-state');
  const halted = s.status?.halted ?? false;
  badge.textContent =
    s.status === null ? '…' : halted ? `HALTED${s.status.haltReason ? ` (${s.status.haltReason})` : ''}` : 'trading';
  badge.className = `badge ${halted ? 'halted' : 'trading'}`;
}
