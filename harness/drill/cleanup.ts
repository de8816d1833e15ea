/**
 * Deleting what velero-verify created — and nothing else (docs/architecture.md §5). Every delete reads the
 * object first, checks our labels (and the run id when one is given) and deletes with a uid
 * precondition, so an object that is not ours, or that was replaced meanwhile, is never touched.
 * Backups go through a DeleteBackupRequest (docs/velero-facts.md §9), confirmed in the bucket when possible.
 */
import type { KubeObject } from '../state.ts';
import { describeError } from '../errors.ts';
import type { KubeApi } from '../kube/api.ts';
import { isAborted, isConflict } from '../kube/errors.ts';
import { describeRef, R, type ResourceType } from '../kube/resources.ts';
import { waitFor, WaitTimeoutError } from '../kube/wait.ts';
import { isTerminalBackupPhase, isTerminalRestorePhase } from '../velero-phases.ts';
import { deleteBackupRequestManifest, isOurs, POD_VOLUME_TIMEOUT_ANNOTATION } from './canary.ts';

/** What cleanup needs from the object store: whether `backups/<name>/` is empty. */
export interface BackupFilesProbe {
  backupFilesGone(backupName: string): Promise<boolean>;
  /** Whether `restores/<restoreName>/` is empty (the Restore finalizer removes it). */
  restoreFilesGone?(restoreName: string): Promise<boolean>;
}

export interface CleanupContext {
  api: KubeApi;
  veleroNamespace: string;
  /** Only objects of this run (drill cleanup); undefined = any velero-verify object (the --cleanup sweep). */
  runId?: string;
  /** Deadline of each wait (plan.drill.timeouts.deletion). */
  deadlineMs: number;
  pollMs?: number;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
  bucket?: BackupFilesProbe;
}

export interface CleanupOutcome {
  deleted: string[];
  left: string[];
  problems: string[];
  bucketConfirmed?: boolean;
}

export function emptyOutcome(): CleanupOutcome {
  return { deleted: [], left: [], problems: [] };
}

function merge(into: CleanupOutcome, from: CleanupOutcome): CleanupOutcome {
  into.deleted.push(...from.deleted);
  into.left.push(...from.left);
  into.problems.push(...from.problems);
  if (from.bucketConfirmed !== undefined) into.bucketConfirmed = into.bucketConfirmed === false ? false : from.bucketConfirmed;
  return into;
}

/**
 * Delete one object if it is ours; namespaces are awaited until gone. Returns what happened as an
 * outcome (never throws except on abort).
 */
export async function deleteIfOurs(ctx: CleanupContext, type: ResourceType, name: string, namespace?: string, options: { waitGone?: boolean; unchangedSince?: KubeObject } = {}): Promise<CleanupOutcome> {
  const outcome = emptyOutcome();
  const label = describeRef(type, name, namespace);
  try {
    const object = await ctx.api.get(type, name, namespace, { signal: ctx.signal });
    if (!object) return outcome;
    if (!isOurs(object, ctx.runId)) {
      outcome.problems.push(`${label} does not carry the velero-verify labels${ctx.runId ? ` of run ${ctx.runId}` : ''}; it was not touched`);
      return outcome;
    }
    if (!object.metadata.deletionTimestamp) {
      ctx.onProgress?.(`deleting ${label}`);
      await ctx.api.delete(type, name, namespace, { uid: object.metadata.uid, resourceVersion: options.unchangedSince?.metadata.resourceVersion, signal: ctx.signal });
    }
    if (options.waitGone) {
      await waitFor(ctx.api, { type, name, namespace }, (current) => current === undefined || current.metadata.uid !== object.metadata.uid, {
        deadlineMs: ctx.deadlineMs,
        pollMs: ctx.pollMs,
        signal: ctx.signal,
        onProgress: ctx.onProgress,
        describe: (current) => (current ? `still ${(current.status as { phase?: string } | undefined)?.phase ?? 'present'}` : 'gone'),
      });
    }
    outcome.deleted.push(label);
  } catch (error) {
    if (isAborted(error)) throw error;
    outcome.left.push(label);
    outcome.problems.push(`could not delete ${label}: ${describeError(error)}`);
  }
  return outcome;
}

/**
 * Delete a Restore once it has finished: a restore still running keeps creating objects in its
 * target namespace after the Restore CR is gone, so deleting it (and the namespace) early would
 * leave litter behind.
 */
export async function deleteRestoreWhenDone(ctx: CleanupContext, name: string): Promise<CleanupOutcome> {
  const label = describeRef(R.restores, name, ctx.veleroNamespace);
  try {
    const restore = await ctx.api.get(R.restores, name, ctx.veleroNamespace, { signal: ctx.signal });
    const phase = (restore?.status as { phase?: string } | undefined)?.phase;
    if (restore && isOurs(restore, ctx.runId) && !isTerminalRestorePhase(phase)) {
      ctx.onProgress?.(`cleanup: ${label} is ${phase ?? 'New'}; waiting for it to finish before deleting it and its namespace`);
      await waitFor(ctx.api, { type: R.restores, name, namespace: ctx.veleroNamespace }, (object) => !object || isTerminalRestorePhase((object.status as { phase?: string } | undefined)?.phase), {
        deadlineMs: ctx.deadlineMs,
        pollMs: ctx.pollMs,
        signal: ctx.signal,
        onProgress: ctx.onProgress,
      });
    }
  } catch (error) {
    if (isAborted(error)) throw error;
    const outcome = emptyOutcome();
    outcome.left.push(label);
    outcome.problems.push(`${label} did not finish: ${describeError(error)}; its target namespace may still fill up — run --cleanup later`);
    return merge(outcome, await deleteIfOurs(ctx, R.restores, name, ctx.veleroNamespace));
  }
  // Gone, not only marked: its finalizer removes restores/<name>/ only while the Backup exists, so
  // the Backup's DeleteBackupRequest must wait for it (docs/velero-facts.md).
  const outcome = await deleteIfOurs(ctx, R.restores, name, ctx.veleroNamespace, { waitGone: true });
  if (outcome.left.length === 0 && ctx.bucket?.restoreFilesGone) {
    const probe = ctx.bucket.restoreFilesGone.bind(ctx.bucket);
    if (!(await pollBucket(ctx, () => probe(name)))) {
      outcome.left.push(`restores/${name}/ in the bucket`);
      outcome.problems.push(`restores/${name}/ is still in the bucket after the Restore was deleted (its finalizer removes it only while the Backup exists)`);
    }
  }
  return outcome;
}

/**
 * Delete a backup the way `velero backup delete` does: wait until it is no longer running, create a
 * DeleteBackupRequest, wait for `Processed` without errors and for the Backup CR to go, then
 * confirm in the bucket that `backups/<name>/` is empty, and remove our DeleteBackupRequest.
 */
export async function deleteBackupThroughVelero(ctx: CleanupContext, backupName: string, attempt = 0): Promise<CleanupOutcome> {
  const outcome = emptyOutcome();
  const label = describeRef(R.backups, backupName, ctx.veleroNamespace);
  const wait = (type: ResourceType, name: string, until: (object: KubeObject | undefined) => boolean) =>
    waitFor(ctx.api, { type, name, namespace: ctx.veleroNamespace }, until, { deadlineMs: ctx.deadlineMs, pollMs: ctx.pollMs, signal: ctx.signal, onProgress: ctx.onProgress });
  try {
    let backup = await ctx.api.get(R.backups, backupName, ctx.veleroNamespace, { signal: ctx.signal });
    if (!backup) {
      // Already gone as a CR; the files may still be there (the sync controller would bring it back).
      if (ctx.bucket) outcome.bucketConfirmed = await ctx.bucket.backupFilesGone(backupName);
      if (outcome.bucketConfirmed === false) {
        outcome.left.push(`backups/${backupName}/ in the bucket`);
        outcome.problems.push(`the Backup CR ${backupName} is gone but backups/${backupName}/ is still in the bucket; Velero's sync will recreate the CR, then run --cleanup again`);
      }
      return outcome;
    }
    if (!isOurs(backup, ctx.runId)) {
      outcome.problems.push(`${label} does not carry the velero-verify labels${ctx.runId ? ` of run ${ctx.runId}` : ''}; it was not touched`);
      return outcome;
    }
    const phase = (backup.status as { phase?: string } | undefined)?.phase;
    // 1.18: a Queued backup never started and has nothing in the bucket: delete it at once.
    if (phase === 'Queued') return deleteUnstartedBackup(ctx, backup, `${label} was Queued (never started; nothing reached the bucket): deleted directly`, attempt);
    // Without a phase for longer than a deletion deadline (a --cleanup run, a later sweep): the
    // server never picked it up; nothing reached the bucket, so waiting again would change nothing.
    const ageMs = Date.now() - Date.parse(backup.metadata.creationTimestamp ?? '');
    if (!phase && ageMs > ctx.deadlineMs) {
      return deleteUnstartedBackup(ctx, backup, `${label} was never processed by the Velero server (no phase ${Math.round(ageMs / 60_000)} minute(s) after it was created; nothing reached the bucket): deleted directly. Is the velero Deployment running? Is the BackupStorageLocation Available?`, attempt);
    }
    if (!isTerminalBackupPhase(phase) && phase !== 'Deleting') {
      // Velero refuses to delete a backup that is still in progress (docs/velero-facts.md); New,
      // ReadyToStart and no phase race the controller that is about to start it: wait.
      ctx.onProgress?.(`cleanup: ${label} is ${phase || 'without phase'}; waiting for it to finish before deleting it`);
      try {
        backup = await wait(R.backups, backupName, (object) => !object || isTerminalBackupPhase((object.status as { phase?: string } | undefined)?.phase) || (object.status as { phase?: string } | undefined)?.phase === 'Queued');
      } catch (error) {
        if (!(error instanceof WaitTimeoutError)) throw error;
        const last = error.last;
        const lastPhase = (last?.status as { phase?: string } | undefined)?.phase ?? '';
        if (last && (lastPhase === '' || lastPhase === 'Queued')) {
          return deleteUnstartedBackup(
            ctx,
            last,
            lastPhase === 'Queued'
              ? `${label} stayed Queued (never started; nothing reached the bucket): deleted directly`
              : `${label} was never processed by the Velero server (no phase after ${error.message.match(/within (\S+)/)?.[1] ?? 'the deletion deadline'}; nothing reached the bucket): deleted directly. Is the velero Deployment running? Is the BackupStorageLocation Available?`,
            attempt,
          );
        }
        outcome.left.push(label);
        outcome.problems.push(
          `${label} is still ${lastPhase || 'New'}: Velero refuses to delete a backup in progress (a DeleteBackupRequest is answered "backup is still in progress"). It ends at the latest when its ${POD_VOLUME_TIMEOUT_ANNOTATION} (${last?.metadata.annotations?.[POD_VOLUME_TIMEOUT_ANNOTATION] ?? 'the server\'s --fs-backup-timeout'}) runs out; run \`npm run audit -- --cleanup\` once it is Completed, PartiallyFailed or Failed`,
        );
        return outcome;
      }
      if (!backup) return outcome;
      if ((backup.status as { phase?: string } | undefined)?.phase === 'Queued') return deleteUnstartedBackup(ctx, backup, `${label} was Queued (never started; nothing reached the bucket): deleted directly`, attempt);
    }
    ctx.onProgress?.(`cleanup: requesting deletion of ${label} (DeleteBackupRequest)`);
    // Not aborted in flight (see createOwned in run-drill.ts); the abort is honoured by the wait below.
    const request = await ctx.api.create(R.deleteBackupRequests, deleteBackupRequestManifest({ veleroNamespace: ctx.veleroNamespace, runId: backup.metadata.labels?.['velero-verify/run-id'] ?? ctx.runId ?? 'sweep' }, backupName, backup.metadata.uid));
    const requestName = request.metadata.name;
    const processed = await wait(R.deleteBackupRequests, requestName, (object) => !object || (object.status as { phase?: string } | undefined)?.phase === 'Processed');
    const errors = ((processed?.status as { errors?: string[] } | undefined)?.errors ?? []).filter(Boolean);
    if (errors.length > 0) {
      outcome.left.push(label);
      outcome.problems.push(`Velero could not delete ${label}: ${errors.join('; ')}`);
    } else {
      await wait(R.backups, backupName, (object) => !object || object.metadata.uid !== backup!.metadata.uid);
      outcome.deleted.push(`${label} (DeleteBackupRequest ${requestName})`);
      if (ctx.bucket) {
        outcome.bucketConfirmed = await pollBucket(ctx, backupName);
        if (!outcome.bucketConfirmed) {
          outcome.left.push(`backups/${backupName}/ in the bucket`);
          outcome.problems.push(`backups/${backupName}/ is still in the bucket after the DeleteBackupRequest was processed`);
        }
      }
    }
    if (processed) merge(outcome, await deleteIfOurs(ctx, R.deleteBackupRequests, requestName, ctx.veleroNamespace));
  } catch (error) {
    if (isAborted(error)) throw error;
    outcome.left.push(label);
    outcome.problems.push(`could not delete ${label}: ${describeError(error)}`);
  }
  return outcome;
}

/**
 * A backup Velero never started (Queued, or never picked up): nothing of it reached the bucket and
 * no Velero controller holds it, so the CR itself is deleted (with a uid precondition); the bucket
 * is checked all the same.
 */
async function deleteUnstartedBackup(ctx: CleanupContext, backup: KubeObject, note: string, attempt: number): Promise<CleanupOutcome> {
  const outcome = emptyOutcome();
  const name = backup.metadata.name;
  const label = describeRef(R.backups, name, ctx.veleroNamespace);
  // Only the version read: if Velero moved it on meanwhile (Queued → ReadyToStart), the API
  // server answers 409 and the backup goes the DeleteBackupRequest way after all.
  try {
    await ctx.api.delete(R.backups, name, ctx.veleroNamespace, { uid: backup.metadata.uid, resourceVersion: backup.metadata.resourceVersion, signal: ctx.signal });
  } catch (error) {
    if (isConflict(error) && attempt === 0) return deleteBackupThroughVelero(ctx, name, attempt + 1);
    if (isAborted(error)) throw error;
    outcome.left.push(label);
    outcome.problems.push(`could not delete ${label}: ${describeError(error)}`);
    return outcome;
  }
  ctx.onProgress?.(`cleanup: ${note}`);
  outcome.deleted.push(label);
  // Worth a person's look only when the server never processed it; a Queued one is routine.
  if (!backup.status || !(backup.status as { phase?: string }).phase) outcome.problems.push(note);
  if (ctx.bucket) {
    outcome.bucketConfirmed = await ctx.bucket.backupFilesGone(name).catch(() => false);
    if (!outcome.bucketConfirmed) {
      outcome.left.push(`backups/${name}/ in the bucket`);
      outcome.problems.push(`backups/${name}/ appeared in the bucket although ${label} never started; Velero's sync will bring the CR back — run --cleanup again`);
    }
  }
  return outcome;
}

async function pollBucket(ctx: CleanupContext, gone: string | (() => Promise<boolean>)): Promise<boolean> {
  const deadline = Date.now() + ctx.deadlineMs;
  const probe = typeof gone === 'string' ? () => ctx.bucket!.backupFilesGone(gone) : gone;
  for (;;) {
    try {
      if (await probe()) return true;
    } catch (error) {
      ctx.onProgress?.(`cleanup: bucket check failed (${describeError(error)}); trying again`);
    }
    if (Date.now() + (ctx.pollMs ?? 2_000) > deadline || ctx.signal?.aborted) return false;
    await new Promise((resolve) => setTimeout(resolve, ctx.pollMs ?? 2_000));
  }
}

export { merge as mergeOutcome };
