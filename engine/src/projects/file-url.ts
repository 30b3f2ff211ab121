/** The URL the browser loads a project file from (streamed with range requests). */
export function fileUrl(projectId: string, path: string): string {
  return `/api/v1/projects/${encodeURIComponent(projectId)}/files/${path.split('/').map(encodeURIComponent).join('/')}`;
}
