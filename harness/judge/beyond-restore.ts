/**
 * beyond.restore — the plan's final verification skipped the restore ("Restore [SKIPPED]").
 * Decided from the canary drill (harness/drill): pass only when the drill passed, the restored
 * data's sha256 equals the backed-up data's, and the marker written after the backup is absent
 * (Velero's own data-integrity pattern, docs/velero-facts.md §10). Pure: reads context.drill only.
 */
import type { DrillResult } from '../drill/types.ts';
import { fail, pass, skip, type Finding, type JudgeContext } from './types.ts';

const ID = 'beyond.restore' as const;
const EXPECTED =
  'A canary backup (file-system backup with Kopia) restored into a new namespace yields data with an identical sha256, without the change made after the backup.';

const REMEDIATION: Record<string, string> = {
  preflight: 'The drill did not start. Make the BackupStorageLocation Available (velero backup-location get; check the bucket, s3Url and credentials) or remove the leftover namespaces named in the failure (npm run audit -- --cleanup), then run the audit again.',
  'create-canary': 'The canary namespace, PVC or pod could not be created: check the RBAC of the audit credentials (create namespaces, persistentvolumeclaims, pods) and admission policies.',
  'write-data': 'The canary pod did not write its data: check drill.image (POSIX sh, yes, head, sha256sum; busybox works), image pulls, and that the canary PVC binds (drill.storageClassName).',
  backup: 'The canary backup did not complete with one Completed kopia PodVolumeBackup per volume. Read velero backup describe <name> --details and velero backup logs <name>; check the node-agent on the canary\'s node; hostPath volumes are never backed up by file-system backup.',
  'mark-source': 'The post-backup marker could not be written into the source volume: check the canary pod events (volume attach, image pull).',
  restore: 'The restore did not complete. Read velero restore describe <name> --details and velero restore logs <name>; check the node-agent (PodVolumeRestores) and the restore-helper init container.',
  verify: 'The restored data is not the backed-up data. Treat every backup of this setup as unproven until a drill passes: check the PodVolumeRestores of the drill restore and the node-agent logs in the diagnostics.',
};

function evidenceOf(drill: DrillResult): string[] {
  const evidence: string[] = [];
  if (drill.backupName) evidence.push(`Backup ${drill.backupName}: status.phase = ${drill.backupPhase ?? '(none)'}, errors = ${drill.backupErrors ?? 0}, warnings = ${drill.backupWarnings ?? 0}`);
  if (drill.podVolumeBackups) {
    const pvbs = drill.podVolumeBackups.map((pvb) => `${pvb.name} (volume ${pvb.volume ?? '?'}, ${pvb.uploaderType || 'no uploader'}, ${pvb.phase ?? 'no phase'})`);
    evidence.push(`PodVolumeBackups for ${drill.expectedVolumes?.length ?? 1} volume(s): ${pvbs.length ? pvbs.join(', ') : 'none'}`);
  }
  if (drill.restoreName) evidence.push(`Restore ${drill.restoreName} → namespace ${drill.targetNamespace}: status.phase = ${drill.restorePhase ?? '(none)'}, errors = ${drill.restoreErrors ?? 0}`);
  if (drill.expectedSha256) evidence.push(`sha256 backed up: ${drill.expectedSha256}${drill.dataSizeBytes ? ` (${drill.dataSizeBytes} bytes)` : ''}`);
  if (drill.restoredSha256) evidence.push(`sha256 restored:  ${drill.restoredSha256}`);
  if (drill.markerPresent !== undefined) evidence.push(`post-backup marker in the restored volume: ${drill.markerPresent ? 'PRESENT' : 'absent'}`);
  for (const step of drill.steps) {
    if (step.status !== 'skipped') evidence.push(`step ${step.name}: ${step.status}${step.phase ? ` (phase ${step.phase})` : ''}${step.detail ? ` — ${step.detail}` : ''}`);
  }
  return evidence;
}

function cleanupWarnings(drill: DrillResult): string[] {
  const cleanup = drill.cleanup;
  if (!cleanup) return [];
  const warnings: string[] = [];
  if (cleanup.status === 'kept') warnings.push(`--keep: the drill's objects were left in place: ${cleanup.left.join(', ')}. Remove them with npm run audit -- --cleanup.`);
  if (cleanup.status === 'incomplete') warnings.push(`The drill's cleanup is incomplete; left: ${cleanup.left.join(', ')}. Run npm run audit -- --cleanup.`);
  for (const problem of cleanup.problems) warnings.push(`Cleanup: ${problem}`);
  return warnings;
}

export function judgeRestore(context: JudgeContext): Finding {
  const drill = context.drill;
  if (!drill) return skip(ID, 'The restore drill did not run (--read-only).');
  if (drill.status === 'not-run') return skip(ID, `The restore drill did not run: ${drill.reason ?? 'no reason given'}.`, evidenceOf(drill));

  const evidence = evidenceOf(drill);
  const warnings = cleanupWarnings(drill);
  const checksumsEqual = drill.expectedSha256 !== undefined && drill.restoredSha256 === drill.expectedSha256;
  if (drill.status === 'passed' && checksumsEqual && drill.markerPresent === false) {
    return pass(ID, `Canary backup ${drill.backupName} restored into ${drill.targetNamespace}: sha256 identical, post-backup marker absent`, evidence, {
      expected: EXPECTED,
      ...(warnings.length ? { warnings } : {}),
    });
  }

  const step = drill.failedStep ?? (drill.status === 'passed' ? 'verify' : 'unknown');
  if (drill.diagnostics) {
    const d = drill.diagnostics;
    evidence.push(`diagnostics (collected before cleanup): ${d.summary}`);
    for (const object of d.objects) evidence.push(`object ${object.ref} (YAML in the report's drill section)`);
    for (const event of d.events.slice(-8)) evidence.push(`event: ${event}`);
    for (const log of d.logs) evidence.push(`log tail: ${log.source} (${log.tail.split('\n').filter(Boolean).length} lines)`);
  }
  let summary: string;
  if (drill.interrupted) summary = `The restore drill was interrupted (${drill.interrupted}) during ${step}`;
  else if (drill.status === 'passed') summary = 'The drill reported success but the checksums or the marker do not prove the restore';
  else summary = `The restore drill failed at ${step}: ${drill.reason ?? 'no reason recorded'}`;
  const dataMismatch = step === 'verify' && drill.restoredSha256 !== undefined && (!checksumsEqual || drill.markerPresent === true);
  return fail(
    ID,
    summary,
    evidence,
    drill.interrupted ? 'The drill was stopped before it could prove the restore; run the audit again and let it finish.' : (REMEDIATION[step] ?? REMEDIATION.verify),
    { expected: EXPECTED, ...(warnings.length ? { warnings } : {}), ...(dataMismatch ? { critical: true } : {}) },
  );
}
