import { AssetList, type AssetView } from '@studio/node-schemas';

export type { AssetView };

/** The drag payload of an asset dragged from the canvas library panel: its id. */
export const ASSET_DRAG_TYPE = 'application/x-studio-asset';

/**
 * The workspace Library's Generative Assets as the canvas shows them (the panel, every Asset node):
 * read once and shared, read again on refresh(), e.g. when the panel opens or the window regains focus.
 */
class CanvasAssetLibrary {
  assets = $state<AssetView[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);
  #pending: Promise<void> | null = null;

  /** Reads the list unless it is being read. */
  refresh(): Promise<void> {
    this.#pending ??= fetch('/api/v1/assets', { credentials: 'same-origin' })
      .then(async (res) => {
        if (!res.ok) throw new Error(res.status === 503 ? 'This engine runs no asset library' : `The library did not answer (HTTP ${res.status})`);
        this.assets = AssetList.parse(await res.json()).assets;
        this.error = null;
      })
      .catch((error: unknown) => {
        this.error = error instanceof Error ? error.message : String(error);
      })
      .finally(() => {
        this.loaded = true;
        this.#pending = null;
      });
    return this.#pending;
  }

  /** Reads the list the first time something asks for it. */
  ensure(): void {
    if (!this.loaded && !this.#pending) void this.refresh();
  }

  byId(id: string | null | undefined): AssetView | null {
    return (id && this.assets.find((a) => a.id === id)) || null;
  }
}

export const assetLibrary = new CanvasAssetLibrary();

/** The Asset node data that links a node to a library asset: its name, trigger word, cover, and the cover as the image it feeds. */
export function assetNodeData(asset: AssetView): Record<string, unknown> {
  const cover = asset.images.find((i) => i.id === asset.cover) ?? asset.images[0] ?? null;
  return {
    assetId: asset.id,
    name: asset.name,
    kind: asset.kind,
    triggerWord: asset.trigger_word,
    cover: asset.cover_url,
    image: cover?.file ?? null,
    activeVersion: null,
  };
}
