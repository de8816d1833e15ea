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
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import {
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type GetBucketLifecycleConfigurationCommandOutput,
  type GetBucketPolicyCommandOutput,
  type GetBucketVersioningCommandOutput,
  type GetObjectCommandOutput,
  type GetObjectLockConfigurationCommandOutput,
  type HeadObjectCommandOutput,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import tar from 'tar-stream';
import { AuditInputError } from '../errors.ts';
import { anonymousProbeRequests, runAnonymousProbes } from './anonymous.ts';
import { createS3Client, formatSeconds, S3Requester, S3RequestError, toProbeError, type S3Credentials } from './client.ts';
import {
  backupFolder,
  restoreFolder,
  classifyTarEntry,
  kopiaFolder,
  logsFile,
  reducePodVolumeBackups,
  summarizeBackupFiles,
  summarizeBackupMetadata,
  veleroRoot,
} from './layout.ts';
import {
  MAX_TARBALL_ENTRIES,
  VELERO_TOP_LEVEL_DIRS,
  type BackupInBucket,
  type BlobCount,
  type BucketState,
  type KopiaRepositoryInBucket,
  type ProbeError,
  type S3ObjectInfo,
  type TarballSummary,
} from './types.ts';

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

function accessFailure(options: CollectBucketOptions, probe: ProbeError): BucketAccessError {
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

interface Listing {
  objects: S3ObjectInfo[];
  prefixes: string[];
  /** More existed beyond the pages read. */
  capped: boolean;
}

function toObjectInfo(item: { Key?: string; Size?: number; LastModified?: Date }): S3ObjectInfo {
  const info: S3ObjectInfo = { key: item.Key ?? '', size: item.Size ?? 0 };
  if (item.LastModified) info.lastModified = item.LastModified.toISOString();
  return info;
}

class BucketReader {
  constructor(
    readonly client: S3Client,
    readonly bucket: string,
    readonly requester: S3Requester,
  ) {}

  async list(prefix: string, options: { delimiter?: string; maxKeys?: number; maxPages?: number; retryTimeouts?: boolean } = {}): Promise<Listing> {
    const listing: Listing = { objects: [], prefixes: [], capped: false };
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await this.requester.send<ListObjectsV2CommandOutput>(
        this.client,
        `list ${prefix || '(bucket root)'}`,
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix || undefined, Delimiter: options.delimiter, MaxKeys: options.maxKeys, ContinuationToken: token }),
        { retryTimeouts: options.retryTimeouts },
      );
      pages += 1;
      listing.objects.push(...(page.Contents ?? []).map(toObjectInfo));
      listing.prefixes.push(...(page.CommonPrefixes ?? []).map((p) => p.Prefix ?? '').filter(Boolean));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (token && options.maxPages !== undefined && pages >= options.maxPages) {
        listing.capped = true;
        break;
      }
    } while (token);
    return listing;
  }

  /** One page only: how many objects start with `prefix`, up to `maxKeys`, and whether there are more. */
  async count(prefix: string, maxKeys: number): Promise<BlobCount> {
    try {
      const page = await this.requester.send<ListObjectsV2CommandOutput>(this.client, `list ${prefix}`, new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, MaxKeys: maxKeys }));
      return { count: page.KeyCount ?? page.Contents?.length ?? 0, more: page.IsTruncated === true };
    } catch (error) {
      return { count: 0, more: false, error: toProbeError(error) };
    }
  }

  async getBytes(key: string, maxBytes: number): Promise<Buffer> {
    return this.requester.run(`get ${key}`, async (signal) => {
      const output: GetObjectCommandOutput = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
      if ((output.ContentLength ?? 0) > maxBytes) {
        (output.Body as Readable | undefined)?.destroy?.();
        throw malformed(`${key} is ${output.ContentLength} bytes, more than the ${maxBytes} bytes a metadata file may have`);
      }
      return Buffer.from(await output.Body!.transformToByteArray());
    });
  }

  async getJson(key: string, gzipped: boolean): Promise<unknown> {
    const bytes = await this.getBytes(key, 64 * 1024 * 1024);
    let text: string;
    try {
      text = (gzipped ? gunzipSync(bytes, { maxOutputLength: 256 * 1024 * 1024 }) : bytes).toString('utf8');
    } catch (error) {
      throw new S3RequestError({ code: 'Malformed', message: `${key} is not gzip data (${(error as Error).message})` }, `get ${key}`);
    }
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new S3RequestError({ code: 'Malformed', message: `${key} is not JSON (${(error as Error).message})` }, `get ${key}`);
    }
  }

  /** Stream `<name>.tar.gz` through gunzip and tar, keeping entry names only. */
  async tarball(key: string, scope: ReadonlySet<string>): Promise<TarballSummary> {
    return this.requester.run(
      `stream ${key}`,
      async (signal) => {
        const output: GetObjectCommandOutput = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
        const summary: TarballSummary = { entryCount: 0, namespaces: {}, clusterEntries: 0, entries: [], scopeNamespaces: [...scope].sort() };
        const extract = tar.extract();
        extract.on('entry', (header, stream, next) => {
          summary.entryCount += 1;
          const entry = classifyTarEntry(header.name);
          if (entry.kind === 'version-file') {
            const chunks: Buffer[] = [];
            stream.on('data', (chunk: unknown) => {
              chunks.push(chunk as Buffer);
            });
            stream.on('end', () => {
              summary.formatVersion = Buffer.concat(chunks).toString('utf8').trim();
              next();
            });
            return;
          }
          if (entry.kind === 'namespaced') {
            summary.namespaces[entry.namespace] = (summary.namespaces[entry.namespace] ?? 0) + 1;
            if (scope.has(entry.namespace)) {
              if (summary.entries.length < MAX_TARBALL_ENTRIES) summary.entries.push(entry.path);
              else summary.entriesTruncated = true;
            }
          } else if (entry.kind === 'cluster') summary.clusterEntries += 1;
          stream.on('end', next);
          stream.resume();
        });
        try {
          await pipeline(output.Body as Readable, createGunzip(), extract, { signal });
        } catch (error) {
          if (signal.aborted) throw error;
          const code = (error as { code?: string }).code;
          if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE') throw error;
          throw new S3RequestError({ code: 'Malformed', message: `${key} is not a gzip'd tar archive (${(error as Error).message})` }, `stream ${key}`);
        }
        summary.entries.sort();
        return summary;
      },
      { timeoutMs: Math.max(1, this.requester.remainingMs()) },
    );
  }
}

function malformed(message: string): Error {
  return Object.assign(new Error(message), { code: 'Malformed' });
}

async function recorded<T>(run: () => Promise<T>): Promise<{ value?: T; error?: ProbeError }> {
  try {
    return { value: await run() };
  } catch (error) {
    return { error: toProbeError(error) };
  }
}

function uniqueSorted(values: Iterable<string>): string[] {
  return [...new Set([...values].filter((value) => value !== ''))].sort();
}

/** Read one backup folder: listing, velero-backup.json, PVB list, resource list, tarball entries. */
async function readBackup(reader: BucketReader, prefix: string, name: string, volumeNamespaces: readonly string[]): Promise<BackupInBucket> {
  const folder = backupFolder(prefix, name);
  const listing = await recorded(() => reader.list(folder, { delimiter: '/', maxPages: 5 }));
  const files = listing.value?.objects ?? [];
  const backup: BackupInBucket = { name, folder, files, ...summarizeBackupFiles(name, folder, files) };
  if (listing.error) backup.listError = listing.error;
  const present = new Set(files.map((file) => file.key));

  const metadataKey = `${folder}velero-backup.json`;
  if (present.has(metadataKey)) {
    const read = await recorded(() => reader.getJson(metadataKey, false));
    if (read.error) backup.backupJsonError = read.error;
    else if (typeof read.value === 'object' && read.value !== null && !Array.isArray(read.value)) {
      backup.backupJson = read.value as Record<string, unknown>;
      backup.metadata = summarizeBackupMetadata(backup.backupJson);
    } else backup.backupJsonError = { code: 'Malformed', message: `${metadataKey} is not a JSON object` };
  }

  const pvbKey = `${folder}${name}-podvolumebackups.json.gz`;
  if (present.has(pvbKey)) {
    const read = await recorded(() => reader.getJson(pvbKey, true));
    if (read.error) backup.podVolumeBackupsError = read.error;
    // Velero writes `null` when the backup has no PVBs.
    else if (read.value === null || Array.isArray(read.value)) backup.podVolumeBackups = reducePodVolumeBackups(read.value ?? []);
    else backup.podVolumeBackupsError = { code: 'Malformed', message: `${pvbKey} is not a JSON array` };
  }

  const resourceListKey = `${folder}${name}-resource-list.json.gz`;
  if (present.has(resourceListKey)) {
    const read = await recorded(() => reader.getJson(resourceListKey, true));
    if (read.error) backup.resourceListError = read.error;
    else if (typeof read.value === 'object' && read.value !== null && !Array.isArray(read.value)) backup.resourceList = read.value as Record<string, string[]>;
    else backup.resourceListError = { code: 'Malformed', message: `${resourceListKey} is not a JSON object` };
  }

  const tarKey = `${folder}${name}.tar.gz`;
  if (present.has(tarKey)) {
    const included = (backup.metadata?.includedNamespaces ?? []).filter((ns) => ns !== '*');
    const pvbNamespaces = (backup.podVolumeBackups ?? []).map((pvb) => pvb.podNamespace ?? '');
    const scope = new Set(uniqueSorted([...volumeNamespaces, ...included, ...pvbNamespaces]));
    const read = await recorded(() => reader.tarball(tarKey, scope));
    if (read.error) backup.tarballError = read.error;
    else backup.tarball = read.value;
  }
  return backup;
}

async function readKopiaRepository(reader: BucketReader, prefix: string, namespace: string, pageSize: number): Promise<KopiaRepositoryInBucket> {
  const folder = kopiaFolder(prefix, namespace);
  // `kopia.` sorts after every hex-named blob: a prefix listing finds the format blobs in one small page.
  const meta = await recorded(() => reader.list(`${folder}kopia.`, { maxPages: 2 }));
  const metaBlobs = meta.value?.objects ?? [];
  const names = new Set(metaBlobs.map((blob) => blob.key.slice(folder.length)));
  const repository: KopiaRepositoryInBucket = {
    namespace,
    prefix: folder,
    metaBlobs,
    hasRepository: names.has('kopia.repository'),
    hasBlobcfg: names.has('kopia.blobcfg'),
    packs: {
      p: await reader.count(`${folder}p`, pageSize),
      q: await reader.count(`${folder}q`, pageSize),
      x: await reader.count(`${folder}x`, pageSize),
    },
  };
  if (meta.error) repository.metaError = meta.error;
  if (repository.hasRepository) {
    // MinIO predicts lifecycle expiry per object (x-amz-expiration): the empirical check of docs/retention-and-exposure.md §4.3 (rule K2).
    const head = await recorded(() =>
      reader.requester.send<HeadObjectCommandOutput>(reader.client, `head ${folder}kopia.repository`, new HeadObjectCommand({ Bucket: reader.bucket, Key: `${folder}kopia.repository` })),
    );
    if (head.error) repository.repositoryHeadError = head.error;
    else if (head.value?.Expiration) repository.repositoryExpiration = head.value.Expiration;
  }
  return repository;
}

function notConfigured(error: ProbeError | undefined, code: string): boolean {
  return error?.code === code;
}

/** Lifecycle rules with Dates as ISO strings (JSON-stable for captures). */
function jsonStable(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value ?? null));
}

async function readSettings(reader: BucketReader, state: BucketState): Promise<void> {
  const { client, bucket, requester } = reader;
  const lifecycle = await recorded(() => requester.send<GetBucketLifecycleConfigurationCommandOutput>(client, 'get lifecycle', new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })));
  if (lifecycle.value) state.lifecycle = { configured: (lifecycle.value.Rules ?? []).length > 0, rules: (jsonStable(lifecycle.value.Rules ?? []) as unknown[]) ?? [] };
  else if (notConfigured(lifecycle.error, 'NoSuchLifecycleConfiguration')) state.lifecycle = { configured: false, rules: [] };
  else state.lifecycle = { configured: false, rules: [], error: lifecycle.error };

  const versioning = await recorded(() => requester.send<GetBucketVersioningCommandOutput>(client, 'get versioning', new GetBucketVersioningCommand({ Bucket: bucket })));
  if (versioning.value) {
    state.versioning = {};
    if (versioning.value.Status === 'Enabled' || versioning.value.Status === 'Suspended') state.versioning.status = versioning.value.Status;
    if (versioning.value.MFADelete) state.versioning.mfaDelete = versioning.value.MFADelete;
  } else state.versioning = { error: versioning.error };

  const lock = await recorded(() => requester.send<GetObjectLockConfigurationCommandOutput>(client, 'get object-lock', new GetObjectLockConfigurationCommand({ Bucket: bucket })));
  if (lock.value) {
    const config = lock.value.ObjectLockConfiguration;
    const retention = config?.Rule?.DefaultRetention;
    state.objectLock = { configured: true, enabled: config?.ObjectLockEnabled === 'Enabled' };
    if (retention?.Mode) state.objectLock.mode = retention.Mode;
    if (retention?.Days !== undefined) state.objectLock.days = retention.Days;
    if (retention?.Years !== undefined) state.objectLock.years = retention.Years;
  } else if (notConfigured(lock.error, 'ObjectLockConfigurationNotFoundError')) state.objectLock = { configured: false };
  else state.objectLock = { configured: false, error: lock.error };

  const policy = await recorded(() => requester.send<GetBucketPolicyCommandOutput>(client, 'get policy', new GetBucketPolicyCommand({ Bucket: bucket })));
  if (policy.value) {
    try {
      state.policy = { present: true, document: JSON.parse(policy.value.Policy ?? 'null') };
    } catch {
      state.policy = { present: true, document: policy.value.Policy, error: { code: 'Malformed', message: 'the bucket policy is not JSON' } };
    }
  } else if (notConfigured(policy.error, 'NoSuchBucketPolicy')) state.policy = { present: false };
  else state.policy = { present: false, error: policy.error };
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
