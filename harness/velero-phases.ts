/**
 * Velero phase facts shared by the drill and the judges (docs/velero-facts.md, "Terminal
 * phases"). A Backup or Restore in a terminal phase is finished: Velero will not change it again,
 * so waiting on it ends there, and a judge reads its result. Upstream: the phase constants and
 * their comments in Velero's pkg/apis/velero/v1/backup_types.go (BackupPhase) and
 * pkg/apis/velero/v1/restore_types.go (RestorePhase),
 * https://github.com/vmware-tanzu/velero/tree/main/pkg/apis/velero/v1.
 */

/** A Backup in one of these phases has finished; every other phase (`Deleting` included) has not. */
const TERMINAL_BACKUP_PHASES: ReadonlySet<string> = new Set(['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation']);

/** A Restore in one of these phases has finished. */
const TERMINAL_RESTORE_PHASES: ReadonlySet<string> = new Set(['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation']);

/** Whether a Backup phase (`status.phase`; empty or absent = not yet processed) is terminal. */
export function isTerminalBackupPhase(phase: string | undefined): boolean {
  return TERMINAL_BACKUP_PHASES.has(phase ?? '');
}

/** Whether a Restore phase (`status.phase`; empty or absent = not yet processed) is terminal. */
export function isTerminalRestorePhase(phase: string | undefined): boolean {
  return TERMINAL_RESTORE_PHASES.has(phase ?? '');
}
