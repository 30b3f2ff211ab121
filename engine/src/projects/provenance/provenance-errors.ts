import { StudioError } from '../../errors.ts';

/** The take has no provenance sidecar (or no such take): 404. */
export class ProvenanceNotFoundError extends StudioError {
  // FILE_NOT_FOUND until the catalogue has PROVENANCE_NOT_FOUND (requested): the data says which file is missing.
  override readonly code = 'FILE_NOT_FOUND';
  override readonly status = 404;
}
