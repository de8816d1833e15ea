/**
 * One backup's folder in the bucket (`backups/<name>/`): its listing, velero-backup.json, the
 * PodVolumeBackup and resource lists, and the namespaces and entries of its tarball.
 */
import { backupFolder, reducePodVolumeBackups, summarizeBackupFiles, summarizeBackupMetadata } from './layout.ts';
import { recorded, type BucketReader } from './reader.ts';
import type { BackupInBucket } from './types.ts';

export function uniqueSorted(values: Iterable<string>): string[] {
  return [...new Set([...values].filter((value) => value !== ''))].sort();
}

/** Read one backup folder: listing, velero-backup.json, PVB list, resource list, tarball entries. */
export async function readBackup(reader: BucketReader, prefix: string, name: string, volumeNamespaces: readonly string[]): Promise<BackupInBucket> {
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
