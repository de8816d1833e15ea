/**
 * What collection learned about the object store. Plain, JSON-serialisable data:
 * listings, settings, probe results and the small metadata documents Velero writes — never
 * volume data, never tarball contents (only the tarball's entry names), never credentials.
 *
 * A read that failed is recorded next to the data it would have produced (`error`), so one
 * AccessDenied on GetBucketPolicy does not hide the rest. Derived fields (a backup's phase, the
 * missing files) are recomputed from the raw documents by `summarizeBackup` so that a capture
 * edited by hand stays consistent (harness/bucket/capture.ts).
 */

/** Why a read did not produce data. */
export interface ProbeError {
  /** S3 error code (`AccessDenied`, `NoSuchKey`, `SlowDown`), or a network code (`ECONNRESET`, `Timeout`). */
  code?: string;
  httpStatus?: number;
  /** One line, safe to show (never holds credentials). */
  message: string;
}

/** One object of a listing. */
export interface S3ObjectInfo {
  key: string;
  size: number;
  /** ISO time. */
  lastModified?: string;
}

/** The backup's resource tarball, read as a stream: entry names only. */
export interface TarballSummary {
  /** Every entry of the archive. */
  entryCount: number;
  /** `metadata/version` (docs/velero-facts.md §2: `1.1.0`). */
  formatVersion?: string;
  /**
   * Namespaced item entries per namespace, counting the un-versioned path only
   * (`resources/<group-resource>/namespaces/<ns>/<name>.json`; docs/velero-facts.md §2).
   */
  namespaces: Record<string, number>;
  /** Cluster-scoped item entries (`resources/<gr>/cluster/<name>.json`, un-versioned). */
  clusterEntries: number;
  /** The un-versioned entries under the namespaces in scope (sorted, capped at MAX_TARBALL_ENTRIES). */
  entries: string[];
  entriesTruncated?: boolean;
  /** The namespaces whose entries were listed in `entries`. */
  scopeNamespaces: string[];
}

export const MAX_TARBALL_ENTRIES = 20_000;

/** A PodVolumeBackup as recorded in `<backup>-podvolumebackups.json.gz`, reduced to what judges read. */
export interface BucketPodVolumeBackup {
  name: string;
  podNamespace?: string;
  podName?: string;
  volume?: string;
  phase?: string;
  uploaderType?: string;
}

/** What `velero-backup.json` says, reduced (docs/velero-facts.md §1: written twice; the second write has the final phase). */
export interface BackupMetadataSummary {
  phase?: string;
  uid?: string;
  includedNamespaces?: string[];
  ttl?: string;
  storageLocation?: string;
  startTimestamp?: string;
  completionTimestamp?: string;
  errors?: number;
  warnings?: number;
}

export interface BackupInBucket {
  name: string;
  /** `<p>backups/<name>/`. */
  folder: string;
  /** The folder's objects (`<p>backups/<name>/` listed with a delimiter; small). */
  files: S3ObjectInfo[];
  listError?: ProbeError;

  /** Derived from `files` (summarizeBackup): required files absent (file names, not keys). */
  missingRequired: string[];
  /** Derived: required files present with size 0. */
  emptyRequired: string[];
  /** Derived: `<name>-logs.gz` present (best-effort file: a warning only). */
  logsPresent: boolean;

  /** `velero-backup.json` as read (the Backup CR; holds no secret values). */
  backupJson?: Record<string, unknown>;
  backupJsonError?: ProbeError;
  /** Derived from `backupJson`. */
  metadata?: BackupMetadataSummary;

  /** `<name>-resource-list.json.gz`, decompressed: `"<group/version>/<Kind>"` → `["<ns>/<name>", …]`. */
  resourceList?: Record<string, string[]>;
  resourceListError?: ProbeError;

  /** `<name>-podvolumebackups.json.gz`, decompressed and reduced. */
  podVolumeBackups?: BucketPodVolumeBackup[];
  podVolumeBackupsError?: ProbeError;

  tarball?: TarballSummary;
  tarballError?: ProbeError;
}

/** Count of blobs under a Kopia prefix, from one page (`max-keys`) — the total is not needed. */
export interface BlobCount {
  /** Objects seen on the first page. */
  count: number;
  /** More exist beyond `count` (the page was truncated). */
  more: boolean;
  error?: ProbeError;
}

export interface KopiaRepositoryInBucket {
  namespace: string;
  /** `<p>kopia/<ns>/`. */
  prefix: string;
  /** Objects named `kopia.*` (kopia.repository, kopia.blobcfg, kopia.maintenance, format backups). */
  metaBlobs: S3ObjectInfo[];
  metaError?: ProbeError;
  hasRepository: boolean;
  hasBlobcfg: boolean;
  /** Data packs `p*`, metadata packs `q*`, index blobs `x*` (docs/velero-facts.md §1). */
  packs: { p: BlobCount; q: BlobCount; x: BlobCount };
  /** `x-amz-expiration` on HEAD `kopia.repository` (MinIO's lifecycle prediction; docs/retention-and-exposure.md §4.3). */
  repositoryExpiration?: string;
  repositoryHeadError?: ProbeError;
}

export interface LifecycleSetting {
  /** false = 404 NoSuchLifecycleConfiguration: no lifecycle, the safe state. */
  configured: boolean;
  /** The rules in S3 JSON shape (as the SDK returns them; Dates as ISO strings). */
  rules: unknown[];
  error?: ProbeError;
}

export interface VersioningSetting {
  /** Absent = never versioned (MinIO answers an empty <VersioningConfiguration/>). */
  status?: 'Enabled' | 'Suspended';
  mfaDelete?: string;
  error?: ProbeError;
}

export interface ObjectLockSetting {
  /** false = 404 ObjectLockConfigurationNotFoundError. */
  configured: boolean;
  enabled?: boolean;
  mode?: string;
  days?: number;
  years?: number;
  error?: ProbeError;
}

export interface PolicySetting {
  /** false = 404 NoSuchBucketPolicy. */
  present: boolean;
  /** The policy document (parsed JSON) when present. */
  document?: unknown;
  error?: ProbeError;
}

/** One unsigned request (no Authorization header, no X-Amz-* query). */
export interface AnonymousProbe {
  name: 'list-root' | 'list-backups' | 'list-kopia' | 'get-backup-metadata' | 'get-kopia-repository';
  method: 'GET';
  /** Path and query, as sent (no host, so captures do not depend on the endpoint). */
  path: string;
  /** HTTP status, absent when no answer came (connection refused, timeout). */
  status?: number;
  /** S3 error code from the body (`AccessDenied`). */
  code?: string;
  /** Network failure instead of an answer. */
  error?: string;
}

export interface TopLevelListing {
  /** Directory names directly under `<p>` (common prefixes without the trailing slash). */
  directories: string[];
  /** Directories other than Velero's six (docs/velero-facts.md §1): they make the BSL Unavailable. */
  unexpected: string[];
  /** Plain objects directly under `<p>` (not flagged by Velero). */
  objects: number;
  error?: ProbeError;
}

export interface BucketState {
  /** Capture format version. */
  version: 1;
  endpoint: string;
  bucket: string;
  /** The BSL prefix as configured ('' = none). */
  prefix: string;
  region?: string;
  /** ISO time the collection started. */
  collectedAt: string;
  /** Set when the bucket could not be read at all; every other field is then empty. */
  unreadable?: string;
  topLevel?: TopLevelListing;
  backups: BackupInBucket[];
  kopia: {
    /** Namespaces that have a `kopia/<ns>/` folder (one delimiter listing). */
    namespacesInBucket?: string[];
    listError?: ProbeError;
    repositories: KopiaRepositoryInBucket[];
  };
  lifecycle?: LifecycleSetting;
  versioning?: VersioningSetting;
  objectLock?: ObjectLockSetting;
  policy?: PolicySetting;
  anonymous: AnonymousProbe[];
  /** Signed S3 requests made (retries included): bounded by backups and namespaces, not bucket size. */
  requestCount: number;
  /** Things a person should read that are not errors (e.g. a listing capped). */
  notes: string[];
}

/** Velero's six top-level directories (docs/velero-facts.md §1, `object_store_layout.go`). */
export const VELERO_TOP_LEVEL_DIRS = ['backups', 'restores', 'restic', 'metadata', 'plugins', 'kopia'] as const;
