import type { LineageKind } from '@studio/node-schemas';
import { parseProjectAssetImage, PROJECT_MODELS_DIR } from '../asset-paths.ts';
import { isTakePath } from './take-path.ts';

/** Where a file a take was made from lives tells what it is. */
export function inputKind(path: string): LineageKind {
  if (isTakePath(path)) return 'take';
  if (path.startsWith(`${PROJECT_MODELS_DIR}/`) && path.endsWith('.safetensors')) return 'lora';
  if (parseProjectAssetImage(path)) return 'asset_image';
  if (path.startsWith('01_Assets/Source_Media/')) return 'media';
  return 'file';
}
