import type { AssetManifest } from '@studio/node-schemas';

/**
 * The asset manifest a project keeps in 01_Assets/Generative_Assets/<id>/asset.json: what the
 * asset was when the project used it (its images by hash and caption, its versions).
 */
export function assetSnapshot(asset: AssetManifest): string {
  return `${JSON.stringify({ ...asset, images: asset.images.map(({ id, file, sha256, caption }) => ({ id, file, sha256, caption })) }, null, 2)}\n`;
}
