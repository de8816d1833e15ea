/**
 * The drill's steps, each a small function with its own deadline (deadlines.ts), in the order
 * they run:
 *
 *   preflight → create-canary → write-data → backup → mark-source → restore → verify
 *
 * A step reads and writes the shared DrillRun (drill-run.ts); it throws DrillStepError with the
 * objects diagnostics should show. The runner (run-drill.ts) collects diagnostics when a step
 * fails and cleans up in reverse whatever happens.
 */
import type { BackupPlan } from '../plan.ts';
import type { KubeObject } from '../state.ts';
import { parseGoDuration } from '../duration.ts';
import { describeError } from '../errors.ts';
import type { KubeApi } from '../kube/api.ts';
import { isAborted, isConflict } from '../kube/errors.ts';
import { R, VELERO_GROUP, VELERO_VERSION } from '../kube/resources.ts';
import { waitFor, WaitTimeoutError, type ObjectRef } from '../kube/wait.ts';
import { isTerminalBackupPhase, isTerminalRestorePhase } from '../velero-phases.ts';
import {
  backupManifest,
  isOurs,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  namespaceManifest,
  podManifest,
  POD_NAMES,
  PVC_NAME,
  pvcManifest,
  restoreManifest,
  RUN_ID_LABEL,
  VOLUME_NAME,
  type DrillNames,
} from './canary.ts';
import { stepDeadlineMs } from './deadlines.ts';
import { DrillStepError, phase, type DrillRun } from './drill-run.ts';
import { explainRestore } from './restore-cause.ts';
import { sweepExpiredRuns } from './sweep.ts';
import type { DrillStepName, PodVolumeBackupSummary } from './types.ts';
import { appliedRules, BLOCKING_BACKUP_PHASES, drillPodSecurityLevel, queuesBackups, veleroRelease, type VeleroRelease } from './velero-rules.ts';

function started(object: KubeObject | undefined): boolean {
  return Boolean((object?.status as { startTimestamp?: string } | undefined)?.startTimestamp);
}

export interface DrillStepDefinition {
  name: DrillStepName;
  deadlineMs: (plan: BackupPlan) => number;
  run: (run: DrillRun) => Promise<string | void>;
}

// ---------------------------------------------------------------------------------------------
// preflight: Velero installed, BSL Available, which release, earlier runs swept, Velero idle
// ---------------------------------------------------------------------------------------------

async function preflight(run: DrillRun): Promise<string> {
  const { api, plan, names, signal } = run;
  const bslRef = { type: R.backupStorageLocations, name: plan.storage.locationName, namespace: names.veleroNamespace };
  run.diagnosticRefs = [bslRef];
  if (!(await api.serves({ group: VELERO_GROUP, version: VELERO_VERSION }, { signal }))) {
    throw new DrillStepError('Velero is not installed: the cluster does not serve the velero.io/v1 API');
  }
  const bsl = await api.get(R.backupStorageLocations, plan.storage.locationName, names.veleroNamespace, { signal });
  if (!bsl) throw new DrillStepError(`BackupStorageLocation ${names.veleroNamespace}/${plan.storage.locationName} does not exist`, [bslRef]);
  const bslPhase = phase(bsl);
  run.stepPhase = bslPhase;
  if (bslPhase !== 'Available') {
    const message = (bsl.status as { message?: string } | undefined)?.message;
    // A backup against a BSL that is not Available ends FailedValidation; do not start one.
    throw new DrillStepError(`BackupStorageLocation ${plan.storage.locationName} is ${bslPhase || 'not validated yet (no phase)'}${message ? `: ${message}` : ''}; the drill needs it Available`, [bslRef], bslPhase);
  }
  run.release = await readRelease(run);
  run.result.velero = { ...(run.release.version ? { version: run.release.version } : {}), ...(run.release.image ? { image: run.release.image } : {}), rules: appliedRules(run.release) };
  run.progress(`drill preflight: Velero ${run.release.version ?? '(version unknown)'}; rules applied: ${run.result.velero.rules.join('; ')}`);
  await sweepLeftovers(run);
  const source = await api.get(R.namespaces, names.sourceNamespace, undefined, { signal });
  if (source) throw new DrillStepError(existingCanaryNamespace(source));
  await waitUntilVeleroIsIdle(run);
  if (await api.get(R.namespaces, names.targetNamespace, undefined, { signal })) {
    throw new DrillStepError(`namespace ${names.targetNamespace} already exists; the drill only restores into a fresh namespace (a leftover of an earlier run? run \`npm run audit -- --cleanup\`)`);
  }
  return `BackupStorageLocation ${plan.storage.locationName} is Available`;
}

async function readRelease(run: DrillRun): Promise<VeleroRelease> {
  try {
    return veleroRelease(await run.api.get(R.deployments, 'velero', run.names.veleroNamespace, { signal: run.signal }));
  } catch (error) {
    if (isAborted(error)) throw error;
    run.progress(`drill preflight: the velero Deployment could not be read (${describeError(error)}); applying the rules that hold for every release`);
    return {};
  }
}

/** Leftovers of earlier runs past their own deadline go first (only labelled objects; see sweep.ts). */
async function sweepLeftovers(run: DrillRun): Promise<void> {
  const swept = await sweepExpiredRuns(
    { api: run.api, veleroNamespace: run.names.veleroNamespace, deadlineMs: run.timeout('deletion'), pollMs: run.pollMs, signal: run.signal, onProgress: (line) => run.progress(line), bucket: run.bucket },
    run.plan,
    run.runId,
    run.now(),
  );
  if (swept.runs.length === 0 && swept.problems.length === 0) return;
  run.result.swept = { runs: swept.runs, deleted: swept.deleted, left: swept.left, problems: swept.problems.map((problem) => run.redactor.text(problem)) };
  run.progress(`drill preflight: swept ${swept.deleted.length ? swept.deleted.join(', ') : 'nothing'} of expired run(s) ${swept.runs.join(', ') || '(none)'}${swept.left.length ? `; still left: ${swept.left.join(', ')}` : ''}`);
}

/**
 * Velero runs one backup at a time (1.18 queues the rest, 1.14–1.17 leave them New): a drill
 * Backup created now would wait behind the running one, time out into a false failure and later
 * run against a namespace the drill has deleted. Wait, bounded by the backup deadline, or stop.
 */
async function waitUntilVeleroIsIdle(run: DrillRun): Promise<void> {
  const { api, names } = run;
  const deadlineAt = Date.now() + run.timeout('backup');
  let announced = '';
  for (;;) {
    const backups = (await api.list(R.backups, { namespace: names.veleroNamespace, signal: run.signal })).items;
    const busy = backups.filter((backup) => BLOCKING_BACKUP_PHASES.has(phase(backup) ?? ''));
    if (busy.length === 0) return;
    const described = busy.map((backup) => `${backup.metadata.name} (${phase(backup) || 'no phase yet'}${started(backup) ? `, started ${(backup.status as { startTimestamp: string }).startTimestamp}` : ''})`);
    run.result.busyWith = busy.map((backup) => backup.metadata.name);
    if (described.join() !== announced) {
      announced = described.join();
      run.progress(`drill preflight: waiting for Backup ${described.join(', ')} — Velero runs one backup at a time`);
    }
    if (Date.now() + run.pollMs > deadlineAt) {
      throw new DrillStepError(
        `Velero is busy with Backup ${described.join(', ')}: it runs one backup at a time${queuesBackups(run.release) ? ' (1.18 queues the rest; --concurrent-backups is 1 by default and backups with overlapping namespaces never run together)' : ' (the next one stays New until it has finished)'}, so the drill's Backup would wait behind it. The drill did not create its Backup; run it again when that backup has finished (outside the schedule's window)`,
        busy.map((backup) => ({ type: R.backups, name: backup.metadata.name, namespace: names.veleroNamespace })),
        phase(busy[0]),
      );
    }
    await run.sleep(run.pollMs);
  }
}

// ---------------------------------------------------------------------------------------------
// create-canary, write-data
// ---------------------------------------------------------------------------------------------

async function createCanary(run: DrillRun): Promise<string> {
  const { api, plan, names } = run;
  run.diagnosticRefs = [{ type: R.persistentVolumeClaims, name: PVC_NAME, namespace: names.sourceNamespace }];
  await run.createOwned(R.namespaces, namespaceManifest(names.sourceNamespace, run.runId, drillPodSecurityLevel(run.release))).catch(async (error: unknown) => {
    if (!isConflict(error)) throw error;
    // Created by another run (or someone else) since preflight: say whose it is.
    const existing = await api.get(R.namespaces, names.sourceNamespace, undefined, { signal: run.signal });
    throw existing ? new DrillStepError(existingCanaryNamespace(existing)) : error;
  });
  await run.createOwned(R.persistentVolumeClaims, pvcManifest(plan, names));
  await run.createOwned(R.pods, podManifest(plan, names, 'writer', names.sourceNamespace));
  return `namespace ${names.sourceNamespace} with PVC ${PVC_NAME} and pod ${POD_NAMES.writer}`;
}

async function writeData(run: DrillRun): Promise<string> {
  const { plan, names, expectedSha256 } = run;
  run.diagnosticRefs = [
    { type: R.pods, name: POD_NAMES.writer, namespace: names.sourceNamespace },
    { type: R.persistentVolumeClaims, name: PVC_NAME, namespace: names.sourceNamespace },
  ];
  const line = await run.runPod(names.sourceNamespace, 'writer');
  run.result.writtenSha256 = line.fields.sha256;
  if (line.fields.sha256 !== expectedSha256) {
    throw new DrillStepError(`the writer pod reports sha256 ${line.fields.sha256} but the deterministic canary data has ${expectedSha256}; drill.image must provide POSIX sh, yes, head -c and sha256sum (busybox does)`, run.diagnosticRefs);
  }
  return `${formatBytes(plan.drill.dataSizeBytes)} written, sha256 ${expectedSha256.slice(0, 12)}…`;
}

// ---------------------------------------------------------------------------------------------
// backup: start (maybe queued), run (deadline from its start), PVBs, the canary repository
// ---------------------------------------------------------------------------------------------

async function backup(run: DrillRun): Promise<string> {
  const { api, plan, names, result } = run;
  const ref = { type: R.backups, name: names.backup, namespace: names.veleroNamespace };
  run.diagnosticRefs = [ref];
  result.backupName = names.backup;
  await run.createOwned(R.backups, backupManifest(plan, names));
  // The deadline counts from the backup's start: first wait for Velero to start it (a backup
  // created meanwhile by a Schedule may hold the queue), bounded by the same deadline.
  await waitFor(api, ref, (object) => !object || started(object) || isTerminalBackupPhase(phase(object)), run.waitOptions(run.timeout('backup'), describeBackupProgress)).catch((error) => {
    if (!(error instanceof WaitTimeoutError)) throw error;
    result.backupPhase = phase(error.last);
    run.stepPhase = result.backupPhase;
    const waiting = result.backupPhase
      ? `Velero ${result.backupPhase === 'Queued' ? 'queued it behind another backup' : `left it ${result.backupPhase}`} and never started it`
      : 'the Velero server never processed it (no phase): is the velero Deployment running? is the BackupStorageLocation Available?';
    throw new DrillStepError(`Backup ${names.backup} did not start within ${plan.drill.timeouts.backup}: ${waiting}`, [ref], result.backupPhase);
  });
  const finished = await waitFor(api, ref, (object) => !object || isTerminalBackupPhase(phase(object)), run.waitOptions(run.timeout('backup'), describeBackupProgress)).catch((error) => {
    if (error instanceof WaitTimeoutError) {
      result.backupPhase = phase(error.last);
      run.stepPhase = result.backupPhase;
    }
    throw error;
  });
  if (!finished) throw new DrillStepError(`Backup ${names.backup} disappeared while it ran`, [ref]);
  const status = (finished.status ?? {}) as { phase?: string; errors?: number; warnings?: number; failureReason?: string; validationErrors?: string[] };
  result.backupPhase = status.phase;
  result.backupErrors = status.errors ?? 0; // zero counts are omitted (omitempty)
  result.backupWarnings = status.warnings ?? 0;
  run.stepPhase = status.phase;
  const pvbs = (await api.list(R.podVolumeBackups, { namespace: names.veleroNamespace, labelSelector: `velero.io/backup-name=${names.backup}`, signal: run.signal })).items;
  result.podVolumeBackups = pvbs.map(summarizePvb);
  if (status.phase !== 'Completed' || result.backupErrors > 0) {
    const why = [status.failureReason, ...(status.validationErrors ?? [])].filter(Boolean).join('; ');
    throw new DrillStepError(
      `Backup ${names.backup} ended ${status.phase} with ${result.backupErrors} error(s) and ${result.backupWarnings} warning(s)${why ? `: ${why}` : ''}; see \`velero backup describe ${names.backup} --details\` and \`velero backup logs ${names.backup}\``,
      [ref, ...pvbs.map((pvb) => ({ type: R.podVolumeBackups, name: pvb.metadata.name, namespace: names.veleroNamespace }))],
      status.phase,
    );
  }
  await checkPodVolumeBackups(api, names, pvbs, run.signal);
  await slowDownCanaryMaintenance(run);
  return `Completed with ${pvbs.length} Completed kopia PodVolumeBackup(s)${result.backupWarnings ? ` and ${result.backupWarnings} warning(s)` : ''}`;
}

/**
 * The canary namespace's BackupRepository lives on after the drill (Velero never deletes one)
 * and gets a Kopia maintenance Job every spec.maintenanceFrequency — hourly by default. Once the
 * first backup made it, set the plan's (slower) frequency; Velero keeps a frequency that is set.
 * The only field of a Velero-owned object the drill changes; a failure only costs a note.
 */
async function slowDownCanaryMaintenance(run: DrillRun): Promise<void> {
  const { api, names } = run;
  const wanted = run.plan.drill.repositoryMaintenanceFrequency;
  try {
    const repositories = (await api.list(R.backupRepositories, { namespace: names.veleroNamespace, labelSelector: `velero.io/volume-namespace=${names.sourceNamespace}`, signal: run.signal })).items;
    for (const repository of repositories) {
      const spec = (repository.spec ?? {}) as { volumeNamespace?: string; maintenanceFrequency?: string };
      if (spec.volumeNamespace !== names.sourceNamespace) continue;
      if (parseGoDuration(spec.maintenanceFrequency ?? '') === parseGoDuration(wanted)) continue;
      await api.mergePatch(R.backupRepositories, repository.metadata.name, names.veleroNamespace, { spec: { maintenanceFrequency: wanted } }, { signal: run.signal });
      run.result.repositoryMaintenance = `BackupRepository ${repository.metadata.name}: maintenanceFrequency ${spec.maintenanceFrequency ?? '(default)'} → ${wanted}`;
      run.progress(`drill backup: ${run.result.repositoryMaintenance} (Kopia maintenance of the canary repository runs every ${wanted} instead of hourly)`);
    }
  } catch (error) {
    if (isAborted(error)) throw error;
    run.progress(`drill backup: could not set the canary repository's maintenanceFrequency to ${wanted} (${describeError(error)}); Velero keeps maintaining it at its default (hourly)`);
  }
}

// ---------------------------------------------------------------------------------------------
// mark-source, restore, verify
// ---------------------------------------------------------------------------------------------

async function markSource(run: DrillRun): Promise<string> {
  const { plan, names } = run;
  run.diagnosticRefs = [{ type: R.pods, name: POD_NAMES.marker, namespace: names.sourceNamespace }];
  // The writer holds the (ReadWriteOnce) volume; the marker pod writes the post-backup change.
  await run.deletePodAndWait(names.sourceNamespace, 'writer');
  await run.createOwned(R.pods, podManifest(plan, names, 'marker', names.sourceNamespace));
  await run.runPod(names.sourceNamespace, 'marker');
  return 'marker file written into the source volume after the backup';
}

async function restore(run: DrillRun): Promise<string> {
  const { api, plan, names, result } = run;
  const ref = { type: R.restores, name: names.restore, namespace: names.veleroNamespace };
  run.diagnosticRefs = [ref];
  // A restore always maps into a fresh namespace; refuse if it exists.
  if (await api.get(R.namespaces, names.targetNamespace, undefined, { signal: run.signal })) {
    throw new DrillStepError(`the restore target namespace ${names.targetNamespace} already exists; the drill never restores into an existing namespace`);
  }
  run.created.push({ type: R.namespaces, name: names.targetNamespace });
  result.restoreName = names.restore;
  await run.createOwned(R.restores, restoreManifest(plan, names));
  const finished = await waitFor(api, ref, (object) => !object || isTerminalRestorePhase(phase(object)), run.waitOptions(run.timeout('restore'))).catch(async (error) => {
    if (!(error instanceof WaitTimeoutError)) throw error;
    result.restorePhase = phase(error.last);
    run.stepPhase = result.restorePhase;
    throw await restoreFailure(run, error.message, ref, result.restorePhase);
  });
  if (!finished) throw new DrillStepError(`Restore ${names.restore} disappeared while it ran`, [ref]);
  const status = (finished.status ?? {}) as { phase?: string; errors?: number; warnings?: number; failureReason?: string; validationErrors?: string[] };
  result.restorePhase = status.phase;
  result.restoreErrors = status.errors ?? 0;
  result.restoreWarnings = status.warnings ?? 0;
  run.stepPhase = status.phase;
  if (status.phase !== 'Completed' || result.restoreErrors > 0) {
    const why = [status.failureReason, ...(status.validationErrors ?? [])].filter(Boolean).join('; ');
    throw await restoreFailure(run, `Restore ${names.restore} ended ${status.phase} with ${result.restoreErrors} error(s)${why ? `: ${why}` : ''}; see \`velero restore describe ${names.restore} --details\``, ref, status.phase);
  }
  return `Completed into namespace ${names.targetNamespace}`;
}

/** A restore that did not complete: name the cause from its PodVolumeRestores and the restored pods' init containers. */
async function restoreFailure(run: DrillRun, message: string, ref: ObjectRef, restorePhase?: string): Promise<DrillStepError> {
  const cause = await explainRestore(run.api, run.names.restore, run.names.veleroNamespace, run.names.targetNamespace, run.signal);
  run.result.podVolumeRestores = cause.podVolumeRestores;
  return new DrillStepError(`${message}${cause.lines.length ? ` — ${cause.lines.join('; ')}` : ''}`, [ref, ...cause.refs], restorePhase);
}

async function verify(run: DrillRun): Promise<string> {
  const { plan, names, result, expectedSha256 } = run;
  const verifierRef = { type: R.pods, name: POD_NAMES.verifier, namespace: names.targetNamespace };
  run.diagnosticRefs = [verifierRef, { type: R.persistentVolumeClaims, name: PVC_NAME, namespace: names.targetNamespace }];
  // The restored copy of the writer holds the restored volume; it never writes (see WRITER_SCRIPT).
  await run.deletePodAndWait(names.targetNamespace, 'writer');
  await run.createOwned(R.pods, podManifest(plan, names, 'verifier', names.targetNamespace));
  const line = await run.runPod(names.targetNamespace, 'verifier');
  result.restoredSha256 = line.fields.sha256;
  result.markerPresent = line.fields.marker === 'present';
  if (line.fields.sha256 !== expectedSha256) {
    throw new DrillStepError(
      line.fields.sha256 === 'missing'
        ? `the restored volume has no ${'canary.bin'}: Velero restored the PVC but not its data`
        : `checksum mismatch: restored data has sha256 ${line.fields.sha256} (${line.fields.bytes} bytes), the backed-up data had ${expectedSha256}`,
      run.diagnosticRefs,
    );
  }
  if (result.markerPresent) {
    throw new DrillStepError('the restored volume contains the marker written AFTER the backup: the restore did not come from the backup', run.diagnosticRefs);
  }
  return `sha256 identical (${expectedSha256.slice(0, 12)}…), post-backup marker absent`;
}

/** The steps in order, each with its deadline. */
export const STEPS: DrillStepDefinition[] = (
  [
    ['preflight', preflight],
    ['create-canary', createCanary],
    ['write-data', writeData],
    ['backup', backup],
    ['mark-source', markSource],
    ['restore', restore],
    ['verify', verify],
  ] as const
).map(([name, body]) => ({ name, deadlineMs: (plan: BackupPlan) => stepDeadlineMs(plan, name), run: body }));

/**
 * Why the drill refuses to start when the stable canary namespace exists (it is never touched
 * here): ours → name the run it belongs to (that run may still be going, or it was kept or
 * interrupted: --cleanup removes it); not ours → someone else's namespace, pick another prefix.
 */
export function existingCanaryNamespace(namespace: KubeObject): string {
  const name = namespace.metadata.name;
  if (!isOurs(namespace)) {
    return `namespace ${name} already exists and does not carry the label ${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}: it belongs to someone else and the drill will not use or touch it; choose another drill.namespacePrefix in the plan`;
  }
  const owner = namespace.metadata.labels?.[RUN_ID_LABEL] ?? '(no run id label)';
  const terminating = namespace.metadata.deletionTimestamp ? ' and is still being deleted' : '';
  return `namespace ${name} already exists${terminating}: it belongs to velero-verify run ${owner}. Another run may be in progress — wait for it; otherwise (a run kept with --keep or interrupted) remove its leftovers with \`npm run audit -- --cleanup\``;
}

function summarizePvb(pvb: KubeObject): PodVolumeBackupSummary {
  const spec = (pvb.spec ?? {}) as { volume?: string; pod?: { namespace?: string; name?: string }; uploaderType?: string };
  const status = (pvb.status ?? {}) as { phase?: string; message?: string };
  return {
    name: pvb.metadata.name,
    volume: spec.volume,
    pod: spec.pod ? `${spec.pod.namespace}/${spec.pod.name}` : undefined,
    phase: status.phase,
    uploaderType: spec.uploaderType,
    ...(status.message ? { message: status.message } : {}),
  };
}

/** Exactly one Completed kopia PodVolumeBackup per volume of the canary pod (docs/velero-facts.md §4, §10: count PVBs, not only the phase). */
async function checkPodVolumeBackups(api: KubeApi, names: DrillNames, pvbs: KubeObject[], signal: AbortSignal): Promise<void> {
  const ours = pvbs.filter((pvb) => (pvb.spec as { pod?: { namespace?: string } } | undefined)?.pod?.namespace === names.sourceNamespace);
  const refs = pvbs.map((pvb) => ({ type: R.podVolumeBackups, name: pvb.metadata.name, namespace: names.veleroNamespace }));
  if (ours.length === 0) {
    const pvc = await api.get(R.persistentVolumeClaims, PVC_NAME, names.sourceNamespace, { signal });
    const pvName = (pvc?.spec as { volumeName?: string } | undefined)?.volumeName;
    const pv = pvName ? await api.get(R.persistentVolumes, pvName, undefined, { signal }) : undefined;
    const hostPath = (pv?.spec as { hostPath?: { path?: string } } | undefined)?.hostPath;
    const hint = hostPath
      ? `the canary PVC is bound to PersistentVolume ${pvName}, a hostPath volume (${hostPath.path}); file-system backup silently skips hostPath volumes (docs/velero-facts.md §4). Use a storage class that provisions local or network volumes (drill.storageClassName; for local-path, the PVC annotation volumeType: local needs a provisioner that honours it)`
      : 'check that the node-agent runs on the canary\'s node and that defaultVolumesToFsBackup is honoured';
    throw new DrillStepError(`Backup ${names.backup} is Completed but made no PodVolumeBackup for the canary volume: ${hint}`, [
      { type: R.persistentVolumeClaims, name: PVC_NAME, namespace: names.sourceNamespace },
      ...(pvName ? [{ type: R.persistentVolumes, name: pvName }] : []),
      ...refs,
    ]);
  }
  const forVolume = ours.filter((pvb) => (pvb.spec as { volume?: string }).volume === VOLUME_NAME);
  const problems: string[] = [];
  if (forVolume.length !== 1) problems.push(`expected exactly one PodVolumeBackup for volume "${VOLUME_NAME}", found ${forVolume.length}`);
  for (const pvb of ours) {
    const summary = summarizePvb(pvb);
    if (summary.phase !== 'Completed') problems.push(`PodVolumeBackup ${summary.name} (volume ${summary.volume}) is ${summary.phase ?? 'without phase'}${summary.message ? `: ${summary.message}` : ''}`);
    if (summary.uploaderType !== 'kopia') problems.push(`PodVolumeBackup ${summary.name} used uploader "${summary.uploaderType ?? ''}", expected kopia`);
  }
  if (problems.length) throw new DrillStepError(problems.join('; '), refs);
}

function describeBackupProgress(object: KubeObject | undefined): string {
  if (!object) return 'absent';
  const status = (object.status ?? {}) as { phase?: string; progress?: { totalItems?: number; itemsBackedUp?: number } };
  const items = status.progress?.totalItems ? `, ${status.progress.itemsBackedUp ?? 0}/${status.progress.totalItems} items` : '';
  return `phase ${status.phase ?? 'New'}${items}`;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${bytes} bytes`;
}

