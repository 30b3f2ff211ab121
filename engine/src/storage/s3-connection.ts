import type { S3Client } from '@aws-sdk/client-s3';
import type { Settings } from '../settings/index.ts';
import { s3Sdk } from './s3-sdk.ts';
import { S3UnavailableError } from './storage-errors.ts';

export type S3Settings = NonNullable<Settings['s3']>;

/** One S3 client per engine and the bucket it uses, created on first use when missing. */
export interface S3Connection {
  /** The client, made at first use (the SDK loads then). */
  client(): Promise<S3Client>;
  bucket: string;
  endpoint: string;
  /** Resolves once the bucket exists; a failure is not remembered, so the next call tries again. */
  ready(): Promise<void>;
}

/** What the SDK said, as the message of an S3_UNAVAILABLE error that names the store. */
export function s3Failure(endpoint: string, what: string, error: unknown): S3UnavailableError {
  const e = error as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const reason = [e.name, status ? `HTTP ${status}` : '', e.code ?? '', e.message].filter(Boolean).join(': ');
  return new S3UnavailableError(`the object store at ${endpoint} failed to ${what}: ${reason || String(error)}`, { endpoint, status: status ?? null });
}

export function isS3NotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.$metadata?.httpStatusCode === 404 || e.name === 'NotFound' || e.name === 'NoSuchKey' || e.name === 'NoSuchBucket';
}

export function connectS3(settings: S3Settings): S3Connection {
  const credentials =
    settings.accessKeyId && settings.secretAccessKey ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } : undefined;
  const create = async () => {
    const { S3Client } = await s3Sdk();
    return new S3Client({
      endpoint: settings.endpoint,
      region: settings.region,
      credentials,
      // S3-compatible servers (radosgw) want path-style URLs and no default checksums (research/git-lfs-s3.md).
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // A store that is down answers a batch with 503 in seconds rather than after long retries.
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 3000, requestTimeout: 120_000 },
    });
  };
  let made: Promise<S3Client> | null = null;
  const client = () => (made ??= create());
  let bucketReady: Promise<void> | null = null;
  const ensureBucket = async () => {
    const { CreateBucketCommand, HeadBucketCommand } = await s3Sdk();
    try {
      await (await client()).send(new HeadBucketCommand({ Bucket: settings.bucket }));
      return;
    } catch (error) {
      if (!isS3NotFound(error)) throw s3Failure(settings.endpoint, `reach bucket ${settings.bucket}`, error);
    }
    try {
      await (await client()).send(new CreateBucketCommand({ Bucket: settings.bucket }));
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw s3Failure(settings.endpoint, `create bucket ${settings.bucket}`, error);
    }
  };
  return {
    client,
    bucket: settings.bucket,
    endpoint: settings.endpoint,
    ready() {
      bucketReady ??= ensureBucket().catch((error: unknown) => {
        bucketReady = null;
        throw error;
      });
      return bucketReady;
    },
  };
}
