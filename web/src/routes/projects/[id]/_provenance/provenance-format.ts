import type { TakeProvenance } from '@studio/node-schemas';

/** A param's value as one line: strings as they are, the rest as JSON. */
export function paramText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function qualityText(p: TakeProvenance): string | null {
  if (!p.quality) return null;
  if (!p.fallback_from) return p.quality;
  return `${p.quality} (fell back from ${p.fallback_from.quality}${p.fallback_from.pipelineId ? ` with ${p.fallback_from.pipelineId}` : ''}: ${p.fallback_from.reason})`;
}

const time = (iso: string | undefined) => (iso ? new Date(iso).toLocaleString() : null);

export function timingsText(p: TakeProvenance): string | null {
  const t = p.timings;
  if (!t) return null;
  const parts = [
    t.requested_at ? `asked ${time(t.requested_at)}` : null,
    t.started_at ? `started ${time(t.started_at)}` : null,
    typeof t.run_ms === 'number' ? `ran ${(t.run_ms / 1000).toFixed(1)} s` : null,
  ];
  return parts.filter(Boolean).join(' · ') || null;
}

export function costText(p: TakeProvenance): string {
  if (!p.cost) return 'No ledger entry';
  const credits = p.cost.credits;
  return `${credits.toLocaleString(undefined, { maximumFractionDigits: 4 })} credit${credits === 1 ? '' : 's'}${p.cost.entries > 1 ? ` (${p.cost.entries} entries)` : ''}`;
}
