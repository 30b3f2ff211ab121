/**
 * Where a project keeps what it uses from the workspace Library (docs/project-layout.md): the LoRA
 * versions it used, and the asset manifests and reference images, so it stays self-contained.
 */
export const PROJECT_MODELS_DIR = '01_Assets/AI_Models';
export const PROJECT_ASSETS_DIR = '01_Assets/Generative_Assets';

/** An asset's image (asset-relative `images/<id>.<ext>`) as the project holds its copy. */
export function projectAssetImagePath(assetId: string, image: string): string {
  return `${PROJECT_ASSETS_DIR}/${assetId}/${image}`;
}

const PROJECT_ASSET_IMAGE = /^01_Assets\/Generative_Assets\/(ast-[a-z0-9]{10})\/(images\/[A-Za-z0-9_-]+\.[a-z0-9]+)$/;

/** The asset and image a project path names when it is such a copy, or null. */
export function parseProjectAssetImage(path: string): { assetId: string; image: string } | null {
  const match = PROJECT_ASSET_IMAGE.exec(path);
  return match ? { assetId: match[1]!, image: match[2]! } : null;
}
