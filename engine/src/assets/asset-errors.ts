import { StudioError } from '../errors.ts';

export class AssetNotFoundError extends StudioError {
  override readonly code = 'ASSET_NOT_FOUND';
  override readonly status = 404;
}

export class TriggerWordTakenError extends StudioError {
  override readonly code = 'TRIGGER_WORD_TAKEN';
  override readonly status = 409;
}

/** A file that is not what it must be: wrong or unknown type, empty, truncated, corrupt. */
export class UnsupportedMediaError extends StudioError {
  override readonly code = 'UNSUPPORTED_MEDIA';
  override readonly status = 415;
}

export class CorruptMediaError extends StudioError {
  override readonly code = 'CORRUPT_MEDIA';
  override readonly status = 422;
}

export class EmptyUploadError extends StudioError {
  override readonly code = 'EMPTY_UPLOAD';
  override readonly status = 400;
}

export class UploadTooLargeError extends StudioError {
  override readonly code = 'UPLOAD_TOO_LARGE';
  override readonly status = 413;
}

export class ImageTooSmallError extends StudioError {
  override readonly code = 'IMAGE_TOO_SMALL';
  override readonly status = 422;
}

export class ZipRefusedError extends StudioError {
  override readonly code = 'ZIP_REFUSED';
  override readonly status = 422;
}

export class DatasetRefusedError extends StudioError {
  override readonly code = 'DATASET_REFUSED';
  override readonly status = 422;
}

export class UploadAbortedError extends StudioError {
  override readonly code = 'UPLOAD_ABORTED';
  override readonly status = 400;
}
