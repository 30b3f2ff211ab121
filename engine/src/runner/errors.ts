import { StudioError } from '../errors.ts';

export class PipelineNotFoundError extends StudioError {
  override readonly code = 'PIPELINE_NOT_FOUND';
  override readonly status = 400;
}

/** The pipeline ran and failed (non-zero exit, missing output): retrying the same request will not help. */
export class PipelineFailedError extends StudioError {
  override readonly code = 'PIPELINE_FAILED';
  override readonly status = 500;
}

export class PipelineTimeoutError extends StudioError {
  override readonly code = 'PIPELINE_TIMEOUT';
  override readonly status = 504;
}

export class PipelineCancelledError extends StudioError {
  override readonly code = 'CANCELLED';
  override readonly status = 409;
}

/** No backend here can run this pipeline (no docker daemon and not host-runnable, say). */
export class NoBackendError extends StudioError {
  override readonly code = 'NO_BACKEND';
  override readonly status = 503;
}

/** The Docker daemon answered a question with a failure (a missing image is a 404), or not at all. */
export class DockerRequestError extends StudioError {
  override readonly code = 'NO_BACKEND';
  override readonly status = 503;
}
