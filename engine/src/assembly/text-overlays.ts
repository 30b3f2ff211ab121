import type { TextOverlay } from '@studio/node-schemas';
import { asciiSafe } from './edl/ascii-safe.ts';

export type { TextOverlay };

/** EDL comment keys for a shot's text: NLEs keep `*` comments with the event, as notes. */
export const OVERLAY_KEYS = { title: 'TITLE CARD', 'lower-third': 'LOWER THIRD' } as const;

/** One `* TITLE CARD: ...` / `* LOWER THIRD: ...` comment per overlay, ASCII for 7-bit readers. */
export function overlayComments(args: { overlays: readonly TextOverlay[] }): string[] {
  return args.overlays.map((overlay) => `${OVERLAY_KEYS[overlay.kind]}: ${asciiSafe(overlay.text).replace(/\s+/g, ' ').trim()}`);
}

/** The overlays an event's comments carry (the renderers read them back from the list). */
export function readOverlayComments(args: { comments: readonly string[] }): TextOverlay[] {
  const overlays: TextOverlay[] = [];
  for (const comment of args.comments) {
    for (const [kind, key] of Object.entries(OVERLAY_KEYS) as Array<[TextOverlay['kind'], string]>) {
      if (comment.toUpperCase().startsWith(`${key}:`)) overlays.push({ kind, text: comment.slice(key.length + 1).trim() });
    }
  }
  return overlays;
}
