import type { NodeTypeId } from '@studio/node-schemas';
import { ASSET_DRAG_TYPE, assetLibrary, assetNodeData } from '$lib/asset-library.svelte';
import type { ImportedMedia } from '$lib/media-upload';
import { mediaUploads } from '$lib/media-uploads.svelte';

type Point = { x: number; y: number };

/** The node a file of each kind becomes when it is dropped on the canvas, and its data. */
export function nodeForMedia(media: ImportedMedia, fileName: string): { type: NodeTypeId; data: Record<string, unknown> } {
  const stem = fileName.replace(/\.[^.]*$/, '').slice(0, 80) || 'media';
  if (media.kind === 'image') return { type: 'asset', data: { kind: 'image', name: stem, preview: media.path } };
  if (media.kind === 'video') return { type: 'motionSource', data: { label: stem, source: media.path } };
  return { type: 'audio', data: { label: stem, source: media.path } };
}

/**
 * Drops on the canvas: files are uploaded into the project and become the node their kind takes
 * (an image an Asset node, a video a Motion Source, audio an Audio node) where they were dropped;
 * an asset dragged from the library panel becomes an Asset node linked to it. While a file uploads,
 * a card with its progress stands where the node will be; a refusal shows the engine's message there.
 */
export function canvasDrops({
  projectId,
  toFlow,
  addNode,
}: {
  projectId: () => string;
  /** Screen (client) coordinates to flow coordinates. */
  toFlow: (screen: Point) => Point;
  addNode: (type: NodeTypeId, position: Point, data: Record<string, unknown>) => string | null;
}) {
  const carries = (event: DragEvent) => {
    const types = event.dataTransfer?.types ?? [];
    return types.includes('Files') || types.includes(ASSET_DRAG_TYPE);
  };

  /** Uploads files and places their nodes from a point in flow coordinates, one below the other. */
  async function importFiles(files: readonly File[], at: Point): Promise<void> {
    await Promise.all(
      files.map(async (file, i) => {
        const spot = { x: at.x + i * 24, y: at.y + i * 24 };
        const key = mediaUploads.dropKey(projectId());
        const media = await mediaUploads.upload(projectId(), key, file, spot);
        if (!media) return;
        const { type, data } = nodeForMedia(media, file.name);
        addNode(type, spot, data);
      }),
    );
  }

  return {
    importFiles,
    over(event: DragEvent) {
      if (!carries(event)) return;
      event.preventDefault();
      event.dataTransfer!.dropEffect = event.dataTransfer!.types.includes('Files') ? 'copy' : 'move';
    },
    drop(event: DragEvent) {
      if (!carries(event)) return;
      event.preventDefault();
      const at = toFlow({ x: event.clientX, y: event.clientY });
      const assetId = event.dataTransfer?.getData(ASSET_DRAG_TYPE);
      if (assetId) {
        const asset = assetLibrary.byId(assetId);
        if (asset) addNode('asset', { x: at.x - 140, y: at.y - 60 }, assetNodeData(asset));
        return;
      }
      const files = [...(event.dataTransfer?.files ?? [])];
      if (files.length) void importFiles(files, { x: at.x - 140, y: at.y - 60 });
    },
  };
}
