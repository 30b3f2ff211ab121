import type { LedgerEntry, LedgerTotals, SceneSpend, UserSpend } from '@studio/node-schemas';
import { roundCredits } from './rates-table.ts';

const sceneNumber = (scene: string) => Number(scene.replace(/\D/g, '')) || 0;
const userKey = (e: LedgerEntry) => `${e.user.kind}:${e.user.tenant}:${e.user.id}`;

/**
 * The ledger's totals: spent and left against the project budget, GPU-seconds per VRAM tier and
 * CPU-seconds, and the spend per scene (with each scene's budget), per user and per UTC day.
 */
export function ledgerTotals(entries: readonly LedgerEntry[], budget: number | null, sceneBudgets: Record<string, number | null>): LedgerTotals {
  const spent = roundCredits(entries.reduce((sum, e) => sum + e.credits, 0));
  const gpu: Record<string, number> = {};
  let cpu = 0;
  const scenes = new Map<string | null, number>();
  const users = new Map<string, UserSpend>();
  const days = new Map<string, number>();
  for (const e of entries) {
    if (e.tier !== null) gpu[String(e.tier)] = (gpu[String(e.tier)] ?? 0) + e.gpu_seconds;
    cpu += e.cpu_seconds;
    scenes.set(e.scene, (scenes.get(e.scene) ?? 0) + e.credits);
    const user = users.get(userKey(e)) ?? { user: e.user, credits: 0 };
    user.credits += e.credits;
    users.set(userKey(e), user);
    const day = e.finished_at.slice(0, 10);
    days.set(day, (days.get(day) ?? 0) + e.credits);
  }
  for (const [scene, limit] of Object.entries(sceneBudgets)) if (limit !== null && !scenes.has(scene)) scenes.set(scene, 0);
  const by_scene: SceneSpend[] = [...scenes]
    .map(([scene, credits]) => {
      const limit = scene === null ? null : (sceneBudgets[scene] ?? null);
      return { scene, credits: roundCredits(credits), budget: limit, left: limit === null ? null : roundCredits(limit - credits) };
    })
    .sort((a, b) => (a.scene === null ? 1 : b.scene === null ? -1 : sceneNumber(a.scene) - sceneNumber(b.scene) || a.scene.localeCompare(b.scene)));
  return {
    spent,
    budget,
    left: budget === null ? null : roundCredits(budget - spent),
    gpu_seconds_by_tier: Object.fromEntries(Object.entries(gpu).map(([tier, s]) => [tier, Math.round(s * 1000) / 1000])),
    cpu_seconds: Math.round(cpu * 1000) / 1000,
    by_scene,
    by_user: [...users.values()].map((u) => ({ ...u, credits: roundCredits(u.credits) })).sort((a, b) => b.credits - a.credits),
    by_day: [...days].sort(([a], [b]) => a.localeCompare(b)).map(([day, credits]) => ({ day, credits: roundCredits(credits) })),
  };
}
