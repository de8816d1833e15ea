/**
 * collectBucket: read what a Velero bucket holds for the backups and volume namespaces in scope.
 *
 * Requests grow with the backups and namespaces checked, never with the bucket's size: every
 * listing is scoped by prefix (+ delimiter), and Kopia pack counts take one page under
 * `kopia/<ns>/p`, `…/q`, `…/x` (a repository with 100,000 packs costs the same five requests as one
 * with ten). Tarballs are streamed (gunzip → tar entry names), never loaded whole.
 *
 * Errors per probe are recorded in the BucketState. Only a bucket that cannot be read at all —
 * unreachable endpoint, unknown key, bad secret, missing bucket, no permission to list — throws
 * BucketAccessError (an AuditInputError with one clear paragraph).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { accessFailure } from './access-error.ts';
import { anonymousProbeRequests, runAnonymousProbes } from './anonymous.ts';
import { createS3Client, formatSeconds, S3Requester, toProbeError, type S3Credentials } from './client.ts';
import { logsFile, veleroRoot } from './layout.ts';
import { readBackup, uniqueSorted } from './read-backup.ts';
import { readKopiaRepository } from './read-kopia.ts';
import { readSettings } from './read-settings.ts';
import { BucketReader, recorded } from './reader.ts';
import { VELERO_TOP_LEVEL_DIRS, type BucketState } from './types.ts';

export interface CollectBucketOptions {
  /** S3 endpoint URL (the BSL's s3Url, or an override). */
  endpoint: string;
  bucket: string;
  /** BSL `objectStorage.prefix` ('' = none). */
  prefix?: string;
  region?: string;
  /** Path-style addressing (BSL `s3ForcePathStyle: "true"`); default true. */
  forcePathStyle?: boolean;
  credentials: S3Credentials;
  /** Backups whose `backups/<name>/` folder is read. */
  backupNames: string[];
  /** Namespaces whose Kopia repository (`kopia/<ns>/`) is read; PVB namespaces found in the bucket are added. */
  volumeNamespaces: string[];
  /** Budget for the whole collection in ms (every request, retry and stream ends within it). */
  deadlineMs: number;
  /** Budget per request attempt (default min(15s, deadlineMs)); tarball streams get the remaining budget. */
  requestTimeoutMs?: number;
  signal?: AbortSignal;
  /** Objects per first page when counting Kopia blobs (default 100). */
  packPageSize?: number;
  /** Use this client instead of creating one (tests, the drill). */
  client?: S3Client;
  /** Collection start time for `collectedAt` (default: now). */
  now?: Date;
}

/**
 * Read the bucket for the given backups and namespaces. Throws BucketAccessError when the bucket
 * cannot be read at all; every later failure is recorded in the returned state.
 */
export async function collectBucket(options: CollectBucketOptions): Promise<BucketState> {
  const started = options.now ?? new Date();
  const prefix = options.prefix ?? '';
  const root = veleroRoot(prefix);
  const forcePathStyle = options.forcePathStyle ?? true;
  const client = options.client ?? createS3Client({ endpoint: options.endpoint, region: options.region, forcePathStyle, credentials: options.credentials });
  const requester = new S3Requester({ deadlineMs: options.deadlineMs, requestTimeoutMs: options.requestTimeoutMs ?? Math.min(15_000, options.deadlineMs), signal: options.signal });
  const reader = new BucketReader(client, options.bucket, requester);
  const state: BucketState = {
    version: 1,
    endpoint: options.endpoint,
    bucket: options.bucket,
    prefix,
    region: options.region,
    collectedAt: started.toISOString(),
    backups: [],
    kopia: { repositories: [] },
    anonymous: [],
    requestCount: 0,
    notes: [],
  };

  // 1. The top level of <p>, as Velero's BSL validation lists it (docs/velero-facts.md §1). Failing here = unreadable.
  try {
    // An endpoint that does not answer the first request is unreachable: fail now, do not wait out the deadline.
    const top = await reader.list(root, { delimiter: '/', maxPages: 10, retryTimeouts: false });
    const directories = top.prefixes.map((p) => p.slice(root.length).replace(/\/$/, ''));
    state.topLevel = {
      directories,
      unexpected: directories.filter((dir) => !(VELERO_TOP_LEVEL_DIRS as readonly string[]).includes(dir)),
      objects: top.objects.length,
    };
    if (top.capped) state.notes.push(`The top level of ${root || 'the bucket'} has more than 10 pages of entries; only the first 10 were read.`);
  } catch (error) {
    if (!options.client) client.destroy();
    throw accessFailure(options, toProbeError(error));
  }

  // 2. Bucket settings.
  await readSettings(reader, state);

  // 3. Backups in scope.
  for (const name of options.backupNames) state.backups.push(await readBackup(reader, prefix, name, options.volumeNamespaces));

  // 4. Kopia repositories: the namespaces asked for, plus every namespace a backup's PVBs name.
  const kopiaNamespaces = uniqueSorted([...options.volumeNamespaces, ...state.backups.flatMap((b) => (b.podVolumeBackups ?? []).map((pvb) => pvb.podNamespace ?? ''))]);
  const inBucket = await recorded(() => reader.list(`${root}kopia/`, { delimiter: '/', maxPages: 20 }));
  if (inBucket.value) {
    state.kopia.namespacesInBucket = inBucket.value.prefixes.map((p) => p.slice(`${root}kopia/`.length).replace(/\/$/, ''));
    if (inBucket.value.capped) state.notes.push(`More than 20 pages of Kopia namespaces under ${root}kopia/; only the first 20 were read.`);
  } else state.kopia.listError = inBucket.error;
  const pageSize = options.packPageSize ?? 100;
  for (const namespace of kopiaNamespaces) state.kopia.repositories.push(await readKopiaRepository(reader, prefix, namespace, pageSize));

  // 5. Unsigned probes.
  const firstBackup = state.backups.find((backup) => backup.files.some((file) => file.key === `${backup.folder}velero-backup.json`));
  const firstRepository = state.kopia.repositories.find((repository) => repository.hasRepository);
  state.anonymous = await runAnonymousProbes(
    { endpoint: options.endpoint, bucket: options.bucket, forcePathStyle },
    anonymousProbeRequests(root, {
      backupMetadata: firstBackup ? `${firstBackup.folder}velero-backup.json` : undefined,
      kopiaRepository: firstRepository ? `${firstRepository.prefix}kopia.repository` : undefined,
    }),
    { timeoutMs: Math.min(options.requestTimeoutMs ?? 5_000, 5_000), deadlineAt: requester.deadlineAt, deadlineMs: options.deadlineMs, signal: options.signal },
  );

  for (const backup of state.backups) {
    if (backup.files.length > 0 && !backup.logsPresent) state.notes.push(`${backup.folder}${logsFile(backup.name)} is missing (best-effort file; \`velero backup logs\` will have nothing to show).`);
  }
  if (requester.remainingMs() <= 0) state.notes.push(`The ${formatSeconds(options.deadlineMs)} deadline ran out: some reads were not attempted (see the errors recorded with them).`);
  state.requestCount = requester.count;
  if (!options.client) client.destroy();
  return state;
}
