import { LedgerAnswer } from '@studio/node-schemas';

/** GET /api/v1/projects/:id/ledger, read with its contract schema. */
export async function fetchLedger(projectId: string): Promise<LedgerAnswer> {
  const res = await fetch(`/api/v1/projects/${encodeURIComponent(projectId)}/ledger`, { credentials: 'same-origin' });
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) throw new Error((body as { error?: string } | null)?.error ?? res.statusText);
  return LedgerAnswer.parse(body);
}
