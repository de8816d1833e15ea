/**
 * Velero's fixed names, labels and annotations that the judges look objects up by (docs/velero-facts.md §4, §5, §8).
 * Pure: no I/O and no clock (times are compared against the `now` a judge receives).
 */


/** The chart's fixed workload names (docs/velero-facts.md §5). */
export const VELERO_DEPLOYMENT = 'velero';
export const VELERO_CONTAINER = 'velero';
export const NODE_AGENT_DAEMONSET = 'node-agent';
/** Velero's Kopia repository password Secret (docs/velero-facts.md §8). */
export const REPO_CREDENTIALS_SECRET = 'velero-repo-credentials';

export const LABELS = {
  scheduleName: 'velero.io/schedule-name',
  backupName: 'velero.io/backup-name',
  podVolumeBackup: 'velero.io/pod-volume-backup',
  podVolumeRestore: 'velero.io/pod-volume-restore',
  dataUpload: 'velero.io/data-upload',
  dataDownload: 'velero.io/data-download',
  repoName: 'velero.io/repo-name',
  excludeFromBackup: 'velero.io/exclude-from-backup',
} as const;

export const ANNOTATIONS = {
  /** Opt-in list of volume names when defaultVolumesToFsBackup is false. */
  backupVolumes: 'backup.velero.io/backup-volumes',
  /** Opt-out list when defaultVolumesToFsBackup is true. */
  backupVolumesExcludes: 'backup.velero.io/backup-volumes-excludes',
} as const;
