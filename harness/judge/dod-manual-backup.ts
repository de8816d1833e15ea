/**
 * dod.manual-backup — plan: "Manual backup completes successfully"
 * (`velero backup create verification-test --wait`, expected "Phase: Completed").
 *
 * docs/velero-facts.md §3 (Backup): only `Completed` is success. `PartiallyFailed` is a failure even when
 * every item was backed up (a failed PodVolumeBackup makes it so: the volume data is missing);
 * `Failed` and `FailedValidation` are failures even with errors=0 (the reason is in
 * failureReason / validationErrors). Warnings on a Completed backup do not fail it. Counts are
 * omitted when 0 (omitempty): missing means 0. Any other phase is not finished.
 *
 * Which backup is "the manual backup" needs the backups listed in full (harness/judge/facts/listing.ts):
 * the newest one without a schedule label. A paste lists only the backups it printed, and a
 * `velero backup get` row carries no labels, so there every backup shown is judged instead (the
 * ones being deleted are beyond.retention's); `--backup NAME` still names the one to judge.
 */
import type { KubeObject } from '../state.ts';
import { fail, pass, skip, type Finding, type Judge, details } from './types.ts';
import { backupCounts, backupPhase, backupStatusLine, backupTimesLine, selectManualBackup } from './facts/backups.ts';
import { inNamespace, readGapFor } from './facts/object-access.ts';
import { listedInFull } from './facts/listing.ts';
import { NOT_SHOWN_PREFIX } from '../evidence/shown.ts';
import { failIfVeleroAbsent } from './facts/workloads.ts';
import { LABELS } from './facts/velero-names.ts';

const ID = 'dod.manual-backup' as const;
const EXPECTED = 'Plan: "Manual backup completes successfully" — `velero backup create verification-test --wait` ends with Phase: Completed.';

function describeCommand(name: string, namespace: string): string {
  return `velero -n ${namespace} backup describe ${name} --details`;
}

function judgeBackupOutcome(backup: KubeObject, evidence: string[], namespace: string, now: Date): Finding {
  const name = backup.metadata.name;
  const phase = backupPhase(backup);
  const counts = backupCounts(backup);
  const status = backup.status ?? {};
  const reasons: string[] = [];
  if (status.failureReason) reasons.push(`failureReason: ${status.failureReason}`);
  for (const error of (status.validationErrors ?? []) as string[]) reasons.push(`validationError: ${error}`);
  const all = [...evidence, ...reasons.map((reason) => `Backup ${name}: ${reason}`)];
  const logs = `velero -n ${namespace} backup logs ${name} | grep -iE 'level=(error|warning)'`;

  switch (phase) {
    case 'Completed': {
      const warnings = counts.warnings > 0 ? [`Backup ${name} completed with ${counts.warnings} warning(s); read them with ${describeCommand(name, namespace)}.`] : [];
      return pass(ID, `Backup ${name} is Completed (errors=0, warnings=${counts.warnings})`, all, details(EXPECTED, warnings));
    }
    case 'PartiallyFailed':
      return fail(
        ID,
        `Backup ${name} is PartiallyFailed with ${counts.errors} error(s)${counts.totalItems !== undefined ? ` (${counts.itemsBackedUp ?? 0}/${counts.totalItems} items backed up)` : ''}`,
        all,
        `PartiallyFailed is not a successful backup: some items or volume data are missing. Read the errors with ${describeCommand(name, namespace)} and ${logs}; failed PodVolumeBackups show in kubectl -n ${namespace} get podvolumebackups -l velero.io/backup-name=${name}. Fix the cause and run velero backup create <new-name> --wait again.`,
        { expected: EXPECTED },
      );
    case 'Failed':
      return fail(
        ID,
        `Backup ${name} Failed${status.failureReason ? `: ${status.failureReason}` : ''}`,
        all,
        `The backup did not produce a usable result. Read ${logs} and kubectl -n ${namespace} logs deploy/velero; fix the cause (often the storage location or credentials) and run velero backup create <new-name> --wait again.`,
        { expected: EXPECTED },
      );
    case 'FailedValidation':
      return fail(
        ID,
        `Backup ${name} failed validation${status.validationErrors?.length ? `: ${(status.validationErrors as string[]).join('; ')}` : ''}`,
        all,
        'Velero refused to start the backup. Fix what status.validationErrors names — most often the storage location is not Available or ReadOnly (velero backup-location get) or a flag is invalid — then create the backup again.',
        { expected: EXPECTED },
      );
    case 'Deleting':
      return fail(ID, `Backup ${name} is being deleted`, all, 'Create a new manual backup (velero backup create verification-test-2 --wait) and judge it with --backup.', { expected: EXPECTED });
    default:
      return fail(
        ID,
        `Backup ${name} has not finished (status.phase=${phase || '(empty: not yet picked up by the server)'})`,
        all,
        `Wait for the backup to finish (velero -n ${namespace} backup get ${name}) and audit again; if it stays in ${phase || 'an empty phase'}, check that the velero Deployment runs and read kubectl -n ${namespace} logs deploy/velero. Started ${backup.status?.startTimestamp ?? 'never'}, reference time ${now.toISOString()}.`,
        { expected: EXPECTED },
      );
  }
}

const isBeingDeleted = (backup: KubeObject) => backupPhase(backup) === 'Deleting' || backup.metadata.deletionTimestamp !== undefined;

function shownBackupLine(backup: KubeObject): string {
  const status = backup.status ?? {};
  return `Backup ${backup.metadata.name}: ${backupPhase(backup) || 'New (empty phase)'}${status.errors !== undefined ? `, errors=${status.errors}` : ''}${status.warnings !== undefined ? `, warnings=${status.warnings}` : ''}`;
}

/** Backups not listed in full: every backup shown must be Completed; which one is the manual backup is not shown. */
function judgeShownBackups(all: KubeObject[], gap: string | undefined): Finding {
  if (all.length === 0) return skip(ID, gap ? `The Backups could not be read: ${gap}` : `${NOT_SHOWN_PREFIX}: no Backup is shown.`);
  const deleting = all.filter(isBeingDeleted);
  const backups = all.filter((backup) => !isBeingDeleted(backup));
  if (backups.length === 0) return skip(ID, `Only backups being deleted are shown (${deleting.map((b) => b.metadata.name).join(', ')}); their outcome is not shown.`);
  const evidence = backups.map(shownBackupLine);
  const notCompleted = backups.filter((backup) => backupPhase(backup) !== 'Completed');
  if (notCompleted.length === 0) return pass(ID, `${backups.length === 1 ? `Backup ${backups[0].metadata.name} is` : `All ${backups.length} backups shown are`} Completed`, evidence);
  const phases = [...new Set(notCompleted.map((backup) => backupPhase(backup) || 'New'))];
  const stuck = phases.some((phase) => ['New', 'InProgress', 'Queued', 'ReadyToStart'].includes(phase));
  return fail(
    ID,
    `${notCompleted.length} backup(s) shown did not complete: ${notCompleted.map((backup) => `${backup.metadata.name} is ${backupPhase(backup) || 'New'}`).join('; ')}`,
    evidence,
    `Read the errors with velero backup describe <name> --details and velero backup logs <name>.${stuck ? ' A backup that stays New means the velero server is not running (kubectl -n velero get pods); one that stays InProgress is waiting for PodVolumeBackups or plugin operations (kubectl -n velero get podvolumebackups -l velero.io/backup-name=<name>).' : ''} Fix the cause and run the backup again.`,
  );
}

export const judgeManualBackup: Judge = ({ state, plan, now, backupName }) => {
  if (!backupName && !listedInFull(state, 'backups')) return judgeShownBackups(inNamespace(state.objects.backups, plan.namespace), readGapFor(state, 'backups'));
  // "Not installed" needs the Deployment listed in full: a paste that lists only backups says nothing of it.
  const absent = listedInFull(state, 'deployments') ? failIfVeleroAbsent(ID, state, plan, EXPECTED) : undefined;
  if (absent) return absent;
  const selection = selectManualBackup(state, plan, backupName);
  if (selection.kind === 'missing') {
    return fail(
      ID,
      `Backup ${selection.name} (named with --backup) does not exist in namespace ${plan.namespace}`,
      [`Backups in ${plan.namespace}: ${state.objects.backups.map((backup) => backup.metadata.name).join(', ') || '(none)'}`],
      `Check the name (velero -n ${plan.namespace} backup get) or create it: velero backup create ${selection.name} --wait.`,
      { expected: EXPECTED },
    );
  }
  if (selection.kind === 'none') {
    return fail(
      ID,
      'No manual backup found',
      [selection.scheduledCount ? `${selection.scheduledCount} backup(s) in ${plan.namespace}, all created by a Schedule (label ${LABELS.scheduleName})` : `No backup at all in ${plan.namespace}`],
      'Run the plan\'s verification: velero backup create verification-test --wait, then audit again (or pass --backup NAME).',
      { expected: EXPECTED },
    );
  }
  const backup = selection.backup;
  const evidence = [`Judged backup ${backup.metadata.name}: ${selection.how}`, backupStatusLine(backup), backupTimesLine(backup, now)];
  return judgeBackupOutcome(backup, evidence, plan.namespace, now);
};
