import { mediaKindOf } from '../_nodes/media';
import { takeUrl } from './provenance-api';

/** What a take's thumbnail is drawn from: the image itself, a frame of a video (made by the engine), or nothing (audio). */
export function thumbnailUrl(projectId: string, take: string, fileUrl: (path: string) => string): string | null {
  const kind = mediaKindOf(take);
  if (kind === 'image') return fileUrl(take);
  if (kind === 'video') return takeUrl(projectId, take, 'thumbnail');
  return null;
}
