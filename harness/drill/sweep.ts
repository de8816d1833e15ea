/**
 * Leftovers of earlier runs that are past their own deadline — kept with --keep, interrupted by a
 * second Ctrl-C, or left because Velero was still busy — are swept before a drill starts, so one
 * stuck run does not block every later one until someone runs --cleanup. Only objects labelled
 * app.kubernetes.io/managed-by=velero-verify are considered, grouped by their run id; a run whose
 * deadline has not passed may still be going and is never touched.
 */
import type { BackupPlan } from '../plan.ts';
import type { KubeObject } from '../state.ts';
import { describeError } from '../errors.ts';
import { isAborted } from '../kube/errors.ts';
import { R } from '../kube/resources.ts';
import { MANAGED_SELECTOR, RUN_ID_LABEL } from './canary.ts';
import { runBudgetMs } from './deadlines.ts';
import { EXPIRES_AT_ANNOTATION } from './drill-run.ts';
import { deleteBackupThroughVelero, deleteIfOurs, deleteRestoreWhenDone, emptyOutcome, mergeOutcome, type CleanupContext, type CleanupOutcome } from './cleanup.ts';


/** When an object of an earlier run may be swept: its annotation, else its creation + this plan's budget. */
function expiresAt(object: KubeObject, plan: BackupPlan): number | undefined {
  const annotated = Date.parse(object.metadata.annotations?.[EXPIRES_AT_ANNOTATION] ?? '');
  if (!Number.isNaN(annotated)) return annotated;
  const created = Date.parse(object.metadata.creationTimestamp ?? '');
  return Number.isNaN(created) ? undefined : created + runBudgetMs(plan);
}

export interface SweepResult extends CleanupOutcome {
  /** Run ids whose leftovers were swept. */
  runs: string[];
}

/** Sweep every labelled object of runs (other than `currentRunId`) that are all past their deadline at `now`. */
export async function sweepExpiredRuns(ctx: CleanupContext, plan: BackupPlan, currentRunId: string, now: number): Promise<SweepResult> {
  const outcome = emptyOutcome();
  const list = async (type: (typeof R)[keyof typeof R], namespace?: string) => {
    try {
      return (await ctx.api.list(type, { namespace, labelSelector: MANAGED_SELECTOR, signal: ctx.signal })).items;
    } catch (error) {
      if (isAborted(error)) throw error;
      outcome.problems.push(`could not list ${type.plural}${namespace ? ` in ${namespace}` : ''} to look for expired leftovers: ${describeError(error)}`);
      return [];
    }
  };
  const [namespaces, backups, restores] = [await list(R.namespaces), await list(R.backups, ctx.veleroNamespace), await list(R.restores, ctx.veleroNamespace)];
  const byRun = new Map<string, KubeObject[]>();
  for (const object of [...namespaces, ...backups, ...restores]) {
    const run = object.metadata.labels?.[RUN_ID_LABEL];
    if (!run || run === currentRunId) continue;
    byRun.set(run, [...(byRun.get(run) ?? []), object]);
  }
  // A run is expired only when every object of it is: one fresh object means it may still be going.
  const expired = [...byRun].filter(([, objects]) => objects.every((object) => (expiresAt(object, plan) ?? Infinity) <= now)).map(([run]) => run);
  for (const run of expired) {
    const runCtx: CleanupContext = { ...ctx, runId: run };
    const mine = (objects: KubeObject[]) => objects.filter((object) => object.metadata.labels?.[RUN_ID_LABEL] === run);
    ctx.onProgress?.(`drill preflight: sweeping the leftovers of run ${run} (past its deadline)`);
    for (const restore of mine(restores)) mergeOutcome(outcome, await deleteRestoreWhenDone(runCtx, restore.metadata.name));
    for (const backup of mine(backups)) mergeOutcome(outcome, await deleteBackupThroughVelero(runCtx, backup.metadata.name));
    for (const namespace of mine(namespaces)) mergeOutcome(outcome, await deleteIfOurs(runCtx, R.namespaces, namespace.metadata.name, undefined, { waitGone: true }));
  }
  return { ...outcome, runs: expired };
}
