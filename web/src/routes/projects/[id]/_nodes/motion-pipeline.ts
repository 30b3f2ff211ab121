import type { PipelineChoice } from '$lib/engine-features.svelte';

/** The pipeline a Motion Source's Extract motion will run, and what the node says of it. */
export interface MotionPipeline {
  id: string | null;
  title: string;
  /** From a wired Pipeline node, from the quality table, or none installed. */
  source: 'wired' | 'table' | 'none';
  /** A GPU pipeline written without a GPU that has not completed a job on this studio. */
  unverified: boolean;
  /** Why no live worker can run it now, or null. */
  problem: string | null;
}

const TASK = 'extract-motion';

/**
 * The quality table's pick among installed motion pipelines, as the engine's tableChoice
 * (engine/src/jobs/dispatch.ts) makes it: a GPU one a live worker can run that is verified or has
 * run here, else a CPU one, those a live worker can start first, verified first.
 */
function tablePick(choices: PipelineChoice[]): PipelineChoice | null {
  const serving = choices.filter((c) => c.taskType === TASK);
  const gpu = serving.filter((c) => c.vram !== 'CPU' && c.problem === null && (!c.unverified || c.observed !== null));
  const rank = (c: PipelineChoice) => (c.problem === null ? 0 : 2) + (c.unverified ? 1 : 0);
  const cpu = serving.filter((c) => c.vram === 'CPU').sort((a, b) => rank(a) - rank(b));
  return gpu[0] ?? cpu[0] ?? null;
}

/** What Extract motion runs: the wired Pipeline node's choice (`wiredId`, null when none is wired or it names none), else the table's. */
export function motionPipeline(choices: PipelineChoice[], wiredId: string | null): MotionPipeline {
  const describe = (choice: PipelineChoice, source: 'wired' | 'table'): MotionPipeline => ({
    id: choice.id,
    title: choice.title,
    source,
    unverified: choice.unverified && choice.observed === null,
    problem: choice.taskType === TASK ? choice.problem : `It does ${choice.taskType}, not motion extraction: choose a motion pipeline`,
  });
  if (wiredId) {
    const wired = choices.find((c) => c.id === wiredId);
    return wired ? describe(wired, 'wired') : { id: wiredId, title: wiredId, source: 'wired', unverified: false, problem: 'Not installed on this engine' };
  }
  const picked = tablePick(choices);
  if (picked) return describe(picked, 'table');
  // No list yet (still loading) reads as a wait, not as nothing installed.
  return { id: null, title: choices.length ? 'No motion pipeline installed' : '…', source: 'none', unverified: false, problem: null };
}
