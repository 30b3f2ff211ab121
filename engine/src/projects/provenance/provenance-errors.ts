import { StudioError } from '../../errors.ts';

/** The take has no provenance sidecar (or no such take): 404. */
export class ProvenanceNotFoundError extends StudioError {
  override readonly code = 'PROVENANCE_NOT_FOUND';
  override readonly status = 404;
}
