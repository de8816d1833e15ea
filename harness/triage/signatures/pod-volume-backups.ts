/**
 * Failure signatures of file-system backup (VV-PVB-…): PodVolumeBackups and data mover uploads
 * whose volume data did not reach the backup.
 * Part of the registry assembled in harness/triage/signatures.ts, which says how entries are written.
 */
import type { Signature } from './types.ts';

export const POD_VOLUME_BACKUP_SIGNATURES: readonly Signature[] = [
  {
    code: 'VV-PVB-001',
    item: 'beyond.volume-coverage',
    severity: 'error',
    title: 'pod volume backup failed',
    needles: ['pod volume backup failed', 'Failed to run data path service for PVB', 'timed out waiting for all PodVolumeBackups'],
    patterns: [
      /pod volume backup failed: (?<reason>(?:[^"\\]|\\.){1,300})/,
      /Failed to run data path service for PVB (?<pvb>\S{1,253})/,
      /timed out waiting for all PodVolumeBackups to complete/,
    ],
    phases: { kind: 'PodVolumeBackup', phases: ['Failed'] },
    supersededBy: ['VV-PVB-002'],
    cause: 'A PodVolumeBackup {name|} failed, so that volume\'s data is not in the backup (reason: {reason|not shown}).',
    fix: 'Read the PodVolumeBackup\'s status.message (`kubectl -n velero get podvolumebackups -o yaml`) and the node-agent log on that pod\'s node; the real error (permissions, repository, disk) is there.',
  },
  {
    code: 'VV-PVB-002',
    item: 'beyond.volume-coverage',
    severity: 'error',
    title: 'pod volume backup canceled',
    needles: ['canceled', 'mark it as cancel'],
    patterns: [
      /pod volume backup canceled/,
      /PVB is canceled/,
      /data path backup canceled/,
      /found a PVB (?<pvb>\S{1,253}) with expose error: .{0,300}mark it as cancel/,
      /PVB is in status \\?"(?<phase>\w{1,40})\\?" during the velero server starting, mark it as cancel/,
    ],
    phases: { kind: 'PodVolumeBackup', phases: ['Canceled'] },
    cause: 'A PodVolumeBackup was canceled (node-agent restart, server restart, expose timeout or the backup being deleted), so that volume\'s data is not in the backup.',
    fix: 'Look in the node-agent log of the pod\'s node at the time of the cancel for the error that preceded it (e.g. permission denied, OOMKilled), fix it and back up again.',
  },
  {
    code: 'VV-PVB-003',
    item: 'beyond.volume-coverage',
    severity: 'error',
    title: 'volume not backed up: repository not ready',
    needles: ['repository is not ready', 'failed to wait BackupRepository'],
    patterns: [/(?:Error backing up item|pod volume backup).{0,400}?(?:backup repository is not ready|restic repository is not ready|failed to wait BackupRepository)/],
    cause: 'The pod\'s volumes were not backed up because the backup repository for its namespace was not ready.',
    fix: 'Fix the repository first (see the repository finding), then run the backup again.',
  },
  {
    code: 'VV-PVB-004',
    item: 'beyond.volume-coverage',
    severity: 'warning',
    title: 'volume skipped',
    needles: ['skipping'],
    patterns: [
      /[Vv]olume (?<volume>\S{1,253}) in pod (?<pod>\S{1,253}) is a hostPath volume which is not supported for pod volume backup, skipping/,
      /volume (?<volume>\S{1,253}) is declared in pod (?<pod>\S{1,253}) but not mounted by any container, skipping/,
      /volume (?<volume>\S{1,253}) declared in pod (?<pod>\S{1,253}) is a block volume\. Block volumes are not supported for fs backup, skipping/,
    ],
    distinctBy: ['volume', 'pod'],
    cause: 'Volume {volume} of pod {pod} was skipped by the file-system backup (hostPath, block or unmounted volume): its data is not in the backup although the backup may show Completed.',
    fix: 'Put data that must be backed up on a PersistentVolume the node agent can read (not hostPath/local-path; e.g. a CSI volume), or back it up with CSI snapshots; unmounted volumes need a container that mounts them.',
  },
  {
    code: 'VV-PVB-005',
    item: 'beyond.volume-coverage',
    severity: 'error',
    title: 'pod not on a node',
    needles: ['node name is empty'],
    patterns: [/(?:Error backing up item|pod volume backup).{0,300}?node name is empty/],
    cause: 'A pod with volumes to back up was not scheduled on a node (Pending), so the node agent could not back up its volumes.',
    fix: 'Make the pod run (`kubectl describe pod` shows why it is Pending) or exclude it from the backup; file-system backup reads volumes through a running pod.',
  },

  {
    code: 'VV-PVB-006',
    item: 'beyond.volume-coverage',
    severity: 'error',
    title: 'data mover upload failed',
    needles: ['service for DataUpload', 'found a du ', 'Dataupload is in status'],
    patterns: [
      /Failed to run data path service for DataUpload (?<du>\S{1,253})/,
      /found a du (?<du>\S{1,253}) with expose error: .{0,300}mark it as cancel/,
      /Dataupload is in status \\?"(?<phase>\w{1,40})\\?" during the velero server starting, mark it as cancel/,
    ],
    cause: 'A data mover upload (DataUpload {du|}) failed or was canceled, so that volume\'s snapshot data is not in the backup.',
    fix: 'Read the DataUpload\'s status.message (`kubectl -n velero get datauploads -o yaml`) and the node-agent log of the node that ran it; check the snapshot class and that the node agent runs on that node.',
  },
];
