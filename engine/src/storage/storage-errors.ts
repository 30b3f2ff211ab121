import { StudioError } from '../errors.ts';

export class S3UnavailableError extends StudioError {
  override readonly code = 'S3_UNAVAILABLE';
  override readonly status = 503;
}

export class LfsObjectMissingError extends StudioError {
  override readonly code = 'LFS_OBJECT_MISSING';
  override readonly status = 404;
  constructor(oid: string) {
    super(`no LFS object ${oid} in the store`, { oid });
  }
}

/** The bytes sent are not the object they were said to be (wrong sha256 or size). */
export class BlobMismatchError extends StudioError {
  override readonly code = 'INVALID_REQUEST';
  override readonly status = 422;
}
