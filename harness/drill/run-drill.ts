/**
 * The canary drill: the only code that writes to a cluster. Chainsaw's shape:
 *
 *   try     { preflight → create-canary → write-data → backup → mark-source → restore → verify }
 *   catch   { collect diagnostics before cleanup removes the evidence }
 *   finally { collect state (beforeCleanup); delete what was created, in reverse }
 *
 * Each step (steps.ts) runs under its own deadline (deadlines.ts) on top of the deadlines of its
 * waits. Cleanup runs on success, failure, deadline, SIGINT/SIGTERM and abort; `keep` skips it
 * and says what was kept. Everything created carries our labels; nothing unlabelled is touched.
 */
import type { BackupPlan } from '../plan.ts';
import { formatDuration } from '../duration.ts';
import { describeError } from '../errors.ts';
import type { KubeApi } from '../kube/api.ts';
import { abortReason, isAborted, throwIfAborted } from '../kube/errors.ts';
import type { Redactor } from '../redact.ts';
import { describeRef, R } from '../kube/resources.ts';
import { WaitTimeoutError } from '../kube/wait.ts';
import { drillNames, drillTimeout, expectedCanarySha256, VOLUME_NAME, type DrillNames } from './canary.ts';
import { deleteBackupThroughVelero, deleteIfOurs, deleteRestoreWhenDone, emptyOutcome, mergeOutcome, type BackupFilesProbe, type CleanupContext } from './cleanup.ts';
import { runBudgetMs } from './deadlines.ts';
import { collectDiagnostics } from './diagnostics.ts';
import { DrillRun, DrillStepError, type Created } from './drill-run.ts';
import { onTerminationSignals, type SignalSource } from './signals.ts';
import { STEPS, type DrillStepDefinition } from './steps.ts';
import { DRILL_STEPS, type DrillResult, type DrillStep, type DrillStepName } from './types.ts';

export { DrillStepError } from './drill-run.ts';
export { existingCanaryNamespace } from './steps.ts';

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
  /** Override of single steps' deadlines in ms (tests; default deadlines.ts). */
  stepDeadlines?: Partial<Record<DrillStepName, number>>;
}

export async function runDrill(options: DrillOptions): Promise<DrillResult> {
  const { api, plan, runId, redactor } = options;
  const names = drillNames(plan, runId);
  const pollMs = options.pollMs ?? 2_000;
  const progress = (line: string) => options.onProgress?.(redactor.text(line));
  const expectedSha256 = expectedCanarySha256(runId, plan.drill.dataSizeBytes);
  const now = options.now ?? Date.now;
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
  const run = new DrillRun({ api, plan, names, redactor, result, pollMs, expectedSha256, expiresAtIso: new Date(now() + runBudgetMs(plan)).toISOString(), now, bucket: options.bucket, onProgress: options.onProgress });

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

  let currentStep = '';
  try {
    for (const step of STEPS) {
      currentStep = step.name;
      await runStep(run, step, drill.signal, options.stepDeadlines?.[step.name]);
    }
    result.status = 'passed';
  } catch (error) {
    result.status = 'failed';
    result.failedStep = currentStep;
    result.reason = redactor.text(isAborted(error) ? `interrupted by ${error.why} during ${currentStep}` : describeError(error));
    if (isAborted(error)) {
      result.interrupted = error.why;
    } else {
      const refs = error instanceof DrillStepError && error.refs.length ? error.refs : error instanceof WaitTimeoutError ? [error.ref, ...run.diagnosticRefs.filter((ref) => ref.name !== error.ref.name)] : run.diagnosticRefs;
      progress(`drill: collecting diagnostics for ${currentStep} before cleanup`);
      result.diagnostics = await collectDiagnostics(api, {
        step: currentStep,
        summary: result.reason,
        refs,
        namespaces: [names.sourceNamespace, names.targetNamespace],
        veleroNamespace: names.veleroNamespace,
        redactor,
        deadlineMs: Math.min(15_000, Math.max(1_000, drillTimeout(plan, 'podReady'))),
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
      await runCleanup(result, run.created, names, options, cleanup.signal, progress, pollMs);
    } finally {
      removeSignalHandlers();
    }
  }
  return result;
}

/**
 * One step: its own signal (the drill's, or its deadline), its timing and its line in the
 * result. A step that overruns its deadline fails as such — it is not an interruption.
 */
async function runStep(run: DrillRun, step: DrillStepDefinition, drillSignal: AbortSignal, deadlineOverrideMs?: number): Promise<void> {
  throwIfAborted(drillSignal);
  const deadlineMs = deadlineOverrideMs ?? step.deadlineMs(run.plan);
  const controller = new AbortController();
  const onDrillAbort = () => controller.abort(abortReason(drillSignal));
  drillSignal.addEventListener('abort', onDrillAbort, { once: true });
  const timer = setTimeout(() => controller.abort(`the deadline of step ${step.name}`), deadlineMs);
  run.signal = controller.signal;
  run.stepPhase = undefined;
  run.progress(`drill ${step.name}: started`);
  const started = Date.now();
  try {
    const detail = await step.run(run).catch((error: unknown) => {
      if (isAborted(error) && !drillSignal.aborted) throw new DrillStepError(`step ${step.name} did not finish within its deadline of ${formatDuration(deadlineMs)}`, run.diagnosticRefs, run.stepPhase);
      throw error;
    });
    run.result.steps.push({ name: step.name, status: 'passed', durationMs: Date.now() - started, ...(detail ? { detail: run.redactor.text(detail) } : {}), ...(run.stepPhase ? { phase: run.stepPhase } : {}) });
    run.progress(`drill ${step.name}: passed${detail ? ` — ${detail}` : ''}`);
  } catch (error) {
    const detail = isAborted(error) ? `interrupted (${error.why})` : describeError(error);
    run.result.steps.push({ name: step.name, status: 'failed', durationMs: Date.now() - started, detail: run.redactor.text(detail), ...(run.stepPhase ? { phase: run.stepPhase } : {}) });
    run.progress(`drill ${step.name}: failed — ${detail}`);
    throw error;
  } finally {
    clearTimeout(timer);
    drillSignal.removeEventListener('abort', onDrillAbort);
  }
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
    deadlineMs: drillTimeout(options.plan, 'deletion'),
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

