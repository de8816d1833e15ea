/**
 * Failure signatures of deletion and garbage collection (VV-DEL-…): backups that outlive
 * their TTL.
 * Part of the registry assembled in harness/triage/signatures.ts, which says how entries are written.
 */
import type { Signature } from './types.ts';

export const DELETION_SIGNATURES: readonly Signature[] = [
  {
    code: 'VV-DEL-001',
    item: 'beyond.retention',
    severity: 'warning',
    title: 'backup stuck Deleting',
    phases: { kind: 'Backup', phases: ['Deleting'] },
    cause: 'The backup {name|} is Deleting: its DeleteBackupRequest has not finished (it stays so while the BSL is unavailable or read-only, or a volume snapshot or repository cannot be deleted).',
    fix: 'Read the DeleteBackupRequest\'s status.errors (`kubectl -n velero get deletebackuprequests -o yaml`) and the server log; fix the BSL or repository error it names.',
  },
  {
    code: 'VV-DEL-002',
    item: 'beyond.retention',
    severity: 'error',
    title: 'expired backups not collected',
    needles: ['cannot gc backup', 'cannot be garbage-collected'],
    patterns: [
      /bsl (?<location>\S{1,253}) is unavailable, cannot gc backup/i,
      /Backup cannot be garbage-collected because backup storage location (?<location>\S{1,253}) is currently in read-only mode/,
    ],
    cause: 'Expired backups are not deleted because the backup storage location {location} is unavailable or read-only, so backups outlive their TTL.',
    fix: 'Make the BSL Available and ReadWrite again; garbage collection then deletes the expired backups (every hour by default).',
  },
];
