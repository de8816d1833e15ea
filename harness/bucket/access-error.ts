/**
 * A bucket that cannot be read at all: the one-paragraph error for the user (which S3 code, what
 * to check) and the BucketState that records only that reason.
 */
import { AuditInputError } from '../errors.ts';
import type { CollectBucketOptions } from './collect.ts';
import type { BucketState, ProbeError } from './types.ts';

/** The bucket cannot be read at all. The message is one paragraph for the user. */
export class BucketAccessError extends AuditInputError {
  constructor(
    message: string,
    readonly probe: ProbeError,
  ) {
    super(message);
  }
}

/** A BucketState that says only "could not be read: <reason>" (for the collector that catches BucketAccessError). */
export function unreadableBucketState(options: Pick<CollectBucketOptions, 'endpoint' | 'bucket' | 'prefix' | 'region' | 'now'>, reason: string): BucketState {
  return {
    version: 1,
    endpoint: options.endpoint,
    bucket: options.bucket,
    prefix: options.prefix ?? '',
    region: options.region,
    collectedAt: (options.now ?? new Date()).toISOString(),
    unreadable: reason,
    backups: [],
    kopia: { repositories: [] },
    anonymous: [],
    requestCount: 0,
    notes: [],
  };
}

export function accessFailure(options: CollectBucketOptions, probe: ProbeError): BucketAccessError {
  const where = `bucket "${options.bucket}" at ${options.endpoint}`;
  const fix = 'Check the credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or the BSL credentials Secret\'s "cloud" key).';
  let message: string;
  switch (probe.code) {
    case 'InvalidAccessKeyId':
      message = `Cannot read ${where}: the server does not know the access key id (InvalidAccessKeyId). ${fix}`;
      break;
    case 'SignatureDoesNotMatch':
      message = `Cannot read ${where}: the server rejected the secret access key (SignatureDoesNotMatch). ${fix}`;
      break;
    case 'AccessDenied':
      message = `Cannot read ${where}: listing the bucket was denied (AccessDenied). The audit needs s3:ListBucket and s3:GetObject on the bucket (Velero's own key has them). ${fix}`;
      break;
    case 'NoSuchBucket':
      message = `Cannot read ${where}: the bucket does not exist (NoSuchBucket). Check spec.objectStorage.bucket of the BackupStorageLocation.`;
      break;
    case 'Timeout':
    case 'Deadline':
      message = `Cannot read ${where}: ${probe.message}. The endpoint is unreachable or too slow from here; check the BSL s3Url, or pass --s3-endpoint / VELERO_VERIFY_S3_ENDPOINT (e.g. a port-forward).`;
      break;
    default:
      message =
        probe.httpStatus !== undefined
          ? `Cannot read ${where}: HTTP ${probe.httpStatus} ${probe.code ?? ''} (${probe.message}).`
          : `Cannot reach the S3 endpoint ${options.endpoint} for bucket "${options.bucket}" (${probe.code ?? probe.message}). Check the BSL s3Url, or pass --s3-endpoint / VELERO_VERIFY_S3_ENDPOINT.`;
  }
  return new BucketAccessError(message.replace(/\s+/g, ' ').trim(), probe);
}
