import { SceneName, type Graph, type GraphNode, type TakeSubject } from '@studio/node-schemas';

/**
 * The scene a job is charged to (and whose budget it answers to): a shot's scene, the Scene Group
 * the node sits in, or the scene of the shot its takes belong to (a post-processing or dialogue node
 * of a shot). Null when it belongs to none.
 */
export function sceneOfGenerationNode(graph: Graph, node: GraphNode, subject: TakeSubject): string | null {
  if (node.type === 'shot' && typeof node.data.scene === 'string') return node.data.scene;
  const parent = node.parentId ? graph.nodes.find((n) => n.id === node.parentId) : undefined;
  if (parent?.type === 'sceneGroup' && typeof parent.data.scene === 'string') return parent.data.scene;
  return sceneOfTakeFolder(subject.folder);
}

/** `03_Renders/SCENE_01/SHOT_010` -> SCENE_01; null for a folder of no scene (03_Renders/AUDIO/...). */
export function sceneOfTakeFolder(folder: string): string | null {
  const segment = folder.split('/')[1] ?? '';
  return SceneName.safeParse(segment).success ? segment : null;
}
