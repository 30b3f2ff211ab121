import { describe, expect, it } from 'vitest';
import { ReviewAction, SceneStatus } from '@studio/node-schemas';
import { allowedActions, nextStatus } from './scene-status-machine.ts';

describe('the review status machine', () => {
  it('allows exactly the documented transitions and nothing else', () => {
    const allowed = new Map<string, string>([
      ['draft submit', 'in_review'],
      ['in_review approve', 'approved'],
      ['in_review request_revision', 'revision_requested'],
      ['revision_requested submit', 'in_review'],
      ['approved reopen', 'draft'],
    ]);
    for (const status of SceneStatus.options)
      for (const action of ReviewAction.options) expect(nextStatus(status, action), `${status} ${action}`).toBe(allowed.get(`${status} ${action}`) ?? null);
    expect(allowedActions('in_review')).toEqual(['approve', 'request_revision']);
    expect(allowedActions('approved')).toEqual(['reopen']);
  });
});
