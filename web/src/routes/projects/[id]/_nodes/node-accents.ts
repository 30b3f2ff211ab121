import type { NodeTypeId } from '@studio/node-schemas';

/** One colour per node type: the frame's header accent, and the minimap's node colour. */
export const NODE_ACCENTS: Record<NodeTypeId, string> & Record<string, string> = {
  shot: '#e8a33d',
  asset: '#c678dd',
  pipeline: '#4fa3e0',
  sceneGroup: '#7f8796',
  motionSource: '#e06c9f',
  audio: '#58c27d',
  superResolution: '#3fbfb0',
  videoRestoration: '#8f9be8',
  vseAssembler: '#e5534b',
};

export const FALLBACK_ACCENT = '#9096a3';
