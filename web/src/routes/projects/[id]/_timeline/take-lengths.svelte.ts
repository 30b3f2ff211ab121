import { SvelteMap } from 'svelte/reactivity';
import type { TakeMedia } from '@studio/node-schemas';
import { mediaKindOf } from '../_nodes/media';

/** How many takes are probed at once: a cut of hundreds of shots must not open hundreds of videos. */
const AT_ONCE = 4;

/**
 * The real length of each take, read by the browser from the file's header (a video's metadata;
 * a still holds any length, as the engine's probe says too). Reactive: a read of a take not yet
 * probed starts its probe and answers undefined until it is known.
 */
export class TakeLengths {
  #known = new SvelteMap<string, TakeMedia>();
  #queue: string[] = [];
  // Bookkeeping of probes started, never rendered: reads must not subscribe to it.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  #asked = new Set<string>();
  #running = 0;
  #url: (path: string) => string;

  constructor(url: (path: string) => string) {
    this.#url = url;
  }

  /** The take as probed, or undefined while it is not known (yet, or it could not be read). */
  of(path: string): TakeMedia | undefined {
    const known = this.#known.get(path);
    if (known) return known;
    if (mediaKindOf(path) !== 'video') return { seconds: null, rate: null };
    if (!this.#asked.has(path)) {
      this.#asked.add(path);
      this.#queue.push(path);
      queueMicrotask(() => this.#next());
    }
    return undefined;
  }

  /** What is known, by path, for sequenceShots. */
  media(paths: Iterable<string>): Record<string, TakeMedia> {
    const out: Record<string, TakeMedia> = {};
    for (const path of paths) {
      const media = this.of(path);
      if (media) out[path] = media;
    }
    return out;
  }

  #next(): void {
    while (this.#running < AT_ONCE && this.#queue.length) {
      const path = this.#queue.shift()!;
      this.#running++;
      void probeVideo(this.#url(path)).then((seconds) => {
        this.#running--;
        if (seconds !== null) this.#known.set(path, { seconds, rate: null });
        this.#next();
      });
    }
  }
}

/** A video's duration in seconds from its metadata, or null when the browser cannot read it. */
function probeVideo(url: string): Promise<number | null> {
  return new Promise((resolve) => {
    const video = document.createElement('video');
    const done = (seconds: number | null) => {
      video.removeAttribute('src');
      video.load();
      resolve(seconds);
    };
    video.preload = 'metadata';
    video.muted = true;
    video.onloadedmetadata = () => done(Number.isFinite(video.duration) ? video.duration : null);
    video.onerror = () => done(null);
    video.src = url;
  });
}

// A registry of probers, never rendered.
// eslint-disable-next-line svelte/prefer-svelte-reactivity
const perProject = new Map<string, TakeLengths>();

/** One prober per project, shared by its assemblers and the timeline: a take is probed once. */
export function takeLengthsOf(projectId: string, url: (path: string) => string): TakeLengths {
  let lengths = perProject.get(projectId);
  if (!lengths) perProject.set(projectId, (lengths = new TakeLengths(url)));
  return lengths;
}
