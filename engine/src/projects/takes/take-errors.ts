import { StudioError } from '../../errors.ts';

/** A finished job's output is not there to become a take (lost, or not a regular file). */
export class TakeOutputMissingError extends StudioError {
  override readonly code = 'TAKE_OUTPUT_MISSING';
  override readonly status = 500;
}
