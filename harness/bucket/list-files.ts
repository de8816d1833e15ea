/**
 * The objects Velero keeps for one backup or restore, listed by the drill to confirm what a
 * backup wrote and that cleanup removed it.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { S3Requester } from './client.ts';
import { backupFolder, restoreFolder } from './layout.ts';
import { BucketReader } from './reader.ts';
import type { S3ObjectInfo } from './types.ts';

/** A client and the bucket it reads ("client-ish" for the drill). */
export interface BucketHandle {
  client: S3Client;
  bucket: string;
}

/**
 * The objects under `<prefix>backups/<backupName>/` — an empty array once Velero has deleted the
 * backup's files (docs/velero-facts.md §9: a processed DeleteBackupRequest removes every object there).
 * Throws S3RequestError (message names the S3 code) when the listing itself fails.
 */
export async function listBackupFiles(
  handle: BucketHandle,
  prefix: string,
  backupName: string,
  options: { deadlineMs?: number; signal?: AbortSignal } = {},
): Promise<S3ObjectInfo[]> {
  const requester = new S3Requester({ deadlineMs: options.deadlineMs ?? 30_000, requestTimeoutMs: Math.min(15_000, options.deadlineMs ?? 30_000), signal: options.signal });
  const reader = new BucketReader(handle.client, handle.bucket, requester);
  return (await reader.list(backupFolder(prefix, backupName), { maxPages: 10 })).objects;
}

/** The objects under `<prefix>restores/<restoreName>/` (cleanup confirms the Restore's files are gone). */
export async function listRestoreFiles(handle: BucketHandle, prefix: string, restoreName: string, options: { deadlineMs?: number; signal?: AbortSignal } = {}): Promise<S3ObjectInfo[]> {
  const requester = new S3Requester({ deadlineMs: options.deadlineMs ?? 30_000, requestTimeoutMs: Math.min(15_000, options.deadlineMs ?? 30_000), signal: options.signal });
  const reader = new BucketReader(handle.client, handle.bucket, requester);
  return (await reader.list(restoreFolder(prefix, restoreName), { maxPages: 10 })).objects;
}
