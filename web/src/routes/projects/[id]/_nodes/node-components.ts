import type { NodeTypes } from '@xyflow/svelte';
import type { NodeTypeId } from '@studio/node-schemas';
import ShotNode from './ShotNode.svelte';
import AssetNode from './AssetNode.svelte';
import PipelineNode from './PipelineNode.svelte';
import SceneGroupNode from './SceneGroupNode.svelte';
import MotionSourceNode from './MotionSourceNode.svelte';
import AudioNode from './AudioNode.svelte';
import SuperResolutionNode from './SuperResolutionNode.svelte';
import VideoRestorationNode from './VideoRestorationNode.svelte';
import VSEAssemblerNode from './VSEAssemblerNode.svelte';
import BlockNode from './BlockNode.svelte';

export { NODE_ACCENTS } from './node-accents';

/** The `nodeTypes` map for <SvelteFlow>: one component per node type (docs/canvas.md#node-types). */
export const nodeComponents = {
  shot: ShotNode,
  asset: AssetNode,
  pipeline: PipelineNode,
  sceneGroup: SceneGroupNode,
  motionSource: MotionSourceNode,
  audio: AudioNode,
  superResolution: SuperResolutionNode,
  videoRestoration: VideoRestorationNode,
  vseAssembler: VSEAssemblerNode,
} satisfies Record<NodeTypeId, NodeTypes[string]>;

/**
 * The map very far out (block detail): every node is a coloured block (BlockNode), none of its
 * type's component runs. Scene groups keep theirs: they are few, and they frame their shots.
 */
export const blockNodeComponents = {
  shot: BlockNode,
  asset: BlockNode,
  pipeline: BlockNode,
  sceneGroup: SceneGroupNode,
  motionSource: BlockNode,
  audio: BlockNode,
  superResolution: BlockNode,
  videoRestoration: BlockNode,
  vseAssembler: BlockNode,
} satisfies Record<NodeTypeId, NodeTypes[string]>;
