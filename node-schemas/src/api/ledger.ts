import { z } from 'zod';
import { Actor } from '../actor.ts';
import { defineFormat, migrate } from '../migrate/migrate.ts';
import { Quality } from '../project.ts';
import { SubmittedGeneration } from './tasks.ts';

/*
 * The cost ledger and budgets (docs/governance.md#costs): a rate table prices what each job used,
 * an append-only ledger per project records it, budgets refuse a job before it is queued.
 */

const Credits = z.number().nonnegative().max(1e12);
/** A VRAM tier in GB, as a key of the rate table ("24"). */
const TierKey = z.string().regex(/^[1-9]\d{0,3}$/, 'a VRAM tier is a whole number of GB, e.g. "24"');

/** Credits per second of use: per GPU-second for each VRAM tier a job can be placed on, and per CPU-second. */
export const RateTable = z
  .object({
    /** VRAM tier (GB) -> credits per GPU-second. A tier not listed is priced at the next larger one listed (the largest when none is). */
    gpu_second: z.record(TierKey, Credits).refine((rates) => Object.keys(rates).length > 0, 'list at least one GPU tier'),
    cpu_second: Credits,
  })
  .strict();
export type RateTable = z.infer<typeof RateTable>;

/** The STUDIO_RATES file: any part of the table, laid over the built-in one. 1: the first. */
export const RATES_FILE_FORMAT = 1;
export const RatesFile = z
  .object({
    format: z.literal(RATES_FILE_FORMAT),
    gpu_second: z.record(TierKey, Credits).optional(),
    cpu_second: Credits.optional(),
  })
  .strict();
export type RatesFile = z.infer<typeof RatesFile>;

export const LedgerOutcome = z.enum(['succeeded', 'failed', 'cancelled']);
export type LedgerOutcome = z.infer<typeof LedgerOutcome>;

/** One line of `04_Project_Files/Ledger/ledger.jsonl`: one task's use, priced when it ended. Never rewritten. 1: the first. */
export const LEDGER_ENTRY_FORMAT = 1;
export const ledgerEntryFormat = defineFormat({ kind: 'ledger line', current: LEDGER_ENTRY_FORMAT, steps: [(doc) => doc] });
export const migrateLedgerEntry = (raw: unknown) => migrate(ledgerEntryFormat, raw).doc;

export const LedgerEntry = z
  .object({
    format: z.literal(LEDGER_ENTRY_FORMAT),
    task_id: z.string().min(1).max(200),
    /** The job kind: generation, render. */
    kind: z.string().min(1).max(40),
    node_id: z.string().max(200),
    /** The scene the node belongs to, or null (an audio node of no shot, a render of the whole cut). */
    scene: z.string().max(40).nullable(),
    /** Who asked for the job. */
    user: Actor,
    pipeline: z.string().max(200),
    quality: Quality.nullable(),
    outcome: LedgerOutcome,
    /** The VRAM tier (GB) the job was placed on; null for a CPU job. */
    tier: z.int().positive().nullable(),
    gpu_seconds: z.number().nonnegative(),
    cpu_seconds: z.number().nonnegative(),
    /** Credits per second it was priced at (the rate table of the time). */
    rate: Credits,
    credits: Credits,
    started_at: z.string().nullable(),
    finished_at: z.string(),
  })
  .strict();
export type LedgerEntry = z.infer<typeof LedgerEntry>;

export const SceneSpend = z.object({ scene: z.string().nullable(), credits: Credits, budget: Credits.nullable(), left: z.number().nullable() }).strict();
export type SceneSpend = z.infer<typeof SceneSpend>;
export const UserSpend = z.object({ user: Actor, credits: Credits }).strict();
export type UserSpend = z.infer<typeof UserSpend>;
/** A UTC day, YYYY-MM-DD. */
export const DaySpend = z.object({ day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), credits: Credits }).strict();
export type DaySpend = z.infer<typeof DaySpend>;

export const LedgerTotals = z
  .object({
    spent: Credits,
    /** The project budget, or null when it has none. */
    budget: Credits.nullable(),
    /** budget - spent (negative once over), or null without a budget. */
    left: z.number().nullable(),
    gpu_seconds_by_tier: z.record(TierKey, z.number().nonnegative()),
    cpu_seconds: z.number().nonnegative(),
    /** Every scene with spend or a budget, by name; the spend of no scene last (scene null). */
    by_scene: z.array(SceneSpend),
    by_user: z.array(UserSpend),
    /** Days with spend, oldest first. */
    by_day: z.array(DaySpend),
  })
  .strict();
export type LedgerTotals = z.infer<typeof LedgerTotals>;

/** GET /api/v1/projects/:id/ledger: every entry, oldest first, the totals and the rates in force. */
export const LedgerAnswer = z.object({ entries: z.array(LedgerEntry), totals: LedgerTotals, rates: RateTable }).strict();
export type LedgerAnswer = z.infer<typeof LedgerAnswer>;

/** The data of a BUDGET_EXCEEDED refusal (402). */
export const BudgetRefusal = z
  .object({
    scope: z.enum(['project', 'scene']),
    scene: z.string().optional(),
    budget: Credits,
    spent: Credits,
    estimate: Credits,
    /** budget - spent, never below 0. */
    left: Credits,
  })
  .strict();
export type BudgetRefusal = z.infer<typeof BudgetRefusal>;

/** 202 of POST /api/v1/tasks/generate_shot when an earlier take had the same inputs and parameters: it is active again, nothing ran. */
export const ReusedGeneration = SubmittedGeneration.extend({ reused: z.literal(true), take: z.string() });
export type ReusedGeneration = z.infer<typeof ReusedGeneration>;
