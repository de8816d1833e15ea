/**
 * dod.bsl-available — plan: "`velero backup-location get` shows Available".
 *
 * docs/velero-facts.md §3 (BackupStorageLocation): the phase enum is only Available | Unavailable; the CLI's
 * "Unknown" is an empty phase, i.e. never validated — a failure. Validation runs every
 * `--store-validation-frequency` (default 1m) or spec.validationFrequency and always bumps
 * lastValidationTime, so an old lastValidationTime means the phase is an old verdict:
 * - older than max(10m, 2 × interval): passes with a warning (the server missed a few rounds —
 *   restart, leader change — but the last verdict is recent enough to stand);
 * - older than max(1h, 3 × interval): fails — nothing has checked the bucket for an hour, the
 *   server is most likely not running, and "Available" is no longer evidence.
 * validationFrequency 0 disables validation: the phase is never refreshed (warning).
 */
import { formatDuration, parseGoDuration } from '../duration.ts';
import type { KubeObject } from '../state.ts';
import { fail, pass, type Finding, type Judge, details } from './types.ts';
import { failIfVeleroAbsent } from './facts/workloads.ts';
import { failNoPlanBsl, selectPlanBsl } from './facts/plan-objects.ts';
import { oneLine, relativeTime, timeOf } from './facts/object-access.ts';

const ID = 'dod.bsl-available' as const;
const MINUTE = 60_000;
const DEFAULT_VALIDATION_INTERVAL = MINUTE; // docs/velero-facts.md §3: --store-validation-frequency default 1m
const SUSPICIOUS_FLOOR = 10 * MINUTE;
const STALE_FLOOR = 60 * MINUTE;

export interface ValidationWindow {
  intervalMs: number;
  suspiciousAfterMs: number;
  staleAfterMs: number;
  disabled: boolean;
}

export function validationWindow(bsl: KubeObject): ValidationWindow {
  const configured = typeof bsl.spec?.validationFrequency === 'string' ? parseGoDuration(bsl.spec.validationFrequency) : undefined;
  const disabled = configured === 0;
  const intervalMs = configured && configured > 0 ? configured : DEFAULT_VALIDATION_INTERVAL;
  return {
    intervalMs,
    suspiciousAfterMs: Math.max(SUSPICIOUS_FLOOR, 2 * intervalMs),
    staleAfterMs: Math.max(STALE_FLOOR, 3 * intervalMs),
    disabled,
  };
}

function unavailableRemediation(name: string, namespace: string): string {
  return (
    `Read the reason: kubectl -n ${namespace} get backupstoragelocation ${name} -o jsonpath='{.status.message}' and kubectl -n ${namespace} logs deploy/velero | grep -i "backup-storage-location". ` +
    'Check that spec.config.s3Url is reachable from the cluster, the bucket exists, the credentials in the Secret are valid, and the bucket (or prefix) holds only Velero\'s directories (backups/, restores/, kopia/, …; docs/velero-facts.md §1) — any other top-level directory makes the location Unavailable.'
  );
}

export const judgeBslAvailable: Judge = ({ state, plan, now }) => {
  const expected = `Plan: "\`velero backup-location get\` shows Available" — BackupStorageLocation "${plan.storage.locationName}" has status.phase Available, validated within the last ${formatDuration(SUSPICIOUS_FLOOR)}.`;
  const absent = failIfVeleroAbsent(ID, state, plan, expected);
  if (absent) return absent;
  const selected = selectPlanBsl(state, plan);
  const bsl = selected.object;
  if (!bsl) return failNoPlanBsl(ID, plan, selected, 'Configure configuration.backupStorageLocation in the Helm values (name: default, provider: aws, bucket, default: true, config.s3Url/region/s3ForcePathStyle) and re-deploy; check with velero backup-location get.', expected);

  const name = bsl.metadata.name;
  const phase: string = typeof bsl.status?.phase === 'string' ? bsl.status.phase : '';
  const lastValidation = bsl.status?.lastValidationTime;
  const window = validationWindow(bsl);
  const ageMs = timeOf(lastValidation) !== undefined ? now.getTime() - timeOf(lastValidation)! : undefined;
  const evidence = [
    `BackupStorageLocation ${name} (${selected.how}): status.phase=${phase || '(empty — the CLI shows "Unknown")'}`,
    `lastValidationTime=${lastValidation ?? '(never)'}${lastValidation ? ` (${relativeTime(now, lastValidation)})` : ''}, validation interval ${formatDuration(window.intervalMs)}${bsl.spec?.validationFrequency ? ` (spec.validationFrequency=${bsl.spec.validationFrequency})` : ' (server default)'}`,
  ];
  if (bsl.status?.message) evidence.push(`status.message: ${oneLine(bsl.status.message)}`);
  if (bsl.status?.lastSyncedTime) evidence.push(`lastSyncedTime=${bsl.status.lastSyncedTime} (${relativeTime(now, bsl.status.lastSyncedTime)})`);
  const warnings: string[] = selected.note ? [selected.note] : [];
  if (bsl.spec?.accessMode === 'ReadOnly') warnings.push(`BackupStorageLocation ${name} is ReadOnly: new backups to it end FailedValidation (docs/velero-facts.md §3).`);

  if (phase === 'Unavailable') {
    return fail(ID, `BackupStorageLocation ${name} is Unavailable${bsl.status?.message ? `: ${oneLine(bsl.status.message)}` : ''}`, evidence, unavailableRemediation(name, plan.namespace), details(expected, warnings));
  }
  if (phase !== 'Available') {
    return fail(
      ID,
      `BackupStorageLocation ${name} has never been validated (empty phase; velero backup-location get shows "Unknown")`,
      evidence,
      `The Velero server has not validated this location: check that the server runs (kubectl -n ${plan.namespace} get deploy/velero) and read its log (kubectl -n ${plan.namespace} logs deploy/velero). ${unavailableRemediation(name, plan.namespace)}`,
      details(expected, warnings),
    );
  }
  return judgeAvailableFreshness({ name, namespace: plan.namespace, ageMs, window, evidence, warnings, expected });
};

function judgeAvailableFreshness(input: {
  name: string;
  namespace: string;
  ageMs: number | undefined;
  window: ValidationWindow;
  evidence: string[];
  warnings: string[];
  expected: string;
}): Finding {
  const { name, namespace, ageMs, window, evidence, warnings, expected } = input;
  if (window.disabled) {
    warnings.push(`Validation is disabled (spec.validationFrequency=0): the phase Available is never refreshed and may be outdated.`);
    return pass(ID, `BackupStorageLocation ${name} is Available (validation disabled)`, evidence, details(expected, warnings));
  }
  if (ageMs === undefined) {
    warnings.push('status.lastValidationTime is missing: when the location was last checked is unknown.');
    return pass(ID, `BackupStorageLocation ${name} is Available (last validation time unknown)`, evidence, details(expected, warnings));
  }
  if (ageMs > window.staleAfterMs) {
    return fail(
      ID,
      `BackupStorageLocation ${name} says Available, but the last validation was ${formatDuration(ageMs)} ago (stale beyond ${formatDuration(window.staleAfterMs)})`,
      evidence,
      `Validation runs every ${formatDuration(window.intervalMs)}; a verdict this old means the Velero server is not validating. Check kubectl -n ${namespace} get deploy/velero and kubectl -n ${namespace} logs deploy/velero, then re-run velero backup-location get.`,
      details(expected, warnings),
    );
  }
  if (ageMs > window.suspiciousAfterMs) {
    warnings.push(
      `Suspicious: the last validation was ${formatDuration(ageMs)} ago although validation runs every ${formatDuration(window.intervalMs)}; the server may have restarted or stopped validating.`,
    );
  }
  if (ageMs < -5 * MINUTE) warnings.push(`lastValidationTime lies ${formatDuration(-ageMs)} in the future: the cluster clock and the reference time disagree.`);
  return pass(ID, `BackupStorageLocation ${name} is Available (validated ${formatDuration(Math.max(0, ageMs))} ago)`, evidence, details(expected, warnings));
}
