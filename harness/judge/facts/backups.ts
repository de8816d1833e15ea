/**
 * Backups: their phases, counts, the schedule that made them, and which backups a judge looks at.
 * Pure: no I/O and no clock (times are compared against the `now` a judge receives).
 */
import { type BackupPlan, expects } from '../../plan.ts';
import type { KubeObject, State } from '../../state.ts';
import { isTerminalBackupPhase } from '../../velero-phases.ts';
import { LABELS } from './velero-names.ts';
import { inNamespace, labelOf, newestFirst, relativeTime } from './object-access.ts';
import { selectPlanSchedule } from './plan-objects.ts';

export function backupPhase(backup: KubeObject): string {
  return typeof backup.status?.phase === 'string' ? backup.status.phase : '';
}

/** Finished (harness/velero-phases.ts); everything else is still running or being deleted. */
export function isTerminalBackup(backup: KubeObject): boolean {
  return isTerminalBackupPhase(backupPhase(backup));
}

function scheduleNameOf(backup: KubeObject): string | undefined {
  return labelOf(backup, LABELS.scheduleName);
}

function veleroBackups(state: State, plan: BackupPlan): KubeObject[] {
  return inNamespace(state.objects.backups, plan.namespace);
}

export type ManualBackupSelection =
  | { kind: 'found'; backup: KubeObject; how: string }
  | { kind: 'missing'; name: string }
  | { kind: 'none'; scheduledCount: number };

/**
 * The manual backup to judge: `--backup NAME` when given, else the newest backup that no
 * Schedule created (no label velero.io/schedule-name, docs/velero-facts.md §3 Schedule).
 */
export function selectManualBackup(state: State, plan: BackupPlan, backupName?: string): ManualBackupSelection {
  const backups = veleroBackups(state, plan);
  if (backupName) {
    const named = backups.find((backup) => backup.metadata.name === backupName);
    return named ? { kind: 'found', backup: named, how: `named by --backup ${backupName}` } : { kind: 'missing', name: backupName };
  }
  const manual = newestFirst(backups.filter((backup) => !scheduleNameOf(backup)));
  if (manual.length === 0) return { kind: 'none', scheduledCount: backups.length };
  return { kind: 'found', backup: manual[0], how: `the newest backup without label ${LABELS.scheduleName} (${manual.length} manual backup${manual.length === 1 ? '' : 's'})` };
}

/** Backups created by the Schedule `scheduleName`, newest first. */
export function scheduledBackups(state: State, plan: BackupPlan, scheduleName: string): KubeObject[] {
  return newestFirst(veleroBackups(state, plan).filter((backup) => scheduleNameOf(backup) === scheduleName));
}

/** The name of the schedule whose backups count: the selected schedule, else none. */
export function planScheduleName(state: State, plan: BackupPlan): string | undefined {
  return selectPlanSchedule(state, plan).object?.metadata.name ?? (expects(plan, 'schedule') ? plan.schedule.name : undefined);
}

/** The newest Completed backup of the plan's schedule (of any schedule when none is selected). */
function newestCompletedScheduledBackup(state: State, plan: BackupPlan): KubeObject | undefined {
  const name = planScheduleName(state, plan);
  const candidates = name ? scheduledBackups(state, plan, name) : newestFirst(veleroBackups(state, plan).filter((backup) => scheduleNameOf(backup)));
  return candidates.find((backup) => backupPhase(backup) === 'Completed');
}

export interface BackupToCover {
  role: 'manual' | 'scheduled';
  backup: KubeObject;
}

/**
 * The backups whose volumes must be covered: the manual backup (same choice as
 * dod.manual-backup) and the newest Completed backup of the plan's schedule.
 */
export function backupsToCover(state: State, plan: BackupPlan, backupName?: string): BackupToCover[] {
  const result: BackupToCover[] = [];
  const manual = selectManualBackup(state, plan, backupName);
  if (manual.kind === 'found') result.push({ role: 'manual', backup: manual.backup });
  const scheduled = newestCompletedScheduledBackup(state, plan);
  if (scheduled && !result.some((entry) => entry.backup === scheduled)) result.push({ role: 'scheduled', backup: scheduled });
  return result;
}

/** Counts are omitted from JSON when 0 (omitempty, docs/velero-facts.md §3): missing means 0. */
export function backupCounts(backup: KubeObject): { errors: number; warnings: number; itemsBackedUp?: number; totalItems?: number } {
  const status = backup.status ?? {};
  return {
    errors: Number(status.errors ?? 0),
    warnings: Number(status.warnings ?? 0),
    itemsBackedUp: status.progress?.itemsBackedUp,
    totalItems: status.progress?.totalItems,
  };
}

/** "Backup verification-test: status.phase=Completed, errors=0, warnings=1, progress=812/812 items". */
export function backupStatusLine(backup: KubeObject): string {
  const counts = backupCounts(backup);
  const progress = counts.totalItems !== undefined || counts.itemsBackedUp !== undefined ? `, progress=${counts.itemsBackedUp ?? 0}/${counts.totalItems ?? 0} items` : '';
  return `Backup ${backup.metadata.name}: status.phase=${backupPhase(backup) || '(empty)'}, errors=${counts.errors}, warnings=${counts.warnings}${progress}`;
}

/** Times and settings of a backup, one line. */
export function backupTimesLine(backup: KubeObject, now: Date): string {
  const status = backup.status ?? {};
  const parts = [`created ${backup.metadata.creationTimestamp ?? '(unknown)'}`];
  if (status.startTimestamp) parts.push(`started ${status.startTimestamp}`);
  if (status.completionTimestamp) parts.push(`completed ${status.completionTimestamp} (${relativeTime(now, status.completionTimestamp)})`);
  if (backup.spec?.ttl) parts.push(`spec.ttl=${backup.spec.ttl}`);
  if (status.expiration) parts.push(`expires ${status.expiration}`);
  if (backup.spec?.storageLocation) parts.push(`storageLocation=${backup.spec.storageLocation}`);
  return `Backup ${backup.metadata.name}: ${parts.join(', ')}`;
}
