/**
 * Velero's object-store layout (docs/velero-facts.md §1, §2) and the pure reductions of what was read:
 * key names, required files, tarball entry names, velero-backup.json and PVB lists.
 */
import { veleroRoot } from '../judge/lifecycle/velero-prefixes.ts';
import type { BackupInBucket, BackupMetadataSummary, BucketPodVolumeBackup, S3ObjectInfo } from './types.ts';

export { veleroRoot };

/** `<p>backups/<name>/` */
export function backupFolder(bslPrefix: string, backupName: string): string {
  return `${veleroRoot(bslPrefix)}backups/${backupName}/`;
}

/** `<p>restores/<name>/`: a Restore's logs and results (removed by the Restore's finalizer). */
export function restoreFolder(bslPrefix: string, restoreName: string): string {
  return `${veleroRoot(bslPrefix)}restores/${restoreName}/`;
}

/** `<p>kopia/<namespace>/` (docs/velero-facts.md §1: one repository per volume namespace). */
export function kopiaFolder(bslPrefix: string, namespace: string): string {
  return `${veleroRoot(bslPrefix)}kopia/${namespace}/`;
}

/**
 * Files `PutBackup` writes for every backup (docs/velero-facts.md §1). `-logs.gz` is best-effort and the
 * `-csi-*` files are not written by v1.18 at all, so neither is required.
 */
export function requiredBackupFiles(backupName: string): string[] {
  return [
    'velero-backup.json',
    `${backupName}.tar.gz`,
    `${backupName}-podvolumebackups.json.gz`,
    `${backupName}-resource-list.json.gz`,
    `${backupName}-results.gz`,
    `${backupName}-volumeinfo.json.gz`,
    `${backupName}-itemoperations.json.gz`,
    `${backupName}-volumesnapshots.json.gz`,
  ];
}

export function logsFile(backupName: string): string {
  return `${backupName}-logs.gz`;
}

/** Derived file facts of a backup folder: required files missing or empty, logs present. */
export function summarizeBackupFiles(backupName: string, folder: string, files: readonly S3ObjectInfo[]): Pick<BackupInBucket, 'missingRequired' | 'emptyRequired' | 'logsPresent'> {
  const sizes = new Map(files.filter((file) => file.key.startsWith(folder)).map((file) => [file.key.slice(folder.length), file.size]));
  const required = requiredBackupFiles(backupName);
  return {
    missingRequired: required.filter((name) => !sizes.has(name)),
    emptyRequired: required.filter((name) => sizes.get(name) === 0),
    logsPresent: sizes.has(logsFile(backupName)),
  };
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : undefined;
}

function numberOr(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** What velero-backup.json says (the Backup CR); counts omitted from JSON are 0 (docs/velero-facts.md §3). */
export function summarizeBackupMetadata(json: Record<string, unknown>): BackupMetadataSummary {
  const spec = (json.spec ?? {}) as Record<string, unknown>;
  const status = (json.status ?? {}) as Record<string, unknown>;
  const metadata = (json.metadata ?? {}) as Record<string, unknown>;
  const out: BackupMetadataSummary = {};
  if (typeof status.phase === 'string') out.phase = status.phase;
  if (typeof metadata.uid === 'string') out.uid = metadata.uid;
  const included = stringList(spec.includedNamespaces);
  if (included) out.includedNamespaces = included;
  if (typeof spec.ttl === 'string') out.ttl = spec.ttl;
  if (typeof spec.storageLocation === 'string') out.storageLocation = spec.storageLocation;
  if (typeof status.startTimestamp === 'string') out.startTimestamp = status.startTimestamp;
  if (typeof status.completionTimestamp === 'string') out.completionTimestamp = status.completionTimestamp;
  out.errors = numberOr(status.errors) ?? 0;
  out.warnings = numberOr(status.warnings) ?? 0;
  return out;
}

/** Reduce the PodVolumeBackup CRs of `-podvolumebackups.json.gz` (docs/velero-facts.md §3 PodVolumeBackup). */
export function reducePodVolumeBackups(items: unknown): BucketPodVolumeBackup[] {
  if (!Array.isArray(items)) return [];
  return items.map((raw) => {
    const item = (raw ?? {}) as Record<string, any>;
    const out: BucketPodVolumeBackup = { name: String(item.metadata?.name ?? '') };
    if (typeof item.spec?.pod?.namespace === 'string') out.podNamespace = item.spec.pod.namespace;
    if (typeof item.spec?.pod?.name === 'string') out.podName = item.spec.pod.name;
    if (typeof item.spec?.volume === 'string') out.volume = item.spec.volume;
    if (typeof item.status?.phase === 'string') out.phase = item.status.phase;
    if (typeof item.spec?.uploaderType === 'string') out.uploaderType = item.spec.uploaderType;
    return out;
  });
}

export type TarEntry =
  | { kind: 'namespaced'; groupResource: string; namespace: string; name: string; path: string }
  | { kind: 'cluster'; groupResource: string; name: string; path: string }
  | { kind: 'versioned'; path: string }
  | { kind: 'version-file'; path: string }
  | { kind: 'other'; path: string };

/**
 * Classify a tarball entry (docs/velero-facts.md §2): `resources/<gr>/namespaces/<ns>/<name>.json`,
 * `resources/<gr>/cluster/<name>.json`, the `<version>[-preferredversion]/` copies, `metadata/version`.
 */
export function classifyTarEntry(rawPath: string): TarEntry {
  const path = rawPath.replace(/^\.\//, '');
  if (path === 'metadata/version') return { kind: 'version-file', path };
  const parts = path.split('/');
  if (parts[0] !== 'resources' || parts.length < 4) return { kind: 'other', path };
  if (parts[2] === 'namespaces' && parts.length === 5 && parts[4].endsWith('.json')) {
    return { kind: 'namespaced', groupResource: parts[1], namespace: parts[3], name: parts[4].slice(0, -'.json'.length), path };
  }
  if (parts[2] === 'cluster' && parts.length === 4 && parts[3].endsWith('.json')) {
    return { kind: 'cluster', groupResource: parts[1], name: parts[3].slice(0, -'.json'.length), path };
  }
  return { kind: 'versioned', path };
}

/** The tarball path of a namespaced core object, e.g. a pod: `resources/pods/namespaces/<ns>/<name>.json`. */
export function tarPathOf(groupResource: string, namespace: string, name: string): string {
  return `resources/${groupResource}/namespaces/${namespace}/${name}.json`;
}
