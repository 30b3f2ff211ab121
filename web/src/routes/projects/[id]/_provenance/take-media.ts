import { mediaKindOf } from '../_nodes/media';
import { takeUrl } from './provenance-api';

/** What a take's thumbnail is drawn from: a small copy of an image or a frame of a video (made once by the engine), or nothing (audio). */
export function thumbnailUrl(projectId: string, take: string): string | null {
  const kind = mediaKindOf(take);
  return kind === 'image' || kind === 'video' ? takeUrl(projectId, take, 'thumbnail') : null;
}
