import { LedgerAnswer } from '@studio/node-schemas';
import { call } from '$lib/api';

/** GET /api/v1/projects/:id/ledger, read with its contract schema. */
export function fetchLedger(projectId: string): Promise<LedgerAnswer> {
  return call(LedgerAnswer, 'GET', `/api/v1/projects/${encodeURIComponent(projectId)}/ledger`);
}
