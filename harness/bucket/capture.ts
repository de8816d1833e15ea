/**
 * The bucket half of a snapshot (scripts/capture.mjs writes it, the snapshot target reads it):
 * a directory of small JSON files that round-trips a BucketState exactly.
 *
 *   bucket.json                        identity, collection time, top-level listing, notes
 *   settings.json                      lifecycle rules, versioning, object lock, bucket policy
 *   anonymous.json                     unsigned probe results
 *   kopia.json                         Kopia repositories (meta blobs, pack counts, x-amz-expiration)
 *   backups/<name>/listing.json        the folder's objects and the read errors
 *   backups/<name>/velero-backup.json  as stored in the bucket (the Backup CR)
 *   backups/<name>/resource-list.json  `-resource-list.json.gz`, decompressed
 *   backups/<name>/podvolumebackups.json  the PVB list, reduced
 *   backups/<name>/tarball.json        the tarball's entry names and counts (never its contents)
 *
 * No volume data, no tarballs, no credentials. Derived fields (missing files, the phase) are
 * recomputed on read, so a capture edited by hand stays consistent.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AuditInputError } from '../errors.ts';
import { summarizeBackupFiles, summarizeBackupMetadata } from './layout.ts';
import type { BackupInBucket, BucketState } from './types.ts';

const probeError = z.object({ code: z.string().optional(), httpStatus: z.number().optional(), message: z.string() });
const objectInfo = z.object({ key: z.string(), size: z.number(), lastModified: z.string().optional() });
const blobCount = z.object({ count: z.number(), more: z.boolean(), error: probeError.optional() });

const bucketFile = z.object({
  version: z.literal(1),
  endpoint: z.string(),
  bucket: z.string(),
  prefix: z.string(),
  region: z.string().optional(),
  collectedAt: z.string(),
  unreadable: z.string().optional(),
  topLevel: z
    .object({ directories: z.array(z.string()), unexpected: z.array(z.string()), objects: z.number(), error: probeError.optional() })
    .optional(),
  requestCount: z.number(),
  notes: z.array(z.string()),
  /** Backup folder names, in collection order. */
  backups: z.array(z.string()),
});

const settingsFile = z.object({
  lifecycle: z.object({ configured: z.boolean(), rules: z.array(z.unknown()), error: probeError.optional() }).optional(),
  versioning: z.object({ status: z.enum(['Enabled', 'Suspended']).optional(), mfaDelete: z.string().optional(), error: probeError.optional() }).optional(),
  objectLock: z
    .object({
      configured: z.boolean(),
      enabled: z.boolean().optional(),
      mode: z.string().optional(),
      days: z.number().optional(),
      years: z.number().optional(),
      error: probeError.optional(),
    })
    .optional(),
  policy: z.object({ present: z.boolean(), document: z.unknown().optional(), error: probeError.optional() }).optional(),
});

const anonymousFile = z.array(
  z.object({
    name: z.enum(['list-root', 'list-backups', 'list-kopia', 'get-backup-metadata', 'get-kopia-repository']),
    method: z.literal('GET'),
    path: z.string(),
    status: z.number().optional(),
    code: z.string().optional(),
    error: z.string().optional(),
  }),
);

const kopiaFile = z.object({
  namespacesInBucket: z.array(z.string()).optional(),
  listError: probeError.optional(),
  repositories: z.array(
    z.object({
      namespace: z.string(),
      prefix: z.string(),
      metaBlobs: z.array(objectInfo),
      metaError: probeError.optional(),
      hasRepository: z.boolean(),
      hasBlobcfg: z.boolean(),
      packs: z.object({ p: blobCount, q: blobCount, x: blobCount }),
      repositoryExpiration: z.string().optional(),
      repositoryHeadError: probeError.optional(),
    }),
  ),
});

const listingFile = z.object({
  name: z.string(),
  folder: z.string(),
  files: z.array(objectInfo),
  listError: probeError.optional(),
  backupJsonError: probeError.optional(),
  resourceListError: probeError.optional(),
  podVolumeBackupsError: probeError.optional(),
  tarballError: probeError.optional(),
});

const resourceListFile = z.record(z.string(), z.array(z.string()));
const backupJsonFile = z.record(z.string(), z.unknown());
const pvbFile = z.array(
  z.object({
    name: z.string(),
    podNamespace: z.string().optional(),
    podName: z.string().optional(),
    volume: z.string().optional(),
    phase: z.string().optional(),
    uploaderType: z.string().optional(),
  }),
);
const tarballFile = z.object({
  entryCount: z.number(),
  formatVersion: z.string().optional(),
  namespaces: z.record(z.string(), z.number()),
  clusterEntries: z.number(),
  entries: z.array(z.string()),
  entriesTruncated: z.boolean().optional(),
  scopeNamespaces: z.array(z.string()),
});

/** Kubernetes object names only: a capture never writes outside its directory. */
function safeSegment(name: string): string {
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || name.includes('..')) {
    throw new AuditInputError(`Backup name "${name}" is not a Kubernetes object name; refusing to use it as a capture directory.`);
  }
  return name;
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Write `state` under `dir` (created if needed). */
export function writeBucketCapture(dir: string, state: BucketState): void {
  mkdirSync(dir, { recursive: true });
  writeJson(join(dir, 'bucket.json'), {
    version: state.version,
    endpoint: state.endpoint,
    bucket: state.bucket,
    prefix: state.prefix,
    region: state.region,
    collectedAt: state.collectedAt,
    unreadable: state.unreadable,
    topLevel: state.topLevel,
    requestCount: state.requestCount,
    notes: state.notes,
    backups: state.backups.map((backup) => safeSegment(backup.name)),
  });
  writeJson(join(dir, 'settings.json'), { lifecycle: state.lifecycle, versioning: state.versioning, objectLock: state.objectLock, policy: state.policy });
  writeJson(join(dir, 'anonymous.json'), state.anonymous);
  writeJson(join(dir, 'kopia.json'), state.kopia);
  for (const backup of state.backups) {
    const folder = join(dir, 'backups', safeSegment(backup.name));
    mkdirSync(folder, { recursive: true });
    writeJson(join(folder, 'listing.json'), {
      name: backup.name,
      folder: backup.folder,
      files: backup.files,
      listError: backup.listError,
      backupJsonError: backup.backupJsonError,
      resourceListError: backup.resourceListError,
      podVolumeBackupsError: backup.podVolumeBackupsError,
      tarballError: backup.tarballError,
    });
    if (backup.backupJson) writeJson(join(folder, 'velero-backup.json'), backup.backupJson);
    if (backup.resourceList) writeJson(join(folder, 'resource-list.json'), backup.resourceList);
    if (backup.podVolumeBackups) writeJson(join(folder, 'podvolumebackups.json'), backup.podVolumeBackups);
    if (backup.tarball) writeJson(join(folder, 'tarball.json'), backup.tarball);
  }
}

function readJson<T>(path: string, schema: z.ZodType<T>, what: string): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AuditInputError(`Bucket capture file ${path} cannot be read (${(error as Error).message}).`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new AuditInputError(`Bucket capture file ${path} is not valid JSON: ${(error as Error).message}. Expected ${what}, as written by scripts/capture.mjs.`);
  }
  const result = schema.safeParse(data);
  if (!result.success) {
    const problems = result.error.issues.slice(0, 3).map((issue) => `"${issue.path.length ? issue.path.join('.') : '(top level)'}": ${issue.message}`);
    throw new AuditInputError(`Bucket capture file ${path} does not hold ${what}: ${problems.join('; ')}. Re-capture it with scripts/capture.mjs or fix the field.`);
  }
  return result.data;
}

function optionalJson<T>(path: string, schema: z.ZodType<T>, what: string): T | undefined {
  return existsSync(path) ? readJson(path, schema, what) : undefined;
}

/** Drop keys whose value is undefined (zod keeps optional keys absent; this keeps writes tidy). */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Read a bucket capture. Undefined when `dir` holds none (no `bucket.json`); AuditInputError
 * naming the file when one is malformed.
 */
export function readBucketCapture(dir: string): BucketState | undefined {
  const bucketPath = join(dir, 'bucket.json');
  if (!existsSync(bucketPath)) return undefined;
  const head = readJson(bucketPath, bucketFile, 'the bucket identity (endpoint, bucket, prefix, collectedAt, backups)');
  const settings = optionalJson(join(dir, 'settings.json'), settingsFile, 'bucket settings (lifecycle, versioning, objectLock, policy)') ?? {};
  const anonymous = optionalJson(join(dir, 'anonymous.json'), anonymousFile, 'a list of anonymous probe results') ?? [];
  const kopia = optionalJson(join(dir, 'kopia.json'), kopiaFile, 'the Kopia repositories') ?? { repositories: [] };

  const backups: BackupInBucket[] = head.backups.map((name) => {
    const folder = join(dir, 'backups', safeSegment(name));
    const listing = readJson(join(folder, 'listing.json'), listingFile, `the listing of backup ${name}`);
    const backup: BackupInBucket = defined({
      ...listing,
      ...summarizeBackupFiles(listing.name, listing.folder, listing.files),
    });
    const backupJson = optionalJson(join(folder, 'velero-backup.json'), backupJsonFile, 'a Backup object (velero-backup.json)');
    if (backupJson) {
      backup.backupJson = backupJson;
      backup.metadata = summarizeBackupMetadata(backupJson);
    }
    const resourceList = optionalJson(join(folder, 'resource-list.json'), resourceListFile, 'a resource list ("<group/version>/<Kind>" → ["<ns>/<name>"])');
    if (resourceList) backup.resourceList = resourceList;
    const pvbs = optionalJson(join(folder, 'podvolumebackups.json'), pvbFile, 'a list of PodVolumeBackups');
    if (pvbs) backup.podVolumeBackups = pvbs;
    const tarball = optionalJson(join(folder, 'tarball.json'), tarballFile, 'the tarball entry summary');
    if (tarball) backup.tarball = tarball;
    return backup;
  });

  const state: BucketState = defined({
    version: head.version,
    endpoint: head.endpoint,
    bucket: head.bucket,
    prefix: head.prefix,
    region: head.region,
    collectedAt: head.collectedAt,
    unreadable: head.unreadable,
    topLevel: head.topLevel,
    backups,
    kopia,
    lifecycle: settings.lifecycle,
    versioning: settings.versioning,
    objectLock: settings.objectLock,
    policy: settings.policy,
    anonymous,
    requestCount: head.requestCount,
    notes: head.notes,
  });
  return state;
}
