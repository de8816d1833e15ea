/**
 * Failure signatures of Backups (VV-BKP-…): a backup that failed, failed partly, was refused
 * or never finished.
 * Part of the registry assembled in harness/triage/signatures.ts, which says how entries are written.
 */
import type { Signature } from './types.ts';

export const BACKUP_SIGNATURES: readonly Signature[] = [
  {
    code: 'VV-BKP-001',
    item: 'dod.manual-backup',
    severity: 'error',
    title: 'backup Failed',
    phases: { kind: 'Backup', phases: ['Failed'] },
    cause: 'The backup {name|} ended Failed: Velero stopped before writing a complete backup (usually the BSL, a crash or a rejected request; Errors may still count 0).',
    fix: 'Read `velero backup logs {name|<backup>}` and `status.failureReason` (`kubectl -n velero get backup {name|<backup>} -o yaml`); fix that, then run a new backup.',
  },
  {
    code: 'VV-BKP-002',
    item: 'dod.manual-backup',
    severity: 'error',
    title: 'backup PartiallyFailed',
    phases: { kind: 'Backup', phases: ['PartiallyFailed', 'WaitingForPluginOperationsPartiallyFailed', 'FinalizingPartiallyFailed'] },
    cause: 'The backup {name|} ended {phase|PartiallyFailed}: some items or volumes were not backed up (items backed up equal to the total does not mean the volumes are in it).',
    fix: 'List the errors with `velero backup describe {name|<backup>} --details` and `velero backup logs {name|<backup>} | grep -E "level=error"`; fix each, then run a new backup.',
  },
  {
    code: 'VV-BKP-003',
    item: 'dod.manual-backup',
    severity: 'error',
    title: 'backup FailedValidation',
    phases: { kind: 'Backup', phases: ['FailedValidation'] },
    cause: 'The backup {name|} was refused before it started (FailedValidation): its spec names something that does not exist or is not allowed.',
    fix: 'Read `Validation errors` in `velero backup describe {name|<backup>}` (e.g. an unknown or Unavailable storage location) and create the backup again with a valid spec.',
  },
  {
    code: 'VV-BKP-004',
    item: 'dod.manual-backup',
    severity: 'error',
    title: 'backup stuck New',
    phases: { kind: 'Backup', phases: ['New'] },
    cause: 'The backup {name|} is still New: no velero server picked it up (the server is not running, or watches another namespace).',
    fix: 'Check `kubectl -n velero get deploy/velero` and its log; the Backup must be in the namespace the server runs in.',
  },
  {
    code: 'VV-BKP-005',
    item: 'dod.manual-backup',
    severity: 'warning',
    title: 'backup not finished',
    phases: { kind: 'Backup', phases: ['InProgress', 'WaitingForPluginOperations', 'Finalizing'] },
    cause: 'The backup {name|} is {phase|InProgress}, not Completed: it is still running or stuck (typically waiting for PodVolumeBackups or plugin operations).',
    fix: 'Watch it with `velero backup describe {name|<backup>} --details`; if it does not move, look at the PodVolumeBackups (`kubectl -n velero get podvolumebackups -l velero.io/backup-name={name|<backup>}`) and the node-agent logs. A server restart marks it Failed.',
  },
  {
    code: 'VV-BKP-006',
    item: 'dod.manual-backup',
    severity: 'warning',
    title: 'backup queued',
    phases: { kind: 'Backup', phases: ['Queued', 'ReadyToStart'] },
    cause: 'The backup {name|} is {phase|Queued} (Velero 1.18+): it waits for a free backup worker and has not started.',
    fix: 'Wait for the backups ahead of it (QUEUE POSITION in `velero backup get`), or raise the server\'s concurrent-backup limit; if the queue never moves, a backup ahead of it is stuck InProgress.',
  },
  {
    code: 'VV-BKP-007',
    item: 'dod.manual-backup',
    severity: 'error',
    title: 'backup failed by a server restart',
    needles: ['during the server starting'],
    patterns: [/found a backup with status \\?"(?<phase>\w{1,40})\\?" during the server starting, mark it as \\?"Failed\\?"/],
    cause: 'The velero server restarted while the backup was {phase|InProgress}, and a restarted server marks such backups Failed.',
    fix: 'Find why the server restarted (OOMKilled? `kubectl -n velero describe pod -l deploy=velero`, raise its memory limit), then run the backup again.',
  },
];
