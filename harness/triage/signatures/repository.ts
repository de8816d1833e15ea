/**
 * Failure signatures of backup repositories (VV-REPO-…): the Kopia / restic repository between
 * file-system backup and the bucket.
 * Part of the registry assembled in harness/triage/signatures.ts, which says how entries are written.
 */
import type { Signature } from './types.ts';
import { REPOSITORY_LAYER } from './markers.ts';

export const REPOSITORY_SIGNATURES: readonly Signature[] = [
  {
    code: 'VV-REPO-001',
    item: 'beyond.repository',
    severity: 'error',
    title: 'repository not initialised',
    needles: ['repository not initialized'],
    patterns: [/repository not initialized in the provided storage/],
    cause: 'The Kopia repository is missing from the bucket although Velero expects one (the namespace\'s data under kopia/ was deleted, e.g. by a bucket lifecycle rule, or another bucket or prefix is configured).',
    fix: 'Delete the stale BackupRepository (`kubectl -n velero delete backuprepositories <name>`) so Velero initialises a new repository on the next backup, and make sure no bucket lifecycle rule reaches `kopia/`.',
  },
  {
    code: 'VV-REPO-002',
    item: 'beyond.repository',
    severity: 'error',
    title: 'repository not ready',
    needles: ['repository is not ready', 'failed to wait BackupRepository', 'backup repository not provisioned'],
    patterns: [
      /(?:backup|restic) repository is not ready/,
      /failed to wait BackupRepository, (?<why>timeout exceeded|errored early)/,
      /backup repository not provisioned/,
    ],
    phases: { kind: 'BackupRepository', phases: ['NotReady'] },
    fallback: true,
    cause: 'The backup repository {name|} is not Ready, so file-system backups into it fail.',
    fix: 'Read the BackupRepository\'s status.message (`kubectl -n velero get backuprepositories -o yaml`) for the storage error behind it.',
  },
  {
    code: 'VV-REPO-003',
    item: 'beyond.repository',
    severity: 'error',
    title: 'repository maintenance failing',
    needles: ['running repo prune', 'designated user', 'Failed to start maintenance job', 'maintain-job'],
    patterns: [
      /An error occurred when running repo prune/,
      /maintenance must be run by designated user/,
      /Failed to start maintenance job/,
      /^\s*(?:[a-z0-9][a-z0-9-]{0,62}\s+)?(?:pod\/)?(?<pod>\S{1,200}maintain-job\S{0,60})\s+\d+\/\d+\s+(?<status>Error|OOMKilled|CrashLoopBackOff)\s/,
    ],
    cause: 'Repository maintenance (Kopia prune/compaction) fails, so deleted backups are never reclaimed and the index keeps growing.',
    fix: 'Read the maintenance Job\'s log (`kubectl -n velero logs job/<repo>-maintain-job-…`); give it enough memory (`--maintenance-job-mem-limit`, chart `configuration.repositoryMaintenanceJob`) and fix the repository error it reports.',
  },
  {
    code: 'VV-REPO-004',
    item: 'beyond.repository',
    severity: 'warning',
    title: 'too many index blobs',
    needles: ['too many index blobs'],
    patterns: [/Found too many index blobs \((?<count>\d{1,12})\)/],
    cause: 'The Kopia repository has {count} index blobs: maintenance has not been compacting it, which slows every backup and can make the node agent run out of memory.',
    fix: 'Make repository maintenance run and succeed (check the maintain-job logs and memory limit; Velero runs it every `--default-repo-maintain-frequency`).',
  },
  {
    code: 'VV-REPO-005',
    item: 'beyond.repository',
    severity: 'error',
    title: 'repository storage TLS not trusted',
    needles: ['x509: certificate'],
    patterns: [/x509: (?<error>certificate signed by unknown authority|certificate is valid for [^,;"]{1,200}|certificate has expired or is not yet valid)/],
    requires: [REPOSITORY_LAYER],
    cause: 'The repository layer (Kopia/restic) does not trust the object store\'s TLS certificate ({error}), although the BSL itself may work.',
    fix: 'Set the BSL\'s `spec.objectStorage.caCert`: Velero passes it to the repository; with restic before Velero 1.10, also mount the CA into the node-agent/restic pods.',
  },
  {
    code: 'VV-REPO-006',
    item: 'beyond.repository',
    severity: 'error',
    title: 'repository cannot find the bucket region',
    needles: ['region via bucket', "determine bucket's region"],
    patterns: [
      /failed to detect the region via bucket(?:: (?<bucket>[\w.-]{1,63}))?/,
      /unable to determine bucket's region/,
    ],
    cause: 'The repository layer could not detect the region of the bucket {bucket|} (S3-compatible stores often do not answer the region call).',
    fix: 'Set `spec.config.region` of the BackupStorageLocation explicitly (for MinIO, the region MinIO uses, e.g. `minio` or `us-east-1`).',
  },
  {
    code: 'VV-REPO-007',
    item: 'beyond.repository',
    severity: 'error',
    title: 'repository on a read-only BSL',
    needles: ['read-only backup storage location'],
    patterns: [/cannot create new backup repo for read-only backup storage location (?<location>\S{1,253})/],
    cause: 'A new backup repository cannot be created because the backup storage location {location} is ReadOnly.',
    fix: 'Set the BSL\'s `spec.accessMode` to ReadWrite for backups.',
  },
  {
    code: 'VV-REPO-008',
    item: 'beyond.repository',
    severity: 'error',
    title: 'repository password wrong',
    needles: ['invalid repository password'],
    patterns: [/invalid repository password/],
    cause: 'The repository cannot be opened with the password Velero holds (the velero-repo-credentials Secret changed after the repository was created).',
    fix: 'Restore the original `repository-password` in the velero-repo-credentials Secret; a repository created with another password cannot be read with a new one.',
  },
];
