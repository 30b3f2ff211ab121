/**
 * The AWS SDK's S3 client and presigner, loaded at their first use: the packages cost about 50 ms
 * of every start, and an engine without S3 settings never uses them.
 */
let sdk: Promise<typeof import('@aws-sdk/client-s3')> | null = null;
let presigner: Promise<typeof import('@aws-sdk/s3-request-presigner')> | null = null;

export const s3Sdk = () => (sdk ??= import('@aws-sdk/client-s3'));
export const s3Presigner = () => (presigner ??= import('@aws-sdk/s3-request-presigner'));
