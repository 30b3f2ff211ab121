import type { BudgetRefusal } from '@studio/node-schemas';
import { StudioError } from '../errors.ts';

const credits = (n: number) => (Math.round(n * 100) / 100).toLocaleString('en-US', { maximumFractionDigits: 2 });

/** A job that would take the project or its scene over budget: refused before it is queued (402), saying what is left. */
export class BudgetExceededError extends StudioError {
  override readonly code = 'BUDGET_EXCEEDED';
  override readonly status = 402;
  constructor(refusal: BudgetRefusal) {
    const where = refusal.scope === 'scene' ? `the budget of ${refusal.scene}` : 'the project budget';
    super(
      `Over ${where}: this job would cost about ${credits(refusal.estimate)} credits and ${credits(refusal.left)} of ${credits(refusal.budget)} are left (${credits(refusal.spent)} spent or queued).`,
      { ...refusal },
    );
  }
}
