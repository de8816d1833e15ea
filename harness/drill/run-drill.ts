/**
 * The canary drill (DESIGN.md §2, §5): the only code that writes to a cluster.
 *
 *   preflight → create-canary → write-data → backup → mark-source → restore → verify
 *   try { steps } catch { diagnostics, before cleanup } finally { collect state; cleanup in reverse }
 *
 * Cleanup runs on success, failure, deadline, SIGINT/SIGTERM and abort; `keep` skips it and says
 * what was kept. Everything created carries our labels; nothing unlabelled is touched.
 */
import type { BackupPlan } from '../plan.ts';
import type { KubeObject } from '../state.ts';
import { parseGoDuration } from '../duration.ts';
import { describeError } from '../errors.ts';
import type { KubeApi } from '../kube/api.ts';
import { abortReason, isAborted, isConflict, throwIfAborted } from '../kube/errors.ts';
import type { Redactor } from '../kube/redact.ts';
import { describeRef, R, VELERO_GROUP, VELERO_VERSION, type ResourceType } from '../kube/resources.ts';
import { waitFor, WaitTimeoutError, type ObjectRef } from '../kube/wait.ts';
import {
  backupManifest,
  drillNames,
  expectedCanarySha256,
  isOurs,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  namespaceManifest,
  parseCanaryLog,
  podManifest,
  POD_NAMES,
  PVC_NAME,
  pvcManifest,
  restoreManifest,
  RUN_ID_LABEL,
  VOLUME_NAME,
  type DrillNames,
  type PodRole,
} from './canary.ts';
import { deleteBackupThroughVelero, deleteIfOurs, deleteRestoreWhenDone, emptyOutcome, mergeOutcome, type BackupFilesProbe, type CleanupContext } from './cleanup.ts';
import { collectDiagnostics } from './diagnostics.ts';
import { explainRestore } from './restore-cause.ts';
import { EXPIRES_AT_ANNOTATION, runBudgetMs, sweepExpiredRuns } from './sweep.ts';
import { appliedRules, BLOCKING_BACKUP_PHASES, drillPodSecurityLevel, queuesBackups, veleroRelease, type VeleroRelease } from './velero-rules.ts';
import { onTerminationSignals, type SignalSource } from './signals.ts';
import { DRILL_STEPS, type DrillResult, type DrillStep, type PodVolumeBackupSummary } from './types.ts';

export interface DrillOptions {
  api: KubeApi;
  plan: BackupPlan;
  runId: string;
  /** --keep: leave everything in place and report it. */
  keep: boolean;
  redactor: Redactor;
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
  bucket?: BackupFilesProbe;
  /** Runs after the verification and before cleanup: the cluster target collects its state here. */
  beforeCleanup?: () => Promise<void>;
  /** Where SIGINT/SIGTERM come from (default: the process). */
  signals?: SignalSource;
  /** Period of the backing GETs and log reads (default 2 s). */
  pollMs?: number;
  /** The clock that decides which earlier runs are past their deadline (default Date.now). */
  now?: () => number;
}

const TERMINAL_BACKUP = new Set(['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation']);
const TERMINAL_RESTORE = new Set(['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation']);
/** Container states that will not fix themselves: fail now instead of waiting for the deadline. */
const HOPELESS_WAITING = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError']);

/** A step failed for a reason worth showing as is; `refs` are the objects diagnostics should show. */
export class DrillStepError extends Error {
  override readonly name = 'DrillStepError';
  constructor(
    message: string,
    readonly refs: ObjectRef[] = [],
    readonly phase?: string,
  ) {
    super(message);
  }
}

function started(object: KubeObject | undefined): boolean {
  return Boolean((object?.status as { startTimestamp?: string } | undefined)?.startTimestamp);
}

function phase(object: KubeObject | undefined): string | undefined {
  return (object?.status as { phase?: string } | undefined)?.phase;
}

function timeout(plan: BackupPlan, key: keyof BackupPlan['drill']['timeouts']): number {
  return parseGoDuration(plan.drill.timeouts[key]) ?? 60_000;
}

function hopelessReason(pod: KubeObject | undefined): string | undefined {
  const statuses = ((pod?.status as { containerStatuses?: Array<{ state?: { waiting?: { reason?: string; message?: string } } }> } | undefined)?.containerStatuses) ?? [];
  for (const status of statuses) {
    const waiting = status.state?.waiting;
    if (waiting?.reason && HOPELESS_WAITING.has(waiting.reason)) return `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`;
  }
  return undefined;
}

interface Created {
  type: ResourceType;
  name: string;
  namespace?: string;
}

export async function runDrill(options: DrillOptions): Promise<DrillResult> {
  const { api, plan, runId, redactor } = options;
  const names = drillNames(plan, runId);
  const pollMs = options.pollMs ?? 2_000;
  const progress = (line: string) => options.onProgress?.(redactor.text(line));
  const expectedSha256 = expectedCanarySha256(runId, plan.drill.dataSizeBytes);
  const result: DrillResult = {
    status: 'failed',
    runId,
    sourceNamespace: names.sourceNamespace,
    targetNamespace: names.targetNamespace,
    expectedVolumes: [VOLUME_NAME],
    expectedSha256,
    dataSizeBytes: plan.drill.dataSizeBytes,
    steps: [],
  };

  // One controller for the drill, one for its cleanup: the first signal stops the drill, a second the cleanup.
  const drill = new AbortController();
  const cleanup = new AbortController();
  const onOuterAbort = () => drill.abort(abortReason(options.signal!));
  if (options.signal?.aborted) drill.abort(abortReason(options.signal));
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let signalCount = 0;
  const removeSignalHandlers = onTerminationSignals(options.signals ?? process, (signal) => {
    signalCount += 1;
    if (signalCount === 1) {
      progress(`drill: ${signal} received — stopping the drill and cleaning up (press Ctrl-C again to stop the cleanup as well)`);
      drill.abort(signal);
    } else {
      progress(`drill: ${signal} received again — stopping the cleanup; run with --cleanup later to remove leftovers`);
      cleanup.abort(signal);
    }
  });

  const now = options.now ?? Date.now;
  const expiresAtIso = new Date(now() + runBudgetMs(plan)).toISOString();
  const created: Created[] = [];
  let currentStep = '';
  let stepPhase: string | undefined;
  const signal = drill.signal;
  const waitOptions = (deadlineMs: number, describe?: (object: KubeObject | undefined) => string) => ({ deadlineMs, pollMs, signal, onProgress: progress, describe });

  const step = async (name: string, body: () => Promise<string | void>) => {
    currentStep = name;
    stepPhase = undefined;
    throwIfAborted(signal);
    progress(`drill ${name}: started`);
    const started = Date.now();
    try {
      const detail = await body();
      result.steps.push({ name, status: 'passed', durationMs: Date.now() - started, ...(detail ? { detail: redactor.text(detail) } : {}), ...(stepPhase ? { phase: stepPhase } : {}) });
      progress(`drill ${name}: passed${detail ? ` — ${detail}` : ''}`);
    } catch (error) {
      const detail = isAborted(error) ? `interrupted (${error.why})` : describeError(error);
      result.steps.push({ name, status: 'failed', durationMs: Date.now() - started, detail: redactor.text(detail), ...(stepPhase ? { phase: stepPhase } : {}) });
      progress(`drill ${name}: failed — ${detail}`);
      throw error;
    }
  };

  const createOwned = async (type: ResourceType, manifest: KubeObject) => {
    // Remember it before the call: a create whose answer was lost must still be cleaned up.
    const entry: Created = { type, name: manifest.metadata.name, namespace: manifest.metadata.namespace };
    // When a later run may sweep it, should this run never clean up (sweep.ts).
    manifest.metadata.annotations = { ...manifest.metadata.annotations, [EXPIRES_AT_ANNOTATION]: expiresAtIso };
    created.push(entry);
    // A create is never aborted in flight: the API server could still apply it after cleanup
    // looked for it. It finishes (bounded by the call deadline), then the abort is honoured.
    try {
      const object = await api.createOwned(type, manifest, (existing) => isOurs(existing, runId));
      throwIfAborted(signal);
      return object;
    } catch (error) {
      // A conflict api.createOwned did not resolve: the name is held by an object that is not
      // this run's, so it is not this run's to clean up either.
      if (isConflict(error)) created.splice(created.indexOf(entry), 1);
      throw error;
    }
  };

  const waitForPodLog = async (namespace: string, role: PodRole, logRole: string, deadlineAt: number) => {
    const podName = POD_NAMES[role];
    for (;;) {
      throwIfAborted(signal);
      try {
        const line = parseCanaryLog(await api.podLog(namespace, podName, { signal, deadlineMs: Math.max(pollMs * 2, 1_000) }), logRole);
        if (line) return line;
      } catch (error) {
        if (isAborted(error)) throw error;
      }
      if (Date.now() + pollMs > deadlineAt) {
        throw new DrillStepError(`pod ${namespace}/${podName} printed no "velero-verify role=${logRole}" line within the pod timeout`, [{ type: R.pods, name: podName, namespace }]);
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  };

  /** Wait for a pod to run (writer) or finish (marker, verifier) and return its canary log line. */
  const runPod = async (namespace: string, role: PodRole, logRole = role as string) => {
    const deadlineMs = timeout(plan, 'podReady');
    const deadlineAt = Date.now() + deadlineMs;
    const ref = { type: R.pods, name: POD_NAMES[role], namespace };
    const done = role === 'writer' ? ['Running', 'Succeeded', 'Failed'] : ['Succeeded', 'Failed'];
    const pod = await waitFor(api, ref, (object) => !object || done.includes(phase(object) ?? '') || hopelessReason(object) !== undefined, waitOptions(deadlineMs, (object) => {
      const reason = hopelessReason(object);
      return object ? `phase ${phase(object) ?? 'Pending'}${reason ? ` (${reason})` : ''}` : 'absent';
    }));
    if (!pod) throw new DrillStepError(`pod ${namespace}/${ref.name} disappeared`, [ref]);
    const hopeless = hopelessReason(pod);
    if (hopeless) throw new DrillStepError(`pod ${namespace}/${ref.name} cannot start: ${hopeless} (image ${plan.drill.image}; set drill.image to an image the cluster can pull)`, [ref]);
    if (phase(pod) === 'Failed') throw new DrillStepError(`pod ${namespace}/${ref.name} failed`, [ref]);
    return waitForPodLog(namespace, role, logRole, deadlineAt);
  };

  const deletePodAndWait = async (namespace: string, role: PodRole) => {
    const outcome = await deleteIfOurs(
      { api, veleroNamespace: names.veleroNamespace, runId, deadlineMs: timeout(plan, 'podReady'), pollMs, signal, onProgress: progress },
      R.pods,
      POD_NAMES[role],
      namespace,
      { waitGone: true },
    );
    if (outcome.problems.length) throw new DrillStepError(outcome.problems.join('; '), [{ type: R.pods, name: POD_NAMES[role], namespace }]);
  };

  let release: VeleroRelease = {};
  const readRelease = async (): Promise<VeleroRelease> => {
    try {
      return veleroRelease(await api.get(R.deployments, 'velero', names.veleroNamespace, { signal }));
    } catch (error) {
      if (isAborted(error)) throw error;
      progress(`drill preflight: the velero Deployment could not be read (${describeError(error)}); applying the rules that hold for every release`);
      return {};
    }
  };

  /**
   * Velero runs one backup at a time (1.18 queues the rest, 1.14–1.17 leave them New): a drill
   * Backup created now would wait behind the running one, time out into a false failure and later
   * run against a namespace the drill has deleted. Wait, bounded by the backup deadline, or stop.
   */
  const waitUntilVeleroIsIdle = async () => {
    const deadlineAt = Date.now() + timeout(plan, 'backup');
    let announced = '';
    for (;;) {
      const backups = (await api.list(R.backups, { namespace: names.veleroNamespace, signal })).items;
      const busy = backups.filter((backup) => BLOCKING_BACKUP_PHASES.has(phase(backup) ?? ''));
      const described = busy.map((backup) => `${backup.metadata.name} (${phase(backup) || 'no phase yet'}${(backup.status as { startTimestamp?: string } | undefined)?.startTimestamp ? `, started ${(backup.status as { startTimestamp: string }).startTimestamp}` : ''})`);
      if (busy.length === 0) return;
      result.busyWith = busy.map((backup) => backup.metadata.name);
      if (described.join() !== announced) {
        announced = described.join();
        progress(`drill preflight: waiting for Backup ${described.join(', ')} — Velero runs one backup at a time`);
      }
      if (Date.now() + pollMs > deadlineAt) {
        throw new DrillStepError(
          `Velero is busy with Backup ${described.join(', ')}: it runs one backup at a time${queuesBackups(release) ? ' (1.18 queues the rest; --concurrent-backups is 1 by default and backups with overlapping namespaces never run together)' : ' (the next one stays New until it has finished)'}, so the drill's Backup would wait behind it. The drill did not create its Backup; run it again when that backup has finished (outside the schedule's window)`,
          busy.map((backup) => ({ type: R.backups, name: backup.metadata.name, namespace: names.veleroNamespace })),
          phase(busy[0]),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      throwIfAborted(signal);
    }
  };

  /** A restore that did not complete: name the cause from its PodVolumeRestores and the restored pods' init containers. */
  const restoreFailure = async (message: string, ref: ObjectRef, restorePhase?: string) => {
    const cause = await explainRestore(api, names.restore, names.veleroNamespace, names.targetNamespace, signal);
    result.podVolumeRestores = cause.podVolumeRestores;
    return new DrillStepError(`${message}${cause.lines.length ? ` — ${cause.lines.join('; ')}` : ''}`, [ref, ...cause.refs], restorePhase);
  };

  /**
   * The canary namespace's BackupRepository lives on after the drill (Velero never deletes one)
   * and gets a Kopia maintenance Job every spec.maintenanceFrequency — hourly by default. Once the
   * first backup made it, set the plan's (slower) frequency; Velero keeps a frequency that is set.
   * The only field of a Velero-owned object the drill changes; a failure only costs a note.
   */
  const slowDownCanaryMaintenance = async () => {
    const wanted = plan.drill.repositoryMaintenanceFrequency;
    try {
      const repositories = (await api.list(R.backupRepositories, { namespace: names.veleroNamespace, labelSelector: `velero.io/volume-namespace=${names.sourceNamespace}`, signal })).items;
      for (const repository of repositories) {
        const spec = (repository.spec ?? {}) as { volumeNamespace?: string; maintenanceFrequency?: string };
        if (spec.volumeNamespace !== names.sourceNamespace) continue;
        if (parseGoDuration(spec.maintenanceFrequency ?? '') === parseGoDuration(wanted)) continue;
        await api.mergePatch(R.backupRepositories, repository.metadata.name, names.veleroNamespace, { spec: { maintenanceFrequency: wanted } }, { signal });
        result.repositoryMaintenance = `BackupRepository ${repository.metadata.name}: maintenanceFrequency ${spec.maintenanceFrequency ?? '(default)'} → ${wanted}`;
        progress(`drill backup: ${result.repositoryMaintenance} (Kopia maintenance of the canary repository runs every ${wanted} instead of hourly)`);
      }
    } catch (error) {
      if (isAborted(error)) throw error;
      progress(`drill backup: could not set the canary repository's maintenanceFrequency to ${wanted} (${describeError(error)}); Velero keeps maintaining it at its default (hourly)`);
    }
  };

  /** Leftovers of earlier runs past their own deadline go first (only labelled objects; see sweep.ts). */
  const sweepLeftovers = async () => {
    const swept = await sweepExpiredRuns(
      { api, veleroNamespace: names.veleroNamespace, deadlineMs: timeout(plan, 'deletion'), pollMs, signal, onProgress: progress, bucket: options.bucket },
      plan,
      runId,
      now(),
    );
    if (swept.runs.length === 0 && swept.problems.length === 0) return;
    result.swept = { runs: swept.runs, deleted: swept.deleted, left: swept.left, problems: swept.problems.map((problem) => redactor.text(problem)) };
    progress(`drill preflight: swept ${swept.deleted.length ? swept.deleted.join(', ') : 'nothing'} of expired run(s) ${swept.runs.join(', ') || '(none)'}${swept.left.length ? `; still left: ${swept.left.join(', ')}` : ''}`);
  };

  let diagnosticRefs: ObjectRef[] = [];
  try {
    await step('preflight', async () => {
      const bslRef = { type: R.backupStorageLocations, name: plan.storage.locationName, namespace: names.veleroNamespace };
      diagnosticRefs = [bslRef];
      if (!(await api.serves({ group: VELERO_GROUP, version: VELERO_VERSION }, { signal }))) {
        throw new DrillStepError('Velero is not installed: the cluster does not serve the velero.io/v1 API');
      }
      const bsl = await api.get(R.backupStorageLocations, plan.storage.locationName, names.veleroNamespace, { signal });
      if (!bsl) throw new DrillStepError(`BackupStorageLocation ${names.veleroNamespace}/${plan.storage.locationName} does not exist`, [bslRef]);
      const bslPhase = phase(bsl);
      stepPhase = bslPhase;
      if (bslPhase !== 'Available') {
        const message = (bsl.status as { message?: string } | undefined)?.message;
        // FACTS.md §3: a backup against a BSL that is not Available ends FailedValidation; do not start one.
        throw new DrillStepError(`BackupStorageLocation ${plan.storage.locationName} is ${bslPhase || 'not validated yet (no phase)'}${message ? `: ${message}` : ''}; the drill needs it Available`, [bslRef], bslPhase);
      }
      release = await readRelease();
      result.velero = { ...(release.version ? { version: release.version } : {}), ...(release.image ? { image: release.image } : {}), rules: appliedRules(release) };
      progress(`drill preflight: Velero ${release.version ?? '(version unknown)'}; rules applied: ${result.velero.rules.join('; ')}`);
      await sweepLeftovers();
      const source = await api.get(R.namespaces, names.sourceNamespace, undefined, { signal });
      if (source) throw new DrillStepError(existingCanaryNamespace(source));
      await waitUntilVeleroIsIdle();
      if (await api.get(R.namespaces, names.targetNamespace, undefined, { signal })) {
        throw new DrillStepError(`namespace ${names.targetNamespace} already exists; the drill only restores into a fresh namespace (a leftover of an earlier run? run \`npm run audit -- --cleanup\`)`);
      }
      return `BackupStorageLocation ${plan.storage.locationName} is Available`;
    });

    await step('create-canary', async () => {
      diagnosticRefs = [{ type: R.persistentVolumeClaims, name: PVC_NAME, namespace: names.sourceNamespace }];
      await createOwned(R.namespaces, namespaceManifest(names.sourceNamespace, runId, drillPodSecurityLevel(release))).catch(async (error: unknown) => {
        if (!isConflict(error)) throw error;
        // Created by another run (or someone else) since preflight: say whose it is.
        const existing = await api.get(R.namespaces, names.sourceNamespace, undefined, { signal });
        throw existing ? new DrillStepError(existingCanaryNamespace(existing)) : error;
      });
      await createOwned(R.persistentVolumeClaims, pvcManifest(plan, names));
      await createOwned(R.pods, podManifest(plan, names, 'writer', names.sourceNamespace));
      return `namespace ${names.sourceNamespace} with PVC ${PVC_NAME} and pod ${POD_NAMES.writer}`;
    });

    await step('write-data', async () => {
      diagnosticRefs = [
        { type: R.pods, name: POD_NAMES.writer, namespace: names.sourceNamespace },
        { type: R.persistentVolumeClaims, name: PVC_NAME, namespace: names.sourceNamespace },
      ];
      const line = await runPod(names.sourceNamespace, 'writer');
      result.writtenSha256 = line.fields.sha256;
      if (line.fields.sha256 !== expectedSha256) {
        throw new DrillStepError(`the writer pod reports sha256 ${line.fields.sha256} but the deterministic canary data has ${expectedSha256}; drill.image must provide POSIX sh, yes, head -c and sha256sum (busybox does)`, diagnosticRefs);
      }
      return `${formatBytes(plan.drill.dataSizeBytes)} written, sha256 ${expectedSha256.slice(0, 12)}…`;
    });

    await step('backup', async () => {
      const ref = { type: R.backups, name: names.backup, namespace: names.veleroNamespace };
      diagnosticRefs = [ref];
      result.backupName = names.backup;
      await createOwned(R.backups, backupManifest(plan, names));
      // The deadline counts from the backup's start: first wait for Velero to start it (a backup
      // created meanwhile by a Schedule may hold the queue), bounded by the same deadline.
      await waitFor(api, ref, (object) => !object || started(object) || TERMINAL_BACKUP.has(phase(object) ?? ''), waitOptions(timeout(plan, 'backup'), describeBackupProgress)).catch((error) => {
        if (!(error instanceof WaitTimeoutError)) throw error;
        result.backupPhase = phase(error.last);
        stepPhase = result.backupPhase;
        const waiting = result.backupPhase
          ? `Velero ${result.backupPhase === 'Queued' ? 'queued it behind another backup' : `left it ${result.backupPhase}`} and never started it`
          : 'the Velero server never processed it (no phase): is the velero Deployment running? is the BackupStorageLocation Available?';
        throw new DrillStepError(`Backup ${names.backup} did not start within ${plan.drill.timeouts.backup}: ${waiting}`, [ref], result.backupPhase);
      });
      const backup = await waitFor(api, ref, (object) => !object || TERMINAL_BACKUP.has(phase(object) ?? ''), waitOptions(timeout(plan, 'backup'), describeBackupProgress)).catch((error) => {
        if (error instanceof WaitTimeoutError) {
          result.backupPhase = phase(error.last);
          stepPhase = result.backupPhase;
        }
        throw error;
      });
      if (!backup) throw new DrillStepError(`Backup ${names.backup} disappeared while it ran`, [ref]);
      const status = (backup.status ?? {}) as { phase?: string; errors?: number; warnings?: number; failureReason?: string; validationErrors?: string[] };
      result.backupPhase = status.phase;
      result.backupErrors = status.errors ?? 0; // FACTS.md §3: zero counts are omitted
      result.backupWarnings = status.warnings ?? 0;
      stepPhase = status.phase;
      const pvbs = (await api.list(R.podVolumeBackups, { namespace: names.veleroNamespace, labelSelector: `velero.io/backup-name=${names.backup}`, signal })).items;
      result.podVolumeBackups = pvbs.map(summarizePvb);
      if (status.phase !== 'Completed' || result.backupErrors > 0) {
        const why = [status.failureReason, ...(status.validationErrors ?? [])].filter(Boolean).join('; ');
        throw new DrillStepError(
          `Backup ${names.backup} ended ${status.phase} with ${result.backupErrors} error(s) and ${result.backupWarnings} warning(s)${why ? `: ${why}` : ''}; see \`velero backup describe ${names.backup} --details\` and \`velero backup logs ${names.backup}\``,
          [ref, ...pvbs.map((pvb) => ({ type: R.podVolumeBackups, name: pvb.metadata.name, namespace: names.veleroNamespace }))],
          status.phase,
        );
      }
      await checkPodVolumeBackups(api, names, pvbs, signal);
      await slowDownCanaryMaintenance();
      return `Completed with ${pvbs.length} Completed kopia PodVolumeBackup(s)${result.backupWarnings ? ` and ${result.backupWarnings} warning(s)` : ''}`;
    });

    await step('mark-source', async () => {
      diagnosticRefs = [{ type: R.pods, name: POD_NAMES.marker, namespace: names.sourceNamespace }];
      // The writer holds the (ReadWriteOnce) volume; the marker pod writes the post-backup change.
      await deletePodAndWait(names.sourceNamespace, 'writer');
      await createOwned(R.pods, podManifest(plan, names, 'marker', names.sourceNamespace));
      await runPod(names.sourceNamespace, 'marker');
      return 'marker file written into the source volume after the backup';
    });

    await step('restore', async () => {
      const ref = { type: R.restores, name: names.restore, namespace: names.veleroNamespace };
      diagnosticRefs = [ref];
      // DESIGN.md §5: a restore always maps into a fresh namespace; refuse if it exists.
      if (await api.get(R.namespaces, names.targetNamespace, undefined, { signal })) {
        throw new DrillStepError(`the restore target namespace ${names.targetNamespace} already exists; the drill never restores into an existing namespace`);
      }
      created.push({ type: R.namespaces, name: names.targetNamespace });
      result.restoreName = names.restore;
      await createOwned(R.restores, restoreManifest(plan, names));
      const restore = await waitFor(api, ref, (object) => !object || TERMINAL_RESTORE.has(phase(object) ?? ''), waitOptions(timeout(plan, 'restore'))).catch(async (error) => {
        if (!(error instanceof WaitTimeoutError)) throw error;
        result.restorePhase = phase(error.last);
        stepPhase = result.restorePhase;
        throw await restoreFailure(`${error.message}`, ref, result.restorePhase);
      });
      if (!restore) throw new DrillStepError(`Restore ${names.restore} disappeared while it ran`, [ref]);
      const status = (restore.status ?? {}) as { phase?: string; errors?: number; warnings?: number; failureReason?: string; validationErrors?: string[] };
      result.restorePhase = status.phase;
      result.restoreErrors = status.errors ?? 0;
      result.restoreWarnings = status.warnings ?? 0;
      stepPhase = status.phase;
      if (status.phase !== 'Completed' || result.restoreErrors > 0) {
        const why = [status.failureReason, ...(status.validationErrors ?? [])].filter(Boolean).join('; ');
        throw await restoreFailure(`Restore ${names.restore} ended ${status.phase} with ${result.restoreErrors} error(s)${why ? `: ${why}` : ''}; see \`velero restore describe ${names.restore} --details\``, ref, status.phase);
      }
      return `Completed into namespace ${names.targetNamespace}`;
    });

    await step('verify', async () => {
      const verifierRef = { type: R.pods, name: POD_NAMES.verifier, namespace: names.targetNamespace };
      diagnosticRefs = [verifierRef, { type: R.persistentVolumeClaims, name: PVC_NAME, namespace: names.targetNamespace }];
      // The restored copy of the writer holds the restored volume; it never writes (see WRITER_SCRIPT).
      await deletePodAndWait(names.targetNamespace, 'writer');
      await createOwned(R.pods, podManifest(plan, names, 'verifier', names.targetNamespace));
      const line = await runPod(names.targetNamespace, 'verifier');
      result.restoredSha256 = line.fields.sha256;
      result.markerPresent = line.fields.marker === 'present';
      if (line.fields.sha256 !== expectedSha256) {
        throw new DrillStepError(
          line.fields.sha256 === 'missing'
            ? `the restored volume has no ${'canary.bin'}: Velero restored the PVC but not its data`
            : `checksum mismatch: restored data has sha256 ${line.fields.sha256} (${line.fields.bytes} bytes), the backed-up data had ${expectedSha256}`,
          diagnosticRefs,
        );
      }
      if (result.markerPresent) {
        throw new DrillStepError('the restored volume contains the marker written AFTER the backup: the restore did not come from the backup', diagnosticRefs);
      }
      return `sha256 identical (${expectedSha256.slice(0, 12)}…), post-backup marker absent`;
    });
    result.status = 'passed';
  } catch (error) {
    result.status = 'failed';
    result.failedStep = currentStep;
    result.reason = redactor.text(isAborted(error) ? `interrupted by ${error.why} during ${currentStep}` : describeError(error));
    if (isAborted(error)) {
      result.interrupted = error.why;
    } else {
      const refs = error instanceof DrillStepError && error.refs.length ? error.refs : error instanceof WaitTimeoutError ? [error.ref, ...diagnosticRefs.filter((ref) => ref.name !== error.ref.name)] : diagnosticRefs;
      progress(`drill: collecting diagnostics for ${currentStep} before cleanup`);
      result.diagnostics = await collectDiagnostics(api, {
        step: currentStep,
        summary: result.reason,
        refs,
        namespaces: [names.sourceNamespace, names.targetNamespace],
        veleroNamespace: names.veleroNamespace,
        redactor,
        deadlineMs: Math.min(15_000, Math.max(1_000, timeout(plan, 'podReady'))),
      }).catch((diagnosticsError) => ({
        step: currentStep,
        summary: result.reason ?? '',
        collectedAt: new Date().toISOString(),
        objects: [],
        events: [],
        logs: [],
        problems: [redactor.text(`diagnostics failed: ${describeError(diagnosticsError)}`)],
      }));
    }
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
    for (const name of DRILL_STEPS) {
      if (!result.steps.some((s) => s.name === name)) result.steps.push({ name, status: 'skipped', durationMs: 0 } satisfies DrillStep);
    }
    if (options.beforeCleanup && !cleanup.signal.aborted) {
      try {
        await options.beforeCleanup();
      } catch (error) {
        progress(`drill: collecting state before cleanup failed: ${describeError(error)}`);
      }
    }
    try {
      await runCleanup(result, created, names, options, cleanup.signal, progress, pollMs);
    } finally {
      removeSignalHandlers();
    }
  }
  return result;
}

async function runCleanup(result: DrillResult, created: Created[], names: DrillNames, options: DrillOptions, signal: AbortSignal, progress: (line: string) => void, pollMs: number): Promise<void> {
  const started = Date.now();
  const unique = created.filter((entry, index) => created.findIndex((other) => other.type === entry.type && other.name === entry.name && other.namespace === entry.namespace) === index);
  const namespaced = unique.filter((entry) => entry.type !== R.namespaces && unique.some((ns) => ns.type === R.namespaces && ns.name === entry.namespace));
  // Objects inside our namespaces go with them; the rest, newest first.
  const toClean = unique.filter((entry) => !namespaced.includes(entry)).reverse();
  if (toClean.length === 0) {
    result.cleanup = { status: 'nothing-to-do', deleted: [], left: [], problems: [] };
    return;
  }
  if (options.keep) {
    const kept = toClean.map((entry) => describeRef(entry.type, entry.name, entry.namespace));
    result.cleanup = { status: 'kept', deleted: [], left: kept, problems: [] };
    progress(`drill: --keep: left in place: ${kept.join(', ')}; remove them later with --cleanup`);
    result.steps.push({ name: 'cleanup', status: 'skipped', durationMs: 0, detail: `--keep: kept ${kept.join(', ')}` });
    return;
  }
  const ctx: CleanupContext = {
    api: options.api,
    veleroNamespace: names.veleroNamespace,
    runId: names.runId,
    deadlineMs: timeout(options.plan, 'deletion'),
    pollMs,
    signal,
    onProgress: progress,
    bucket: options.bucket,
  };
  const outcome = emptyOutcome();
  progress('drill cleanup: started');
  try {
    for (const entry of toClean) {
      if (entry.type === R.backups) mergeOutcome(outcome, await deleteBackupThroughVelero(ctx, entry.name));
      else if (entry.type === R.restores) mergeOutcome(outcome, await deleteRestoreWhenDone(ctx, entry.name));
      else mergeOutcome(outcome, await deleteIfOurs(ctx, entry.type, entry.name, entry.namespace, { waitGone: entry.type === R.namespaces }));
    }
  } catch (error) {
    if (!isAborted(error)) throw error;
    const done = new Set(outcome.deleted);
    for (const entry of toClean) {
      const label = describeRef(entry.type, entry.name, entry.namespace);
      if (![...done].some((deleted) => deleted.startsWith(label))) outcome.left.push(label);
    }
    outcome.problems.push(`cleanup interrupted by ${error.why}; run with --cleanup to remove what is left`);
  }
  if (!options.bucket && toClean.some((entry) => entry.type === R.backups)) {
    outcome.problems.push('the bucket was not checked: without bucket access the removal of backups/<name>/ is not confirmed');
  }
  const leftovers = outcome.left.length > 0;
  result.cleanup = {
    status: leftovers ? 'incomplete' : 'done',
    deleted: outcome.deleted,
    left: outcome.left,
    problems: outcome.problems.map((problem) => options.redactor.text(problem)),
    ...(outcome.bucketConfirmed !== undefined ? { bucketConfirmed: outcome.bucketConfirmed } : {}),
  };
  result.steps.push({
    name: 'cleanup',
    status: leftovers ? 'failed' : 'passed',
    durationMs: Date.now() - started,
    detail: options.redactor.text(leftovers ? `left: ${outcome.left.join(', ')}` : `deleted: ${outcome.deleted.join(', ')}`),
  });
  progress(`drill cleanup: ${leftovers ? `incomplete — left: ${outcome.left.join(', ')}` : 'done'}`);
}

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

/** Exactly one Completed kopia PodVolumeBackup per volume of the canary pod (FACTS.md §4, §10: count PVBs, not only the phase). */
async function checkPodVolumeBackups(api: KubeApi, names: DrillNames, pvbs: KubeObject[], signal: AbortSignal): Promise<void> {
  const ours = pvbs.filter((pvb) => (pvb.spec as { pod?: { namespace?: string } } | undefined)?.pod?.namespace === names.sourceNamespace);
  const refs = pvbs.map((pvb) => ({ type: R.podVolumeBackups, name: pvb.metadata.name, namespace: names.veleroNamespace }));
  if (ours.length === 0) {
    const pvc = await api.get(R.persistentVolumeClaims, PVC_NAME, names.sourceNamespace, { signal });
    const pvName = (pvc?.spec as { volumeName?: string } | undefined)?.volumeName;
    const pv = pvName ? await api.get(R.persistentVolumes, pvName, undefined, { signal }) : undefined;
    const hostPath = (pv?.spec as { hostPath?: { path?: string } } | undefined)?.hostPath;
    const hint = hostPath
      ? `the canary PVC is bound to PersistentVolume ${pvName}, a hostPath volume (${hostPath.path}); file-system backup silently skips hostPath volumes (FACTS.md §4). Use a storage class that provisions local or network volumes (drill.storageClassName; for local-path, the PVC annotation volumeType: local needs a provisioner that honours it)`
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

